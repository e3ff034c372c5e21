import { beforeAll, expect, it } from 'vitest'
import type { EngineName } from '../../src/config/database-url.js'
import type { Store } from '../../src/store.js'
import { describeEngines } from '../helpers/engines.js'
import { createJob, openExecutionStore } from '../helpers/execution-store.js'
import { recordFigures } from './fault-figures.js'
import { fuzzFilterQueries, fuzzJobConfigs, fuzzModelDeclarations, fuzzModelRecords, fuzzScheduleTriggers } from './fuzz-scenario.js'

/**
 * Fault scenario 5 on every engine: generated job configs, filter queries, schedule
 * triggers, model declarations and model records, `runs(engine)` of each (records: `recordRuns`).
 * Each must end in a validation error with paths or a stored object that reads back equal.
 */
export function describeFuzzSuite(name: string, runs: (engine: EngineName) => number, recordRuns: (runs: number) => number): void {
  describeEngines(name, (target) => {
    let store: Store
    let jobId: string
    let count = 0

    beforeAll(async () => {
      count = runs(target().engine)
      store = await openExecutionStore(target())
      jobId = await createJob(store)
    })

    const check = (figures: Awaited<ReturnType<typeof fuzzJobConfigs>>) => {
      recordFigures(figures)
      expect(figures.error, figures.error).toBeUndefined()
      expect(figures).toMatchObject({ untyped: 0, lost: 0 })
    }

    it('ends every generated job config in a validation error with paths or a stored config that exports equal', async () => {
      check(await fuzzJobConfigs(store, count))
    })

    it('ends every generated filter query in a page or a validation error with paths', async () => {
      check(await fuzzFilterQueries(store, count))
    })

    it('ends every generated schedule trigger in a validation error with paths or a schedule that reads back equal', async () => {
      check(await fuzzScheduleTriggers(store, jobId, count))
    })

    it('ends every generated model declaration in a plan or a validation error with paths', async () => {
      check(await fuzzModelDeclarations(store, count))
    })

    it('ends every generated model record in a validation error with paths or a record that reads back equal', async () => {
      check(await fuzzModelRecords(store, recordRuns(count)))
    })
  })
}
