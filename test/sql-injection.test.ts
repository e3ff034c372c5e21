import { expect, it } from 'vitest'
import { recordFigures } from './faults/fault-figures.js'
import { injectionScenario } from './faults/injection-scenario.js'
import { describeEngines } from './helpers/engines.js'
import { openExecutionStore } from './helpers/execution-store.js'

// Fault scenario 5, SQL-injection corpus (it is quick, so the whole corpus runs in npm test).
describeEngines('SQL-injection corpus', (target) => {
  it('stores every hostile string literally, finds it literally, refuses it as an identifier with a path, and leaves the schema unchanged', async () => {
    const store = await openExecutionStore(target())
    const { figures, failures } = await injectionScenario(store, target())
    recordFigures(figures)
    expect(failures).toEqual([])
    expect(figures.untyped).toBe(0)
  })
})
