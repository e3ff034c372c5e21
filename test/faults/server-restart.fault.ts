import { afterAll, expect, it } from 'vitest'
import { describeEngines } from '../helpers/engines.js'
import { recordFigures } from './fault-figures.js'
import { ensureServersRunning } from './server-faults.js'
import { expectNothingLost, underLoadScenario } from './under-load-scenario.js'

// Fault scenario 1: PostgreSQL and MariaDB are each restarted twice (down 1.5 s each
// time) while 4 writer processes record executions. This restarts the shared local
// servers, so it runs only in `npm run test:faults` (one file at a time), never in
// `npm test`, and both servers are started again whatever happens.
describeEngines(
  'server restart under load',
  (target) => {
    afterAll(ensureServersRunning, 180_000)

    it('keeps every acknowledged execution exactly once and complete; writers carry on after each restart', async () => {
      const figures = await underLoadScenario(target(), { fault: 'restart', times: 2, writers: 4, progressAfterFault: 5 })
      recordFigures(figures)
      expectNothingLost(figures)
      expect(figures.faults).toBe(2)
    })
  },
  ['postgres', 'mysql'],
)
