import { beforeAll, expect, it } from 'vitest'
import type { Store } from '../src/store.js'
import { recordFigures } from './faults/fault-figures.js'
import { fuzzFilterQueries, fuzzJobConfigs, fuzzModelDeclarations, fuzzModelRecords, fuzzScheduleTriggers } from './faults/fuzz-scenario.js'
import { describeEngines } from './helpers/engines.js'
import { createJob, openExecutionStore } from './helpers/execution-store.js'

// The quick subset of fault scenario 5: a few hundred generated inputs per engine (the
// full 10,000 run in test/faults/fuzz.fault.ts). Each ends in a validation error with
// paths or in a stored object that reads back equal.
describeEngines('fuzzed inputs', (target) => {
  let store: Store
  let jobId: string
  let runs = 15

  beforeAll(async () => {
    runs = target().engine === 'sqlite' ? 40 : 15
    store = await openExecutionStore(target())
    jobId = await createJob(store)
  })

  const check = (figures: Awaited<ReturnType<typeof fuzzJobConfigs>>) => {
    recordFigures(figures)
    expect(figures.error, figures.error).toBeUndefined()
    expect(figures).toMatchObject({ untyped: 0, lost: 0 })
  }

  it('ends every generated job config in a validation error with paths or a stored config that exports equal', async () => {
    check(await fuzzJobConfigs(store, runs))
  })

  it('ends every generated filter query in a page or a validation error with paths', async () => {
    check(await fuzzFilterQueries(store, runs))
  })

  it('ends every generated schedule trigger in a validation error with paths or a schedule that reads back equal', async () => {
    check(await fuzzScheduleTriggers(store, jobId, runs))
  })

  it('ends every generated model declaration in a plan or a validation error with paths', async () => {
    check(await fuzzModelDeclarations(store, runs))
  })

  it('ends every generated model record in a validation error with paths or a record that reads back equal', async () => {
    check(await fuzzModelRecords(store, runs))
  })
})
