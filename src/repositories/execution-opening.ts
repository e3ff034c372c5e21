import { sql } from 'kysely'
import { ConflictError, ConstraintError, NotFoundError } from '../errors.js'
import { prepare, type StatementTarget } from '../db/speed/prepared-statement.js'
import type { Attempt, Execution } from '../schema/execution-schemas.js'
import { uuidv7 } from '../schema/ids.js'
import type { StoreContext } from '../store-context.js'
import { executionsTable } from '../tables/execution-tables.js'
import { EXECUTION_COLUMNS, executionFromRow } from './execution-rows.js'
import { pinnedJob } from './pinned-job.js'
import type { StartAttemptOptions } from './execution-transitions.js'

/**
 * A worker's common path — queue, open an attempt (or claim one), settle it — in as few
 * round trips as each engine allows, with the guarantees of the state machine in
 * execution-transitions.ts: every change is conditional on the status it leaves, a lost
 * race is a `conflict` and writes nothing.
 *
 *   step            PostgreSQL                     MariaDB                        SQLite
 *   start           1 statement, no transaction    2 in one transaction           2 in one transaction
 *   startAttempt    1 statement, no transaction    2 in one transaction           2 in one transaction
 *   claimNext       1 statement, no transaction    3 in one transaction           3 in one transaction
 *   finishAttempt   1 statement, no transaction    2, no transaction              3 in one transaction
 *
 * PostgreSQL chains the writes of a step with data-modifying CTEs: one statement is atomic
 * by itself, so it needs no BEGIN/COMMIT round trips; MariaDB ends the attempt and settles
 * its execution with one two-table UPDATE. Finishing that way leaves the retry decision
 * and the duration to the statement (settleInOneStatement). Publishing job state, error
 * details and MySQL without `RETURNING` take the transactional path or a statement more,
 * only when present; SQLite's statements are calls into the process, not round trips.
 * Measured on the benchmark's W3-bare: see docs/benchmark.md. This file opens; settling
 * is execution-settling.ts.
 */

/** An attempt's status while it runs (a literal in the statements that write it). @internal */
export const ATTEMPT_RUNNING = 'RUNNING'

/** What a new execution row holds before the job pins its version and attempts. */
export interface QueuedExecution {
  readonly id: string
  readonly job_id: string
  readonly environment: string | null
  readonly trigger: string
  readonly idempotency_key: string | null
  readonly params: unknown
}

/**
 * Inserts a QUEUED execution of the job's current version and its params row. The job's
 * version and retries are read by the insert itself (subqueries on the jobs row, in the
 * same statement, so a job update that lands at the same time is either fully before or
 * fully after). A missing job fails the insert (NOT NULL), reported as `not_found`.
 * @returns the execution's header
 * @throws ConstraintError (`unique`) when the idempotency key is taken
 */
export async function queueExecution(context: StoreContext, queued: QueuedExecution): Promise<Execution> {
  const { adapter } = context
  const now = adapter.encodeTimestamp(context.now())
  const values = {
    ...queued,
    status: 'QUEUED',
    worker_id: null,
    lease_expires_at: null,
    lease_ms: null,
    attempt_count: 0,
    queued_at: now,
    started_at: null,
    finished_at: null,
    duration_ms: null,
    error_type: null,
    error_message: null,
    updated_at: now,
    params: adapter.encodeJson(queued.params ?? {}),
  }
  try {
    const pinned = adapter.supportsWritableCte
      ? await queueWithPayload.first(context, values)
      : await context.transaction(async (tx) => {
          const inserted = await insertQueued.first(tx, values)
          await insertPayload.run(tx, values)
          return adapter.supportsInsertReturning ? inserted : pinnedColumns.first(tx, values)
        })
    if (!pinned) throw new NotFoundError(`Job ${queued.job_id} not found`, { tableName: context.table('jobs') })
    return executionFromRow(adapter, { ...values, job_version: pinned.job_version, max_attempts: pinned.max_attempts })
  } catch (error) {
    // The subqueries found no job: the insert broke NOT NULL (or the job's foreign key).
    if (error instanceof ConstraintError && error.constraint_kind !== 'unique') await pinnedJob(context, queued.job_id)
    throw error
  }
}

