import { expect, it } from 'vitest'
import { recordFigures } from './faults/fault-figures.js'
import { poolExhaustionScenario } from './faults/pool-exhaustion-scenario.js'
import { describeEngines } from './helpers/engines.js'

// The quick subset of fault scenario 4 (more rounds in test/faults/pool-exhaustion.fault.ts).
describeEngines('pool exhaustion and slow queries', (target) => {
  it('lets each caller proceed or fail with connection_error after pool_timeout, never hangs, and recovers', async () => {
    const figures = await poolExhaustionScenario(target(), { rounds: 1, callers: 5, holdSeconds: 2.5 })
    recordFigures(figures)
    expect(figures.failures).toEqual([])
    expect(figures).toMatchObject({ untyped: 0, hung: 0 })
    expect(figures.acknowledged).toBeGreaterThan(0)
    expect(figures.faults).toBeGreaterThan(0)
  })
})
