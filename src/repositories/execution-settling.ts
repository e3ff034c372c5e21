import { sql, type RawBuilder } from 'kysely'
import { ConflictError, NotFoundError } from '../errors.js'
import { prepare, prepareEach, type StatementTarget } from '../db/speed/prepared-statement.js'
import type { Execution, ExecutionStatus } from '../schema/execution-schemas.js'
import type { StoreContext } from '../store-context.js'
import { ATTEMPT_RUNNING, type Value } from './execution-opening.js'
import { EXECUTION_COLUMNS, errorColumns, executionFromRow } from './execution-rows.js'
import { finishedColumns, type AttemptOutcome } from './execution-transitions.js'
import { discardPendingState, promotePendingState } from './job-state-repository.js'

// Settling a running attempt: the last step of the worker's path in execution-opening.ts
// (its table of statements per engine covers finishAttempt too).

/**
 * Ends a running attempt and settles its execution, in the caller's transaction: a
 * success publishes the attempt's pending job state and finishes the execution; a
 * failure discards that state and requeues the execution if attempts remain.
 * @returns the execution's header after the change
 * @throws NotFoundError, ConflictError (the attempt or its execution is not RUNNING, or another worker holds it)
 */
export async function settleAttempt(context: StoreContext, attemptId: string, outcome: AttemptOutcome): Promise<Execution> {
  const attempts = context.table('execution_attempts')
  const { adapter } = context
  const now = context.now()
  const current = await attemptWithExecution.first(context, { id: attemptId })
  if (!current) throw new NotFoundError(`Attempt ${attemptId} not found`, { tableName: attempts })
  if (current.attempt_status !== ATTEMPT_RUNNING) {
    throw new ConflictError(`Attempt ${attemptId} is ${current.attempt_status}: it cannot become ${outcome.status}`, { tableName: attempts })
  }
  const executionId = String(current.id)
  const retry = outcome.retry !== false && outcome.status === 'FAILED' && Number(current.attempt_count) < Number(current.max_attempts)
  const target: ExecutionStatus = retry ? 'QUEUED' : outcome.status
  const error = errorColumns(outcome.error)
  const written = {
    worker_id: null,
    lease_expires_at: null,
    ...(retry ? {} : { ...finishedColumns(context, now, current.started_at), ...error }),
    status: target,
    updated_at: adapter.encodeTimestamp(now),
  }
  const shape = { columns: Object.keys(written), byWorker: outcome.workerId !== undefined }
  const changed = await endAttemptAndExecution(context, shape).first(context, {
    ...written,
    execution_id: executionId,
    held_by: outcome.workerId,
    attempt_id: attemptId,
    attempt_status: outcome.status,
    attempt_finished_at: adapter.encodeTimestamp(now),
    attempt_error_type: error.error_type,
    attempt_error_message: error.error_message,
    attempt_error_details: adapter.encodeJson(outcome.error?.details ?? null),
  })
  if (Number(changed?.attempts) !== 1 || Number(changed?.executions) !== 1) {
    // Nothing is left half-written: the caller's transaction rolls back on the throw.
    throw await notSettleable(context, executionId, attemptId, outcome, target)
  }
  if (Number(current.has_pending) > 0) {
    if (outcome.status === 'SUCCEEDED') await promotePendingState(context, attemptId)
    else await discardPendingState(context, attemptId)
  }
  if (!retry && outcome.error?.details !== undefined) {
    await context.db
      .updateTable('execution_payloads')
      .set({ error_details: adapter.encodeJson(outcome.error.details) })
      .where('execution_id', '=', executionId)
      .execute()
  }
  // The header as it now stands, from the row read in this transaction and the change made to it.
  return executionFromRow(adapter, { ...current, ...written }, retry ? null : (outcome.error?.details ?? null))
}

/**
 * Why the settling write changed nothing (or only the attempt, which the caller's rollback
 * undoes). The execution is asked first: this transaction may already have ended the attempt.
 */
