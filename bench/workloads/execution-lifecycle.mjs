// W3: an execution's lifecycle: start, attempt, 50 component runs, finish.
// W5: 100,000 component runs in bulk under one attempt.
import { compareThroughput } from '../lib/harness.mjs'
import { jobConfig } from '../lib/job-graph.mjs'
import { componentRuns, seedRunningAttempts } from '../lib/seed.mjs'

export async function lifecycle(impl, jobId, runs) {
  const executionId = await impl.start(jobId, { day: '2026-01-31' })
  const attemptId = await impl.startAttempt(executionId)
  await impl.recordRuns(attemptId, runs)
  await impl.finishAttempt(attemptId)
}

export async function executionLifecycle({ impls, floor, sizes }) {
  const jobId = await floor.saveJob(jobConfig('w3_job'))
  const runs = componentRuns(50)
  const rows = await compareThroughput(impls, {
    rounds: sizes.rounds,
    iterations: sizes.w3,
    minMs: sizes.roundMs,
    operation: (impl) => lifecycle(impl, jobId, runs),
  })
  return [{ workload: 'W3 execution lifecycle (50 runs)', rows }]
}

export async function bulkComponentRuns({ impls, floor, sizes, newId }) {
  const jobId = await floor.saveJob(jobConfig('w5_job'))
  const warmup = 1
  const attempts = new Map(impls.map((impl) => [impl.name, Array.from({ length: sizes.w5Rounds + warmup }, () => newId())]))
  await seedRunningAttempts(floor.client, { jobId, attemptIds: [...attempts.values()].flat(), newId })
  const runs = componentRuns(sizes.w5Rows)
  const rows = await compareThroughput(impls, {
    rounds: sizes.w5Rounds,
    iterations: 1,
    warmup,
    operation: async (impl, _i, round) => {
      const written = await impl.recordRuns(attempts.get(impl.name)[round + warmup], runs)
      if (written !== runs.length) throw new Error(`${impl.name} wrote ${written} of ${runs.length} runs`)
    },
  })
  const perRow = rows.map((row) => ({ ...row, value: row.value * runs.length, statementsPerOp: row.statementsPerOp, unit: 'rows/s' }))
  return [{ workload: `W5 bulk insert ${runs.length.toLocaleString('en-US')} runs`, rows: perRow }]
}
