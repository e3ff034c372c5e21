import { expect, it } from 'vitest'
import { describeEngines } from '../helpers/engines.js'
import { openExecutionStore } from '../helpers/execution-store.js'
import { recordFigures } from './fault-figures.js'
import { injectionScenario } from './injection-scenario.js'

// Fault scenario 5, SQL-injection corpus (the same run as test/sql-injection.test.ts, for the summary).
describeEngines('SQL-injection corpus', (target) => {
  it('stores every hostile string literally, finds it literally, refuses it as an identifier with a path, and leaves the schema unchanged', async () => {
    const store = await openExecutionStore(target())
    const { figures, failures } = await injectionScenario(store, target())
    recordFigures(figures)
    expect(failures).toEqual([])
    expect(figures.untyped).toBe(0)
  })
})