const QUEUE_COLUMNS = executionsTable.columnNames

/** `INSERT INTO executions … VALUES (…, (SELECT current_version …), (SELECT retries + 1 …), …)` */
const queuedRow = (t: StatementTarget, value: Value) =>
  t.db.insertInto('executions').values((eb) => {
    const job = () => eb.selectFrom('jobs').where('id', '=', value('job_id'))
    return {
      ...Object.fromEntries(QUEUE_COLUMNS.map((name) => [name, value(name)])),
      job_version: job().select('current_version'),
      max_attempts: job().select(sql<number>`case when num_of_retries > 0 then num_of_retries + 1 else 1 end`.as('n')),
    }
  })

const insertQueued = prepare<string>((t, value) => {
  const insert = queuedRow(t, value)
  return t.adapter.supportsInsertReturning ? insert.returning(['job_version', 'max_attempts']) : insert
})
const insertPayload = prepare<string>((t, value) =>
  t.db.insertInto('execution_payloads').values({ execution_id: value('id'), params: value('params'), error_details: null }),
)
const pinnedColumns = prepare<string>((t, value) => t.db.selectFrom('executions').select(['job_version', 'max_attempts']).where('id', '=', value('id')))
/** PostgreSQL: the execution and its params row in one statement. */
const queueWithPayload = prepare<string>((t, value) =>
  t.db
    .with('queued', () => queuedRow(t, value).returning(['job_version', 'max_attempts']))
    .with('payload', (db) => db.insertInto('execution_payloads').values({ execution_id: value('id'), params: value('params'), error_details: null }))
    .selectFrom('queued')
    .select(['job_version', 'max_attempts']),
)

/** The lease columns an attempt opens with. */
function leaseOf(context: StoreContext, now: Date, options: StartAttemptOptions) {
  const { adapter } = context
  return options.workerId !== undefined && options.leaseMs !== undefined
    ? { worker_id: options.workerId, lease_expires_at: adapter.encodeTimestamp(new Date(now.getTime() + options.leaseMs)), lease_ms: options.leaseMs }
    : { worker_id: options.workerId ?? null, lease_expires_at: null, lease_ms: null }
}

/**
 * QUEUED → RUNNING with a new attempt row (startAttempt).
 * @throws NotFoundError, ConflictError (not QUEUED)
 */
export async function openAttempt(context: StoreContext, executionId: string, options: StartAttemptOptions): Promise<Attempt> {
  const now = context.now()
  const values = { id: executionId, attempt_id: uuidv7(), now: context.adapter.encodeTimestamp(now), ...leaseOf(context, now, options) }
  const opened = context.adapter.supportsWritableCte
    ? await openWithAttempt.first(context, values)
    : await context.transaction(async (tx) => {
        // The attempt first: its INSERT … SELECT reads (and on MariaDB locks) the queued row.
        const inserted = await insertAttemptFromQueued.first(tx, values)
        const row = tx.adapter.supportsInsertReturning ? inserted : await attemptNumber.first(tx, values)
        if (row) await runOnQueued(tx, executionId, { ...values, attempt_count: row.attempt_number })
        return row
      })
  if (!opened) throw await notStartable(context, executionId)
  return runningAttempt(values.attempt_id, executionId, Number(opened.attempt_number), options.workerId ?? null, now)
}

async function notStartable(context: StoreContext, executionId: string): Promise<Error> {
  const executions = context.table('executions')
  const current = await context.db.selectFrom('executions').select('status').where('id', '=', executionId).executeTakeFirst()
  if (!current) return new NotFoundError(`Execution ${executionId} not found`, { tableName: executions })
  return new ConflictError(`Execution ${executionId} is ${current.status}: an attempt starts only from QUEUED`, { tableName: executions })
}

