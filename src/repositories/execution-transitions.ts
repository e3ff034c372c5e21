import { ConflictError, NotFoundError } from '../errors.js'
import type { Attempt, ErrorInfo, ExecutionStatus, FinishedStatus } from '../schema/execution-schemas.js'
import { uuidv7 } from '../schema/ids.js'
import type { StoreContext } from '../store.js'
import { errorColumns, executionTables } from './execution-rows.js'
import { discardPendingState, promotePendingState } from './job-state-repository.js'

/**
 * The execution state machine. Every change is a conditional `UPDATE … WHERE status IN
 * (allowed sources)`: two processes racing for the same transition cannot both win, and
 * the loser gets a `conflict`, never a silent overwrite.
 *
 *   QUEUED  → RUNNING (startAttempt, claimNext) | CANCELLED
 *   RUNNING → SUCCEEDED | FAILED | CANCELLED | QUEUED (a failed attempt with retries left)
 *   SUCCEEDED, FAILED, CANCELLED: final
 */
export const EXECUTION_TRANSITIONS: Readonly<Record<ExecutionStatus, readonly ExecutionStatus[]>> = {
  QUEUED: ['RUNNING', 'CANCELLED'],
  RUNNING: ['SUCCEEDED', 'FAILED', 'CANCELLED', 'QUEUED'],
  SUCCEEDED: [],
  FAILED: [],
  CANCELLED: [],
}

export function sourcesOf(target: ExecutionStatus): ExecutionStatus[] {
  return (Object.keys(EXECUTION_TRANSITIONS) as ExecutionStatus[]).filter((from) => EXECUTION_TRANSITIONS[from].includes(target))
}

/**
 * Moves execution `id` to `target` with `changes`, from any status the machine allows
 * (and `extra` conditions, e.g. the worker that holds the lease).
 * @throws NotFoundError, ConflictError
 */
export async function transitionExecution(
  context: StoreContext,
  id: string,
  target: ExecutionStatus,
  changes: Record<string, unknown>,
  options: { from?: readonly ExecutionStatus[]; workerId?: string } = {},
): Promise<void> {
  const { executions } = executionTables(context)
  const from = options.from ?? sourcesOf(target)
  let update = context.db
    .updateTable(executions)
    .set({ ...changes, status: target, updated_at: context.adapter.encodeTimestamp(context.now()) })
    .where('id', '=', id)
    .where('status', 'in', from)
  if (options.workerId !== undefined) update = update.where('worker_id', '=', options.workerId)
  const result = await update.executeTakeFirst()
  if (Number(result.numUpdatedRows) === 1) return
  const current = await context.db.selectFrom(executions).select(['status', 'worker_id']).where('id', '=', id).executeTakeFirst()
  if (!current) throw new NotFoundError(`Execution ${id} not found`, { tableName: executions })
  if (options.workerId !== undefined && from.includes(current.status) && current.worker_id !== options.workerId) {
    throw new ConflictError(`Execution ${id} is held by another worker`, { tableName: executions })
  }
  throw new ConflictError(`Execution ${id} is ${current.status}: it cannot become ${target}`, { tableName: executions })
}

export interface AttemptOutcome {
  readonly status: FinishedStatus
  readonly error?: ErrorInfo
  /** Only the worker holding the lease may settle (reaping and claiming pass it). */
  readonly workerId?: string
  /** `false`: a failure ends the execution even if attempts remain (a direct `finish`). */
  readonly retry?: boolean
}

/**
 * Ends a running attempt and settles its execution, in the caller's transaction: a
 * success publishes the attempt's pending job state and finishes the execution; a
 * failure discards that state and requeues the execution if attempts remain.
 * @returns the execution's new status
 */
