import { uuidv7 } from '../../src/schema/ids.js'
import { Store } from '../../src/store.js'
import type { EngineTarget } from './engines.js'

/** A migrated store with the execution tables. */
export async function openExecutionStore(target: EngineTarget, extra: Parameters<EngineTarget['open']>[0] = {}): Promise<Store> {
  const store = await target.open(extra)
  await store.migrate()
  return store
}

let jobCounter = 0

/** Creates a job to run: through the jobs repository once it exists, else a bare jobs row. */
export async function createJob(store: Store, numOfRetries = 0): Promise<string> {
  const name = `job_${process.pid}_${++jobCounter}_${uuidv7().slice(-6)}`
  const jobs = (store as unknown as { jobs?: { create(config: unknown): Promise<{ id: string }> } }).jobs
  if (jobs) {
    const job = await jobs.create({
      name,
      strategy_type: 'row',
      num_of_retries: numOfRetries,
      components: [
        { comp_type: 'read_csv', name: 'read', filepath: 'in.csv', routes: { out: ['write'] } },
        { comp_type: 'write_csv', name: 'write', filepath: 'out.csv' },
      ],
    })
    return job.id
  }
  const id = uuidv7()
  const context = Store.context(store)
  const now = context.adapter.encodeTimestamp(new Date())
  await context.db
    .insertInto('jobs')
    .values({
      id,
      name,
      strategy_type: 'row',
      num_of_retries: numOfRetries,
      file_logging: context.adapter.encodeBoolean(false),
      current_version: 1,
      content_hash: '0'.repeat(64),
      component_count: 0,
      created_at: now,
      updated_at: now,
    })
    .execute()
  return id
}

/**
 * An executions row as a finished run leaves it (SUCCEEDED, one attempt, no lease), for
 * tests that seed the table directly with `insertObjects`: `at` is the encoded instant of
 * every timestamp, `overrides` replace columns.
 */
export function succeededExecutionRow(id: string, jobId: string, at: unknown, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    job_id: jobId,
    job_version: 1,
    environment: null,
    status: 'SUCCEEDED',
    trigger: 'manual',
    idempotency_key: null,
    worker_id: null,
    lease_expires_at: null,
    lease_ms: null,
    attempt_count: 1,
    max_attempts: 1,
    queued_at: at,
    started_at: at,
    finished_at: at,
    duration_ms: 0,
    error_type: null,
    error_message: null,
    updated_at: at,
    ...overrides,
  }
}
