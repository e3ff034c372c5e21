import { ConflictError, NotFoundError } from '../errors.js'
import { prepareEach } from '../db/speed/prepared-statement.js'
import type { ErrorInfo, ExecutionStatus, FinishedStatus } from '../schema/execution-schemas.js'
import type { StoreContext } from '../store-context.js'

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
 * @returns the columns it wrote (`changes`, `status`, `updated_at`)
 * @throws NotFoundError, ConflictError
 */
export async function transitionExecution(
  context: StoreContext,
  id: string,
  target: ExecutionStatus,
  changes: Record<string, unknown>,
  options: { from?: readonly ExecutionStatus[]; workerId?: string } = {},
): Promise<Record<string, unknown>> {
  const executions = context.table('executions')
  const from = options.from ?? sourcesOf(target)
  const shape = { target, from, columns: Object.keys(changes), byWorker: options.workerId !== undefined }
  const written = { ...changes, status: target, updated_at: context.adapter.encodeTimestamp(context.now()) }
  const updated = await transitionStatement(shape).affected(context, { ...written, id, held_by: options.workerId })
  if (updated === 1) return written
  const current = await context.db.selectFrom('executions').select(['status', 'worker_id']).where('id', '=', id).executeTakeFirst()
  if (!current) throw new NotFoundError(`Execution ${id} not found`, { tableName: executions })
  if (options.workerId !== undefined && (from as readonly string[]).includes(current.status) && current.worker_id !== options.workerId) {
    throw new ConflictError(`Execution ${id} is held by another worker`, { tableName: executions })
  }
  throw new ConflictError(`Execution ${id} is ${current.status}: it cannot become ${target}`, { tableName: executions })
}

interface TransitionShape {
  readonly target: ExecutionStatus
  readonly from: readonly ExecutionStatus[]
  readonly columns: readonly string[]
  readonly byWorker: boolean
}

/** `UPDATE … SET changes, status WHERE id AND status IN (from) [AND worker_id]`, one template per shape. */
const transitionStatement = prepareEach<TransitionShape>(
  (shape) => `${shape.target}|${shape.from.join()}|${shape.columns.join()}|${shape.byWorker}`,
  (t, value, { target, from, columns, byWorker }) => {
    const set = Object.fromEntries(columns.map((column) => [column, value(column)]))
    const update = t.db
      .updateTable('executions')
      .set({ ...set, status: target, updated_at: value('updated_at') })
      .where('id', '=', value('id'))
      .where('status', 'in', from)
    return byWorker ? update.where('worker_id', '=', value('held_by')) : update
  },
)

export interface AttemptOutcome {
  readonly status: FinishedStatus
  readonly error?: ErrorInfo
  /** Only the worker holding the lease may settle (reaping and claiming pass it). */
  readonly workerId?: string
  /** `false`: a failure ends the execution even if attempts remain (a direct `finish`). */
  readonly retry?: boolean
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
  const row = await context.db
    .selectFrom('execution_attempts')
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
