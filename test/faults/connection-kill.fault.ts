import { expect, it } from 'vitest'
import { describeEngines } from '../helpers/engines.js'
import { recordFigures } from './fault-figures.js'
import { expectNothingLost, underLoadScenario } from './under-load-scenario.js'

// Fault scenario 3, full: the server kills the connections of 4 writer processes 10 times
// (pg_terminate_backend / KILL) while they record executions.
describeEngines(
  'connections killed under load (10 times)',
  (target) => {
    it('keeps every acknowledged execution exactly once and complete; writers see only typed, retryable errors', async () => {
      const figures = await underLoadScenario(target(), { fault: 'kill-connections', times: 10, writers: 4, progressAfterFault: 3 })
      recordFigures(figures)
      expectNothingLost(figures)
      expect(figures.acknowledged).toBeGreaterThan(0)
    })
  },
  ['postgres', 'mysql'],
)
