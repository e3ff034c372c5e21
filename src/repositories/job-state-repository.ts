import { z } from 'zod'
import { prepare } from '../db/speed/prepared-statement.js'
import { ConflictError, NotFoundError } from '../errors.js'
import { isUuid } from '../schema/ids.js'
import { parseOrThrow } from '../schema/zod-issues.js'
import type { StoreContext } from '../store-context.js'

const keySchema = z.string().min(1).max(200)
const jobIdSchema = z.string().refine(isUuid, 'Expected a UUID')

export interface SetStateOptions {
  /**
   * The attempt that produced the value: it becomes visible when that attempt succeeds,
   * and is discarded if it fails. Without it the value is written at once.
   */
  readonly attemptId?: string
}

/**
 * Durable key → JSON values per job, e.g. the watermark of an incremental load.
 *
 * @example
 * await store.state.set(jobId, 'watermark', '2026-01-31', { attemptId })
 * await store.executions.finishAttempt(attemptId, { status: 'SUCCEEDED' }) // now visible
 * await store.state.get(jobId, 'watermark') // '2026-01-31'
 */
export class JobStateRepository {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  /** The committed value, or `undefined` when the key was never set. */
  async get(jobId: string, key: string): Promise<unknown> {
    const row = await this.#context.db
      .selectFrom('job_state')
      .select('value')
      .where('job_id', '=', parseOrThrow(jobIdSchema, jobId, 'jobId'))
      .where('state_key', '=', parseOrThrow(keySchema, key, 'key'))
      .executeTakeFirst()
    return row === undefined ? undefined : this.#context.adapter.decodeJson(row.value)
  }

  async set(jobId: string, key: string, value: unknown, options: SetStateOptions = {}): Promise<void> {
    parseOrThrow(jobIdSchema, jobId, 'jobId')
    parseOrThrow(keySchema, key, 'key')
    const { adapter } = this.#context
    const row = { job_id: jobId, state_key: key, value: adapter.encodeJson(value ?? null), updated_at: adapter.encodeTimestamp(this.#context.now()) }
    await this.#context.transaction(async ({ db }) => {
      const job = await db.selectFrom('jobs').select('id').where('id', '=', jobId).executeTakeFirst()
      if (!job) throw new NotFoundError(`Job ${jobId} not found`, { tableName: this.#context.table('jobs') })
      if (options.attemptId === undefined) {
        // Delete + insert is the portable upsert; the transaction makes it atomic.
        await db.deleteFrom('job_state').where('job_id', '=', jobId).where('state_key', '=', key).execute()
        await db.insertInto('job_state').values(row).execute()
        return
      }
      const attempt = await db.selectFrom('execution_attempts').select('status').where('id', '=', options.attemptId).executeTakeFirst()
      if (!attempt) throw new NotFoundError(`Attempt ${options.attemptId} not found`, { tableName: this.#context.table('execution_attempts') })
      if (attempt.status !== 'RUNNING') {
        throw new ConflictError(`Attempt ${options.attemptId} is ${attempt.status}: state can only be set under a running attempt`)
      }
      await db.deleteFrom('job_state_pending').where('attempt_id', '=', options.attemptId).where('job_id', '=', jobId).where('state_key', '=', key).execute()
      await db
        .insertInto('job_state_pending')
        .values({ ...row, attempt_id: options.attemptId })
        .execute()
    })
  }
}

/** Publishes what an attempt wrote: called in the transaction that marks it SUCCEEDED. @internal */
export async function promotePendingState(context: StoreContext, attemptId: string): Promise<void> {
  const rows = await pendingKeys.rows(context, { attempt_id: attemptId })
  if (rows.length === 0) return
  const keysByJob = new Map<string, string[]>()
  for (const row of rows) keysByJob.set(String(row.job_id), [...(keysByJob.get(String(row.job_id)) ?? []), String(row.state_key)])
  for (const [jobId, keys] of keysByJob) {
    await context.db.deleteFrom('job_state').where('job_id', '=', jobId).where('state_key', 'in', keys).execute()
  }
  await context.db
    .insertInto('job_state')
    .columns(['job_id', 'state_key', 'value', 'updated_at'])
    .expression(context.db.selectFrom('job_state_pending').select(['job_id', 'state_key', 'value', 'updated_at']).where('attempt_id', '=', attemptId))
    .execute()
  await discardPendingState(context, attemptId)
}

const pendingKeys = prepare<'attempt_id'>((t, value) =>
  t.db.selectFrom('job_state_pending').select(['job_id', 'state_key']).where('attempt_id', '=', value('attempt_id')),
)

/** @internal */
export async function discardPendingState(context: StoreContext, attemptId: string): Promise<void> {
  await context.db.deleteFrom('job_state_pending').where('attempt_id', '=', attemptId).execute()
}