async function notSettleable(context: StoreContext, executionId: string, attemptId: string, outcome: AttemptOutcome, target: ExecutionStatus): Promise<Error> {
  const tableName = context.table('executions')
  const current = await context.db.selectFrom('executions').select(['status', 'worker_id']).where('id', '=', executionId).executeTakeFirst()
  if (!current) return new NotFoundError(`Execution ${executionId} not found`, { tableName })
  if (current.status !== 'RUNNING') return new ConflictError(`Execution ${executionId} is ${current.status}: it cannot become ${target}`, { tableName })
  if (outcome.workerId !== undefined && current.worker_id !== outcome.workerId) {
    return new ConflictError(`Execution ${executionId} is held by another worker`, { tableName })
  }
  const attempt = await context.db.selectFrom('execution_attempts').select('status').where('id', '=', attemptId).executeTakeFirst()
  return new ConflictError(`Attempt ${attemptId} is ${attempt?.status ?? 'gone'}: it cannot become ${outcome.status}`, {
    tableName: context.table('execution_attempts'),
  })
}

/**
 * The attempt's status with its execution's header and whether it set job state, in one
 * statement. All come from primary-key lookups in subqueries, not a join: PostgreSQL
 * planned the join as a merge join that walked the whole executions index (1,000,000
 * rows: 458 ms instead of 0.3) once the attempt's execution id lay beyond the table's
 * statistics, as every new id does.
 */
const attemptWithExecution = prepare<'id'>((t, value) => {
  const attempt = (column: 'execution_id' | 'status') => t.db.selectFrom('execution_attempts').select(column).where('id', '=', value('id'))
  const pending = t.db
    .selectFrom('job_state_pending')
    .select(sql`1`.as('one'))
    .where('attempt_id', '=', value('id'))
  return t.db
    .selectFrom('executions')
    .select((eb) => [...EXECUTION_COLUMNS, attempt('status').as('attempt_status'), eb.exists(pending).as('has_pending')])
    .where('id', '=', attempt('execution_id'))
})

interface SettleShape {
  /** The execution columns the settle writes (`written` in settleAttempt). */
  readonly columns: readonly string[]
  /** Only the worker holding the lease may settle. */
  readonly byWorker: boolean
}

/**
 * The attempt RUNNING → its end and the execution RUNNING → `status`, as one statement
 * returning how many rows of each it changed (PostgreSQL: two CTEs; MySQL: a two-table
 * UPDATE, 2 rows changed) or, on SQLite, two statements.
 */
function endAttemptAndExecution(context: StoreContext, shape: SettleShape) {
  const { adapter } = context
  if (adapter.supportsWritableCte) return settleWithCte(shape)
  if (adapter.supportsMultiTableUpdate) {
    const statement = settleBothTables(shape)
    return { first: async (target: StoreContext, values: Record<string, unknown>) => bothChanged(await statement.affected(target, values)) }
  }
  return {
    first: async (target: StoreContext, values: Record<string, unknown>) => {
      const attempts = await endAttempt.affected(target, values)
      const executions = attempts === 1 ? await settleExecution(shape).affected(target, values) : 0
      return { attempts, executions }
    },
  }
}

const bothChanged = (rows: number) => (rows === 2 ? { attempts: 1, executions: 1 } : { attempts: 0, executions: 0 })
const shapeKey = (shape: SettleShape) => `${shape.columns.join()}|${shape.byWorker}`

const endAttemptSet = (value: Value) => ({
  status: value('attempt_status'),
  finished_at: value('attempt_finished_at'),
  error_type: value('attempt_error_type'),
  error_message: value('attempt_error_message'),
  error_details: value('attempt_error_details'),
})

const endAttempt = prepare<string>((t, value) =>
  t.db.updateTable('execution_attempts').set(endAttemptSet(value)).where('id', '=', value('attempt_id')).where('status', '=', ATTEMPT_RUNNING),
)

const settleExecution = prepareEach<SettleShape>(shapeKey, (t, value, shape) => {
  const update = t.db
    .updateTable('executions')
    .set(Object.fromEntries(shape.columns.map((column) => [column, value(column)])))
    .where('id', '=', value('execution_id'))
    .where('status', '=', 'RUNNING')
  return shape.byWorker ? update.where('worker_id', '=', value('held_by')) : update
})

