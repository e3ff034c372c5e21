import { expect, it } from 'vitest'
import { describeEngines } from '../helpers/engines.js'
import { recordFigures } from './fault-figures.js'
import { LIMIT_CASES, limitsScenario } from './limits-scenario.js'

// Fault scenario 6, full: a 10 MB component payload, a 10,000-component job, a
// 100,000-run batch and 10 MB of run metrics on every engine, each in a child with a
// bounded heap: stored and read back complete, or refused with a typed error.
describeEngines('limits', (target) => {
  it('stores or refuses with a typed error each limit case, within a bounded heap', async () => {
    const { figures, outcomes, crashes } = await limitsScenario(target(), LIMIT_CASES)
    recordFigures(figures)
    expect(crashes).toEqual([])
    for (const outcome of outcomes) {
      if (outcome.outcome === 'stored') expect(outcome.verified, outcome.case).toBe(true)
      else expect(outcome, outcome.case).toMatchObject({ outcome: 'refused' })
    }
  })
})
