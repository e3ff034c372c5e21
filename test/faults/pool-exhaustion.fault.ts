import { expect, it } from 'vitest'
import { describeEngines } from '../helpers/engines.js'
import { recordFigures } from './fault-figures.js'
import { poolExhaustionScenario } from './pool-exhaustion-scenario.js'

// Fault scenario 4, full: 10 rounds of 12 callers on a pool of 2.
describeEngines('pool exhaustion and slow queries (10 rounds)', (target) => {
  it('lets each caller proceed or fail with connection_error after pool_timeout, never hangs, and recovers', async () => {
    const figures = await poolExhaustionScenario(target(), { rounds: 10, callers: 12, holdSeconds: 2.5 })
    recordFigures(figures)
    expect(figures.failures).toEqual([])
    expect(figures).toMatchObject({ untyped: 0, hung: 0 })
    expect(figures.acknowledged).toBeGreaterThan(0)
    expect(figures.faults).toBeGreaterThan(0)
  })
})