const settleWithCte = prepareEach<SettleShape>(shapeKey, (t, value, shape) =>
  t.db
    .with('ended', (db) =>
      db
        .updateTable('execution_attempts')
        .set(endAttemptSet(value))
        .where('id', '=', value('attempt_id'))
        .where('status', '=', ATTEMPT_RUNNING)
        .returning('id'),
    )
    .with('settled', (db) => {
      const update = db
        .updateTable('executions')
        .set(Object.fromEntries(shape.columns.map((column) => [column, value(column)])))
        .where('id', '=', value('execution_id'))
        .where('status', '=', 'RUNNING')
      return (shape.byWorker ? update.where('worker_id', '=', value('held_by')) : update).returning('id')
    })
    .selectNoFrom((eb) => [
      eb.selectFrom('ended').select(eb.fn.countAll().as('n')).as('attempts'),
      eb.selectFrom('settled').select(eb.fn.countAll().as('n')).as('executions'),
    ]),
)

/** MySQL: `UPDATE execution_attempts a, executions e SET a.…, e.… WHERE a.id = ? AND a.status = 'RUNNING' AND e.id = ? AND e.status = 'RUNNING'` */
const settleBothTables = prepareEach<SettleShape>(shapeKey, (t, value, shape) => {
  const attemptSet = Object.entries(endAttemptSet(value)).map(([column, bound]) => sql`${sql.ref(`a.${column}`)} = ${bound}`)
  const executionSet = shape.columns.map((column) => sql`${sql.ref(`e.${column}`)} = ${value(column)}`)
  const byWorker = shape.byWorker ? sql` and ${sql.ref('e.worker_id')} = ${value('held_by')}` : sql``
  const query = sql`update ${sql.table(t.table('execution_attempts'))} as a, ${sql.table(t.table('executions'))} as e
    set ${sql.join([...attemptSet, ...executionSet])}
    where ${sql.ref('a.id')} = ${value('attempt_id')} and ${sql.ref('a.status')} = ${ATTEMPT_RUNNING}
      and ${sql.ref('e.id')} = ${value('execution_id')} and ${sql.ref('e.status')} = 'RUNNING'${byWorker}`
  return { compile: () => query.compile(t.db) }
})

/**
 * finishAttempt in one statement and no transaction, where the engine can write both rows
 * at once (PostgreSQL: a CTE; MySQL: a two-table UPDATE) and the statement can decide
 * everything itself: the retry (attempts left), the duration (from the row's started_at),
 * and that the attempt set no job state (a pending row makes it change nothing). An
 * outcome with error details, SQLite, or a statement that changed nothing take the
 * transactional `settleAttempt`, which also says why a settle is refused.
 * Every writer that moves a RUNNING execution (finish, reap) also ends its attempt in the
 * same transaction, so a race on the two rows ends as a deadlock PostgreSQL breaks, never
 * as an attempt ended under an execution left RUNNING.
 * @returns the header after the change, or `undefined` for the transactional path
 */
export async function settleInOneStatement(context: StoreContext, attemptId: string, outcome: AttemptOutcome): Promise<Execution | undefined> {
  const { adapter } = context
  const oneStatement = adapter.supportsWritableCte || adapter.supportsMultiTableUpdate
  if (!oneStatement || outcome.error?.details !== undefined || outcome.workerId !== undefined) return undefined
  const { error_type, error_message } = errorColumns(outcome.error)
  const now = adapter.encodeTimestamp(context.now())
  const values = {
    attempt_id: attemptId,
    attempt_status: outcome.status,
    attempt_finished_at: now,
    attempt_error_type: error_type,
    attempt_error_message: error_message,
    attempt_error_details: adapter.encodeJson(null),
    status: outcome.status,
    now,
    error_type,
    error_message,
    may_retry: adapter.encodeBoolean(outcome.retry !== false && outcome.status === 'FAILED'),
  }
  if (adapter.supportsWritableCte) {
    const row = await settleReturning.first(context, values)
    return row && executionFromRow(adapter, row)
  }
  if ((await settleJoined.affected(context, values)) !== 2) return undefined
  const row = await headerOfAttempt.first(context, values)
  return row && executionFromRow(adapter, row)
}

