import { ConflictError, NotFoundError } from '../errors.js'
import type { ExecutionStatus } from '../schema/execution-schemas.js'
import type { StoreContext } from '../store-context.js'
import { settleAttempt } from './execution-settling.js'
import { finishedColumns, runningAttemptId, transitionExecution } from './execution-transitions.js'

export interface ReapResult {
  /** One entry per execution whose lease had expired, with the status it was moved to. */
  readonly reaped: ReadonlyArray<{ execution_id: string; attempt_id: string | null; status: ExecutionStatus }>
}

/** Executions reaped per call; a worker calls `reapExpired` again to continue. */
const REAP_BATCH = 100

/** Extends the lease by the length it was claimed with. Someone else's lease is a `conflict`. */
export async function heartbeat(context: StoreContext, id: string, workerId: string): Promise<void> {
  const executions = context.table('executions')
  const current = await context.db.selectFrom('executions').select(['status', 'worker_id', 'lease_ms']).where('id', '=', id).executeTakeFirst()
  if (!current) throw new NotFoundError(`Execution ${id} not found`, { tableName: executions })
  if (current.status !== 'RUNNING' || current.worker_id !== workerId || current.lease_ms === null) {
    throw new ConflictError(`Execution ${id} is not running under a lease held by ${workerId}`, { tableName: executions })
  }
  const expires = new Date(context.now().getTime() + Number(current.lease_ms))
  const result = await context.db
    .updateTable('executions')
    .set({ lease_expires_at: context.adapter.encodeTimestamp(expires), updated_at: context.adapter.encodeTimestamp(context.now()) })
    .where('id', '=', id)
    .where('status', '=', 'RUNNING')
    .where('worker_id', '=', workerId)
    .executeTakeFirst()
  if (Number(result.numUpdatedRows) === 1) return
  // MySQL may count an unchanged row (two beats in one millisecond) as not updated: re-check.
  const after = await context.db.selectFrom('executions').select(['status', 'worker_id']).where('id', '=', id).executeTakeFirst()
  if (after?.status !== 'RUNNING' || after.worker_id !== workerId) {
    throw new ConflictError(`Execution ${id} lost its lease while heartbeating`, { tableName: executions })
  }
}

/**
 * Fails the running attempt of every execution whose lease ran out before `now`
 * ("lease expired") and requeues the execution if attempts remain, otherwise fails it.
 * Each execution is settled in its own short transaction, re-checking the lease inside
 * it, so a heartbeat that lands first wins.
 */
export async function reapExpired(context: StoreContext, now: Date): Promise<ReapResult> {
  const { adapter } = context
  const expired = await context.db
    .selectFrom('executions')
    .select('id')
    .where('status', '=', 'RUNNING')
    .where('lease_expires_at', '<', adapter.encodeTimestamp(now))
    .orderBy('lease_expires_at')
    .limit(REAP_BATCH)
    .execute()
  const reaped: Array<ReapResult['reaped'][number]> = []
  for (const { id } of expired) {
    const outcome = await context.transaction(async (tx) => {
      // Touching the row first takes its lock (and re-checks the lease) before settling.
      const still = await tx.db
        .updateTable('executions')
        .set({ updated_at: adapter.encodeTimestamp(tx.now()) })
        .where('id', '=', id)
        .where('status', '=', 'RUNNING')
        .where('lease_expires_at', '<', adapter.encodeTimestamp(now))
        .executeTakeFirst()
      if (Number(still.numUpdatedRows) !== 1) return null
      const error = { type: 'lease_expired', message: 'lease expired' }
      const running = await runningAttemptId(tx, String(id))
      if (running !== undefined) {
        const { status } = await settleAttempt(tx, running, { status: 'FAILED', error })
        return { execution_id: String(id), attempt_id: running, status }
      }
      const header = await tx.db.selectFrom('executions').select('started_at').where('id', '=', id).executeTakeFirstOrThrow()
      await transitionExecution(tx, String(id), 'FAILED', {
        worker_id: null,
        lease_expires_at: null,
        ...finishedColumns(tx, tx.now(), header.started_at),
        error_type: error.type,
        error_message: error.message,
      })
      return { execution_id: String(id), attempt_id: null, status: 'FAILED' as const }
    })
    if (outcome) reaped.push(outcome)
  }
  return { reaped }
}
