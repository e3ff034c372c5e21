import { expect, it } from 'vitest'
import { recordFigures } from './faults/fault-figures.js'
import { expectNothingLost, underLoadScenario } from './faults/under-load-scenario.js'
import { describeEngines } from './helpers/engines.js'

// Fault scenario 3 under load (test/connection-kill.test.ts covers one transaction in
// detail): the server kills the connections of 3 writer processes while they
// record executions. Only this file's own connections are killed, so it is safe next
// to other test files. Child processes run the built code: `npm run build`.
describeEngines(
  'connections killed under load',
  (target) => {
    it('keeps every acknowledged execution exactly once and complete; writers see only typed, retryable errors', async () => {
      const figures = await underLoadScenario(target(), { fault: 'kill-connections', times: 1, writers: 3, progressAfterFault: 2 })
      recordFigures(figures)
      expectNothingLost(figures)
      expect(figures.acknowledged).toBeGreaterThan(0)
    })
  },
  ['postgres', 'mysql'],
)
