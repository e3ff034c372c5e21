// Large tables are seeded with multi-row inserts on the raw driver (fast), not through
// the product: the benchmark measures reads over them, not how they were filled.
import { insertRows } from './sql-client.mjs'
import { columnsOf, table } from './tables.mjs'
import { encoders } from './sql-client.mjs'

const EXECUTION_COLUMNS = columnsOf('executions')
const DAY = 86_400_000

/**
 * `count` finished executions over the last 30 days, spread over `jobIds`; the first job
 * gets `share` of them (the one W4 filters on), 90 % of its runs SUCCEEDED.
 */
export async function seedExecutions(client, { count, jobIds, share = 0.2, newId, batch = 20_000, onProgress }) {
  const enc = encoders(client.engine)
  const end = Date.now() - 60_000
  const step = (30 * DAY) / count
  let written = 0
  while (written < count) {
    const rows = []
    const size = Math.min(batch, count - written)
    for (let i = 0; i < size; i++) {
      const n = written + i
      const queued = new Date(end - (count - n) * step)
      const target = (n * 7919) % 100 < share * 100
      const jobId = target ? jobIds[0] : jobIds[1 + (n % (jobIds.length - 1))]
      const status = n % 10 === 3 ? 'FAILED' : 'SUCCEEDED'
      const started = new Date(queued.getTime() + 500)
      const finished = new Date(started.getTime() + 1000 + (n % 5000))
      rows.push({
        id: newId(),
        job_id: jobId,
        job_version: 1,
        environment: n % 3 === 0 ? 'PROD' : 'DEV',
        status,
        trigger: 'schedule',
        idempotency_key: null,
        worker_id: null,
        lease_expires_at: null,
        lease_ms: null,
        attempt_count: 1,
        max_attempts: 3,
        queued_at: enc.timestamp(queued),
        started_at: enc.timestamp(started),
        finished_at: enc.timestamp(finished),
        duration_ms: finished.getTime() - started.getTime(),
        error_type: status === 'FAILED' ? 'IOError' : null,
        error_message: status === 'FAILED' ? 'input file missing' : null,
        updated_at: enc.timestamp(finished),
      })
    }
    await client.transaction((c) => insertRows(c, table('executions'), EXECUTION_COLUMNS, rows))
    written += size
    onProgress?.(written)
  }
}

/**
 * Statistics for the planners after a bulk load. PostgreSQL also gets VACUUM, as autovacuum
 * leaves a table a minute after such a load: the visibility map lets index-only scans skip
 * the table (run at once here, not by chance).
 */
export async function analyzeSeeded(client) {
  const statements = { postgres: 'vacuum analyze', mysql: 'analyze table "etl_executions"', sqlite: 'analyze' }
  await client.query(statements[client.engine])
}

/** One RUNNING execution with a RUNNING attempt per id in `attemptIds` (W5 writes runs under them). */
export async function seedRunningAttempts(client, { jobId, attemptIds, newId }) {
  const enc = encoders(client.engine)
  const now = enc.timestamp(new Date())
  const executions = []
  const attempts = []
  for (const attemptId of attemptIds) {
    const executionId = newId()
    executions.push({
      id: executionId,
      job_id: jobId,
      job_version: 1,
      environment: null,
      status: 'RUNNING',
      trigger: 'manual',
      idempotency_key: null,
      worker_id: null,
      lease_expires_at: null,
      lease_ms: null,
      attempt_count: 1,
      max_attempts: 1,
      queued_at: now,
      started_at: now,
      finished_at: null,
      duration_ms: null,
      error_type: null,
      error_message: null,
      updated_at: now,
    })
    attempts.push({
      id: attemptId,
      execution_id: executionId,
      attempt_number: 1,
      status: 'RUNNING',
      worker_id: null,
      started_at: now,
      finished_at: null,
      error_type: null,
      error_message: null,
      error_details: null,
    })
  }
  await client.transaction(async (c) => {
    await insertRows(c, table('executions'), EXECUTION_COLUMNS, executions)
    await insertRows(c, table('execution_attempts'), columnsOf('execution_attempts'), attempts)
  })
}

/** `n` component runs as a pipeline reports them. */
export function componentRuns(n, prefix = 'component') {
  const started = new Date(Date.now() - 60_000)
  const finished = new Date(started.getTime() + 30_000)
  return Array.from({ length: n }, (_, i) => ({
    component_name: `${prefix}_${i}`,
    status: 'SUCCEEDED',
    started_at: started,
    finished_at: finished,
    lines_received: 10_000 + i,
    lines_forwarded: 9_990 + i,
    error_count: i % 7,
    processing_ms: 1234.5 + i,
    metrics: { rows_per_s: 333 + i },
  }))
}
