import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defineConfig } from 'vitest/config'

/**
 * `npm run test:faults`: the full fault-injection and fuzzing suite (issue 9). One file
 * at a time: scenario 1 restarts the database servers, which no other test may share.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.fault.ts'],
    globalSetup: ['test/helpers/global-setup.ts', 'test/faults/fault-summary-setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    // Each scenario writes its figures here; the global setup prints them as one table.
    env: { ETLP_FAULT_FIGURES: join(tmpdir(), 'etlp-fault-figures') },
    testTimeout: 900_000,
    hookTimeout: 120_000,
  },
})