function runningAttempt(id: string, executionId: string, attemptNumber: number, workerId: string | null, now: Date): Attempt {
  return {
    id,
    execution_id: executionId,
    attempt_number: attemptNumber,
    status: 'RUNNING',
    worker_id: workerId,
    started_at: now,
    finished_at: null,
    error: null,
  }
}

const ATTEMPT_COLUMNS = [
  'id',
  'execution_id',
  'attempt_number',
  'status',
  'worker_id',
  'started_at',
  'finished_at',
  'error_type',
  'error_message',
  'error_details',
] as const

/** The placeholder of the value named `name` in a prepared statement. @internal */
export type Value = (name: string) => never

/** The SET list of QUEUED → RUNNING; `attemptCount` is the new count (an expression or a value). */
function runningSet(value: Value) {
  return {
    status: 'RUNNING' as const,
    worker_id: value('worker_id'),
    lease_expires_at: value('lease_expires_at'),
    lease_ms: value('lease_ms'),
    started_at: sql<unknown>`coalesce(${sql.ref('started_at')}, ${value('now')})`,
    updated_at: value('now'),
  }
}

/**
 * The new attempt's row in ATTEMPT_COLUMNS order, selected from its execution's row. Its
 * number: `next`, the row is still QUEUED (its count plus one); `same`, the row was just
 * marked RUNNING with the new count.
 */
function newAttemptColumns(value: Value, attemptNumber: 'next' | 'same') {
  const count = sql.ref('attempt_count')
  return [
    sql`${value('attempt_id')}`.as('id'),
    sql.ref('id').as('execution_id'),
    (attemptNumber === 'next' ? sql<number>`${count} + 1` : sql<number>`${count}`).as('attempt_number'),
    sql`${ATTEMPT_RUNNING}`.as('status'),
    sql`${value('worker_id')}`.as('worker_id'),
    sql`${value('now')}`.as('started_at'),
    sql`null`.as('finished_at'),
    sql`null`.as('error_type'),
    sql`null`.as('error_message'),
    sql`null`.as('error_details'),
  ]
}

/** `INSERT INTO execution_attempts SELECT …, attempt_count + 1, … FROM executions WHERE id AND status = 'QUEUED'` */
const insertAttemptFromQueued = prepare<string>((t, value) => {
  const insert = t.db
    .insertInto('execution_attempts')
    .columns(ATTEMPT_COLUMNS)
    .expression((eb) => {
      const queued = eb.selectFrom('executions').select(newAttemptColumns(value, 'next')).where('id', '=', value('id')).where('status', '=', 'QUEUED')
      return t.adapter.supportsSkipLocked ? queued.forUpdate() : queued
    })
  return t.adapter.supportsInsertReturning ? insert.returning('attempt_number') : insert
})
/** QUEUED → RUNNING of a row this transaction holds (locked, or SQLite's only writer): anything else is a bug to stop at. */
async function runOnQueued(tx: StoreContext, executionId: string, values: Record<string, unknown>): Promise<void> {
  if ((await markRunning.affected(tx, values)) !== 1) {
    throw new ConflictError(`Execution ${executionId} stopped being QUEUED while it was opened`, { tableName: tx.table('executions') })
  }
}

const attemptNumber = prepare<string>((t, value) => t.db.selectFrom('execution_attempts').select('attempt_number').where('id', '=', value('attempt_id')))
const markRunning = prepare<string>((t, value) =>
  t.db
    .updateTable('executions')
    .set({ ...runningSet(value), attempt_count: value('attempt_count') })
    .where('id', '=', value('id'))
    .where('status', '=', 'QUEUED'),
)
/** PostgreSQL: QUEUED → RUNNING and the attempt row in one statement. */
const openWithAttempt = prepare<string>((t, value) =>
  t.db
    .with('opened', (db) =>
      db
        .updateTable('executions')
        .set((eb) => ({ ...runningSet(value), attempt_count: eb('attempt_count', '+', 1) }))
        .where('id', '=', value('id'))
        .where('status', '=', 'QUEUED')
        .returning(['id', 'attempt_count']),
    )
    .insertInto('execution_attempts')
    .columns(ATTEMPT_COLUMNS)
    .expression((eb) => eb.selectFrom('opened').select(newAttemptColumns(value, 'same')))
    .returning('attempt_number'),
)

