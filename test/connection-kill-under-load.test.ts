import { expect, it } from 'vitest'
import { recordFigures } from './faults/fault-figures.js'
import { underLoadScenario } from './faults/under-load-scenario.js'
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
      expect(figures).toMatchObject({ lost: 0, duplicated: 0, partial: 0, untyped: 0 })
      expect(figures.acknowledged).toBeGreaterThan(0)
      expect(Object.keys(figures.errorTypes).every((type) => type.startsWith('retryable '))).toBe(true)
    })
  },
  ['postgres', 'mysql'],
)
