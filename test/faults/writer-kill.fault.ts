import { expect, it } from 'vitest'
import { describeEngines } from '../helpers/engines.js'
import { recordFigures } from './fault-figures.js'
import { writerKillScenario } from './writer-kill-scenario.js'

// Fault scenario 2, full: 50 SIGKILLs per engine, alternating between a writer recording
// batches of component runs and one saving large job graphs.
describeEngines('writer killed mid-transaction (50 kills)', (target) => {
  it('leaves no partial batch or job graph, and every acknowledged one is complete', async () => {
    const figures = await writerKillScenario(target(), { kills: 50, batchSize: 2000, graphSize: 300 })
    for (const row of figures) {
      recordFigures(row)
      expect(row, row.scenario).toMatchObject({ lost: 0, partial: 0, untyped: 0 })
      expect(row.acknowledged, `${row.scenario}: some writes were acknowledged`).toBeGreaterThan(0)
    }
  })
})
