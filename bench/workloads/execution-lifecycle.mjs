// W3: an execution's lifecycle: start, attempt, 50 component runs, finish.
// W3-bare: the lifecycle alone (start, attempt, finish: no component runs), what a
// scheduler pays per execution; the floor keeps the same guarantees (floor-lifecycle.mjs).
// W5: 100,000 component runs in bulk under one attempt; on PostgreSQL the floor also
// writes them by COPY ("floor-copy"), and the ratio is to the faster of its two paths.
import { compareThroughput } from '../lib/harness.mjs'
import { jobConfig } from '../lib/job-graph.mjs'
import { componentRuns, seedRunningAttempts } from '../lib/seed.mjs'

export async function lifecycle(impl, jobId, runs, startOptions) {
  const executionId = await impl.start(jobId, { day: '2026-01-31' }, startOptions)
  const attemptId = await impl.startAttempt(executionId)
  if (runs.length > 0) await impl.recordRuns(attemptId, runs)
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

/**
 * W3-bare twice: plain starts, then starts with an idempotency key (a scheduler's: one per
 * job and slot), each key new, so every start queues (the key's lookup and unique index are
 * what it costs).
 */
export async function bareLifecycle({ impls, floor, sizes, newId }) {
  const jobId = await floor.saveJob(jobConfig('w3_bare_job'))
  const options = { rounds: sizes.rounds, iterations: sizes.w3, minMs: sizes.roundMs }
  const plain = await compareThroughput(impls, { ...options, operation: (impl) => lifecycle(impl, jobId, []) })
  const keyed = newId()
  let n = 0
  const withKey = await compareThroughput(impls, {
    ...options,
    operation: (impl) => lifecycle(impl, jobId, [], { idempotencyKey: `w3-bare:${keyed}:${n++}` }),
  })
  await checkBareLifecycles(floor, jobId)
  return [
    { workload: 'W3-bare lifecycle (no runs)', rows: plain },
    { workload: 'W3-bare lifecycle (no runs, idempotency key)', rows: withKey },
  ]
}

/** Every lifecycle ended SUCCEEDED with its params row, one attempt and a duration. */
async function checkBareLifecycles(floor, jobId) {
  const { rows } = await floor.client.query(
    `select count(*) as "n", sum(case when "e"."status" = 'SUCCEEDED' and "e"."attempt_count" = 1 and "e"."duration_ms" >= 0 then 1 else 0 end) as "done",
       sum(case when "p"."execution_id" is null then 0 else 1 end) as "params"
     from "etl_executions" "e" left join "etl_execution_payloads" "p" on "p"."execution_id" = "e"."id" where "e"."job_id" = ?`,
    [jobId],
  )
  const { n, done, params } = rows[0]
  const attempts = await floor.client.query(
    `select count(*) as "n" from "etl_execution_attempts" where "status" = 'SUCCEEDED' and "execution_id" in (select "id" from "etl_executions" where "job_id" = ?)`,
    [jobId],
  )
  if (Number(done) !== Number(n) || Number(params) !== Number(n) || Number(attempts.rows[0].n) !== Number(n)) {
    throw new Error(`W3-bare: of ${n} executions, ${done} SUCCEEDED with one attempt, ${params} with params, ${attempts.rows[0].n} attempts SUCCEEDED`)
  }
}

/** The floor's COPY path as an implementation of its own (where the engine has one). */
function copyVariant(floor) {
  if (!floor.recordRunsCopy) return []
  return [{ name: 'floor-copy', statements: floor.statements, transactions: floor.transactions, recordRuns: floor.recordRunsCopy }]
}

export async function bulkComponentRuns({ impls, floor, sizes, newId }) {
  if (impls.some((impl) => impl.name === 'floor')) impls = [...impls, ...copyVariant(floor)]
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
  return [{ workload: `W5 bulk insert ${runs.length.toLocaleString('en-US')} runs`, rows: perRow, floors: ['floor', 'floor-copy'] }]
}
