import { expect, it } from 'vitest'
import { recordFigures } from './faults/fault-figures.js'
import { writerKillScenario } from './faults/writer-kill-scenario.js'
import { describeEngines } from './helpers/engines.js'

// The quick subset of fault scenario 2 (the full one, 50 kills per engine, is in
// test/faults/writer-kill.fault.ts). Child processes run the built code: `npm run build`.
describeEngines('writer killed mid-transaction', (target) => {
  it('leaves no partial batch or job graph, and every acknowledged one is complete', async () => {
    const figures = await writerKillScenario(target(), { kills: 2, batchSize: 1500, graphSize: 150 })
    for (const row of figures) {
      recordFigures(row)
      expect(row, row.scenario).toMatchObject({ lost: 0, partial: 0, untyped: 0 })
      expect(row.faults).toBeGreaterThan(0)
    }
  })
})