export async function settleAttempt(context: StoreContext, attemptId: string, outcome: AttemptOutcome): Promise<ExecutionStatus> {
  const { attempts, executions, payloads } = executionTables(context)
  const { adapter, db } = context
  const now = context.now()
  const attempt = await db
    .selectFrom(attempts)
    .select(['id', 'execution_id', 'status'])
    .where('id', '=', attemptId)
    .executeTakeFirst()
  if (!attempt) throw new NotFoundError(`Attempt ${attemptId} not found`, { tableName: attempts })
  const ended = await db
    .updateTable(attempts)
    .set({
      status: outcome.status,
      finished_at: adapter.encodeTimestamp(now),
      ...errorColumns(outcome.error),
      error_details: adapter.encodeJson(outcome.error?.details ?? null),
    })
    .where('id', '=', attemptId)
    .where('status', '=', 'RUNNING')
    .executeTakeFirst()
  if (Number(ended.numUpdatedRows) !== 1) {
    throw new ConflictError(`Attempt ${attemptId} is ${attempt.status}: it cannot become ${outcome.status}`, { tableName: attempts })
  }
  if (outcome.status === 'SUCCEEDED') await promotePendingState(context, attemptId)
  else await discardPendingState(context, attemptId)

  const execution = await db
    .selectFrom(executions)
    .select(['attempt_count', 'max_attempts', 'started_at'])
    .where('id', '=', attempt.execution_id)
    .executeTakeFirstOrThrow()
  const retry = outcome.retry !== false && outcome.status === 'FAILED' && Number(execution.attempt_count) < Number(execution.max_attempts)
  const target: ExecutionStatus = retry ? 'QUEUED' : outcome.status
  const lease = { worker_id: null, lease_expires_at: null }
  const workerId = outcome.workerId === undefined ? {} : { workerId: outcome.workerId }
  if (retry) {
    await transitionExecution(context, attempt.execution_id, target, lease, { from: ['RUNNING'], ...workerId })
  } else {
    await transitionExecution(
      context,
      attempt.execution_id,
      target,
      { ...lease, ...finishedColumns(context, now, execution.started_at), ...errorColumns(outcome.error) },
      { from: ['RUNNING'], ...workerId },
    )
    if (outcome.error?.details !== undefined) {
      await db
        .updateTable(payloads)
        .set({ error_details: adapter.encodeJson(outcome.error.details) })
        .where('execution_id', '=', attempt.execution_id)
        .execute()
    }
  }
  return target
}

export function finishedColumns(context: StoreContext, now: Date, startedAt: unknown): Record<string, unknown> {
  const started = startedAt === null || startedAt === undefined ? null : context.adapter.decodeTimestamp(startedAt)
  return {
    finished_at: context.adapter.encodeTimestamp(now),
    duration_ms: started === null ? null : Math.max(0, now.getTime() - started.getTime()),
  }
}

/** The id of the execution's running attempt, if it has one. */
export async function runningAttemptId(context: StoreContext, executionId: string): Promise<string | undefined> {
  const { attempts } = executionTables(context)
  const row = await context.db
    .selectFrom(attempts)
    .select('id')
    .where('execution_id', '=', executionId)
    .where('status', '=', 'RUNNING')
    .executeTakeFirst()
  return row === undefined ? undefined : String(row.id)
}

export interface StartAttemptOptions {
  /** The worker running the attempt; with `leaseMs` it holds a lease that `reapExpired` honours. */
  readonly workerId?: string
  readonly leaseMs?: number
}

/**
 * QUEUED → RUNNING plus a new attempt row, in the caller's transaction (startAttempt and
 * claimNext share it). @internal
 */
export async function openAttempt(
  context: StoreContext,
  executionId: string,
  attemptCount: number,
  startedAt: unknown,
  options: StartAttemptOptions,
): Promise<Attempt> {
  const { attempts } = executionTables(context)
  const { adapter } = context
  const now = context.now()
  const lease =
    options.workerId !== undefined && options.leaseMs !== undefined
      ? { lease_expires_at: adapter.encodeTimestamp(new Date(now.getTime() + options.leaseMs)), lease_ms: options.leaseMs }
      : { lease_expires_at: null, lease_ms: null }
  await transitionExecution(
    context,
    executionId,
    'RUNNING',
    {
      attempt_count: attemptCount + 1,
      worker_id: options.workerId ?? null,
      ...lease,
      started_at: startedAt ?? adapter.encodeTimestamp(now),
    },
    { from: ['QUEUED'] },
  )
  const row = {
    id: uuidv7(),
    execution_id: executionId,
    attempt_number: attemptCount + 1,
    status: 'RUNNING',
    worker_id: options.workerId ?? null,
    started_at: adapter.encodeTimestamp(now),
    finished_at: null,
    error_type: null,
    error_message: null,
    error_details: null,
  }
  await context.db.insertInto(attempts).values(row).execute()
  return {
    id: row.id,
    execution_id: executionId,
    attempt_number: row.attempt_number,
    status: 'RUNNING',
    worker_id: row.worker_id,
    started_at: now,
    finished_at: null,
    error: null,
  }
}