export interface Claim {
  readonly execution: Execution
  readonly attempt: Attempt
}

/**
 * Takes the oldest queued execution for `workerId`. PostgreSQL and MySQL lock the row with
 * `FOR UPDATE SKIP LOCKED`, so concurrent workers pass over each other's candidates
 * instead of queueing on them; SQLite's write transaction is `BEGIN IMMEDIATE`, so one
 * claimer at a time sees and takes the row.
 */
export async function claimExecution(context: StoreContext, input: { workerId: string; leaseMs: number }): Promise<Claim | null> {
  const now = context.now()
  const values = { attempt_id: uuidv7(), now: context.adapter.encodeTimestamp(now), ...leaseOf(context, now, input) }
  const attempt = (row: Record<string, unknown>, attemptNumber: number) => runningAttempt(values.attempt_id, String(row.id), attemptNumber, input.workerId, now)
  if (context.adapter.supportsWritableCte) {
    const row = await claimWithAttempt.first(context, values)
    return row ? { execution: executionFromRow(context.adapter, row), attempt: attempt(row, Number(row.attempt_count)) } : null
  }
  return context.transaction(async (tx) => {
    const candidate = await oldestQueued.first(tx, {})
    if (!candidate) return null
    const attemptCount = Number(candidate.attempt_count) + 1
    const claimed = { ...values, id: String(candidate.id), attempt_count: attemptCount }
    await runOnQueued(tx, claimed.id, claimed)
    await insertAttempt.run(tx, { ...claimed, attempt_number: attemptCount })
    const header = {
      ...candidate,
      status: 'RUNNING',
      attempt_count: attemptCount,
      worker_id: values.worker_id,
      lease_expires_at: values.lease_expires_at,
      started_at: candidate.started_at ?? values.now,
    }
    return { execution: executionFromRow(tx.adapter, header), attempt: attempt(header, attemptCount) }
  })
}

const oldestQueued = prepare<never>((t) => {
  const oldest = t.db.selectFrom('executions').select(EXECUTION_COLUMNS).where('status', '=', 'QUEUED').orderBy('queued_at').orderBy('id').limit(1)
  return t.adapter.supportsSkipLocked ? oldest.forUpdate().skipLocked() : oldest
})
const insertAttempt = prepare<string>((t, value) =>
  t.db.insertInto('execution_attempts').values({
    id: value('attempt_id'),
    execution_id: value('id'),
    attempt_number: value('attempt_number'),
    status: ATTEMPT_RUNNING,
    worker_id: value('worker_id'),
    started_at: value('now'),
    finished_at: null,
    error_type: null,
    error_message: null,
    error_details: null,
  }),
)
/** PostgreSQL: pick, lock, mark RUNNING and open the attempt in one statement. */
const claimWithAttempt = prepare<string>((t, value) =>
  t.db
    .with('claimed', (db) =>
      db
        .updateTable('executions')
        .set((eb) => ({ ...runningSet(value), attempt_count: eb('attempt_count', '+', 1) }))
        .where('id', '=', (eb) =>
          eb.selectFrom('executions').select('id').where('status', '=', 'QUEUED').orderBy('queued_at').orderBy('id').limit(1).forUpdate().skipLocked(),
        )
        .where('status', '=', 'QUEUED')
        .returning(EXECUTION_COLUMNS),
    )
    .with('opened', (db) =>
      db
        .insertInto('execution_attempts')
        .columns(ATTEMPT_COLUMNS)
        .expression((eb) => eb.selectFrom('claimed').select(newAttemptColumns(value, 'same')))
        .returning('id'),
    )
    .selectFrom('claimed')
    .selectAll(),
)
