import { expect, it } from 'vitest'
import { recordFigures } from './faults/fault-figures.js'
import { limitsScenario } from './faults/limits-scenario.js'
import { describeEngines } from './helpers/engines.js'

// The quick subset of fault scenario 6, on SQLite (every case on every engine runs in
// test/faults/limits.fault.ts). Child processes run the built code: `npm run build`.
describeEngines(
  'limits',
  (target) => {
    it('stores a 10,000-component job and a 100,000-run batch completely, within a bounded heap', async () => {
      const { figures, outcomes, crashes } = await limitsScenario(target(), ['job-10k', 'batch-100k'])
      recordFigures(figures)
      expect(crashes).toEqual([])
      for (const outcome of outcomes) expect(outcome, outcome.case).toMatchObject({ outcome: 'stored', verified: true })
    })
  },
  ['sqlite'],
)