/** The execution's columns as the one-statement settle writes them; `e` is the executions row. */
function settledSet(t: StatementTarget, value: Value, e: (column: string) => RawBuilder<unknown>) {
  const retry = sql`(${value('may_retry')} and ${e('attempt_count')} < ${e('max_attempts')})`
  const unlessRetry = (column: string, written: unknown) => sql`case when ${retry} then ${e(column)} else ${written} end`
  return {
    status: sql`case when ${retry} then 'QUEUED' else ${value('status')} end`,
    finished_at: unlessRetry('finished_at', value('now')),
    duration_ms: unlessRetry('duration_ms', t.adapter.elapsedMs(e('started_at'), value('now'))),
    error_type: unlessRetry('error_type', value('error_type')),
    error_message: unlessRetry('error_message', value('error_message')),
    worker_id: sql`null`,
    lease_expires_at: sql`null`,
    updated_at: value('now'),
  }
}

const assignments = (set: Record<string, unknown>, qualify: (column: string) => string) =>
  sql.join(Object.entries(set).map(([column, written]) => sql`${sql.ref(qualify(column))} = ${written}`))

/**
 * PostgreSQL: end the attempt, then settle its execution, returning the header. The
 * execution's status is checked by a scalar subquery on its key, not `EXISTS`: PostgreSQL
 * turns an `EXISTS` into a join, and a join of attempts and executions is what it once
 * planned as a merge join over the whole executions index (see attemptWithExecution).
 */
const settleReturning = prepare<string>((t, value) => {
  const [attempts, executions, pending] = ['execution_attempts', 'executions', 'job_state_pending'].map((name) => sql.table(t.table(name)))
  const ended = sql`update ${attempts} set ${assignments(endAttemptSet(value), (c) => c)}
    where ${sql.ref('id')} = ${value('attempt_id')} and ${sql.ref('status')} = ${ATTEMPT_RUNNING}
      and not exists (select 1 from ${pending} where ${sql.ref('attempt_id')} = ${value('attempt_id')})
      and (select ${sql.ref('x.status')} from ${executions} as x where ${sql.ref('x.id')} = ${sql.ref('execution_id')}) = 'RUNNING'
    returning ${sql.ref('execution_id')}`
  const set = settledSet(t, value, (column) => sql.ref(`e.${column}`))
  const query = sql`with ended as (${ended})
    update ${executions} as e set ${assignments(set, (c) => c)}
    where ${sql.ref('e.id')} = (select ${sql.ref('execution_id')} from ended) and ${sql.ref('e.status')} = 'RUNNING'
    returning ${sql.join(EXECUTION_COLUMNS.map((column) => sql.ref(`e.${column}`)))}`
  return { compile: () => query.compile(t.db) }
})

/** MySQL: both rows in one UPDATE, or neither (2 rows changed, else 0). */
const settleJoined = prepare<string>((t, value) => {
  const [attempts, executions, pending] = ['execution_attempts', 'executions', 'job_state_pending'].map((name) => sql.table(t.table(name)))
  const set = settledSet(t, value, (column) => sql.ref(`e.${column}`))
  const query = sql`update ${attempts} as a, ${executions} as e
    set ${assignments(endAttemptSet(value), (c) => `a.${c}`)}, ${assignments(set, (c) => `e.${c}`)}
    where ${sql.ref('a.id')} = ${value('attempt_id')} and ${sql.ref('a.status')} = ${ATTEMPT_RUNNING}
      and ${sql.ref('e.id')} = ${sql.ref('a.execution_id')} and ${sql.ref('e.status')} = 'RUNNING'
      and not exists (select 1 from ${pending} as p where ${sql.ref('p.attempt_id')} = ${value('attempt_id')})`
  return { compile: () => query.compile(t.db) }
})

const headerOfAttempt = prepare<string>((t, value) =>
  t.db
    .selectFrom('executions')
    .select(EXECUTION_COLUMNS)
    .where('id', '=', (eb) => eb.selectFrom('execution_attempts').select('execution_id').where('id', '=', value('attempt_id'))),
)
