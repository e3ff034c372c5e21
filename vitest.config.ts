import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    // Two cores: two test files at a time, each with its own schema/database.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // CI also writes the counts that .ci/run prints as its last line.
    reporters: process.env.CI === 'true' ? ['default', ['json', { outputFile: '.ci/results.json' }]] : ['default'],
  },
})
