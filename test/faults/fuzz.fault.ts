import { beforeAll, expect, it } from 'vitest'
import type { Store } from '../../src/store.js'
import { describeEngines } from '../helpers/engines.js'
import { createJob, openExecutionStore } from '../helpers/execution-store.js'
import { recordFigures } from './fault-figures.js'
import { fuzzFilterQueries, fuzzJobConfigs, fuzzModelDeclarations, fuzzModelRecords, fuzzScheduleTriggers } from './fuzz-scenario.js'

// Fault scenario 5, full: 10,000 generated inputs on SQLite (2,500 each of job configs,
// filter queries, schedule triggers and model declarations) plus model records, and a
// smaller share on PostgreSQL and MariaDB, where the SQL and the stored types differ.
describeEngines('fuzzed inputs (10,000)', (target) => {
  let store: Store
  let jobId: string
  let runs = 0

  beforeAll(async () => {
    runs = Number(process.env.ETLP_FUZZ_RUNS ?? (target().engine === 'sqlite' ? 2500 : 500))
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
    check(await fuzzModelRecords(store, Math.ceil(runs / 2)))
  })
})
