// The floor's execution lifecycle (W3, W3-bare, W7): start → startAttempt → finishAttempt,
// hand-written per engine in as few statements as the engine allows, keeping every
// guarantee the product keeps:
// - start pins the job's current version and max attempts from the jobs row (INSERT …
//   SELECT … FROM jobs: an unknown job inserts nothing) and writes the params row, both
//   or neither; with an idempotency key, a start whose key is taken inserts nothing (the
//   unique index decides, also between processes) and returns the first execution;
// - startAttempt moves QUEUED → RUNNING only from QUEUED, counts the attempt
//   (attempt_count + 1) and inserts the attempt row, both or neither;
// - finishAttempt ends the attempt only while it is RUNNING and its execution RUNNING,
//   computes the duration, and publishes the job state the attempt set (the product
//   looks for it with one select when there is none: src/repositories/job-state-repository.ts
//   promotePendingState, so the floor looks too; where it folds the look into another
//   statement, the look costs no statement of its own).
// Statements per call (begin and commit counted), as the engines allow:
//   PostgreSQL: 1 / 1 / 1 (data-modifying CTEs; each statement is its own transaction)
//   SQLite:     4 / 4 / 4 (begin immediate, two writes, commit: RETURNING hands the second
//               write what the first one read)
//   MariaDB:    4 / 4 / 1 (no CTE writes, no UPDATE … RETURNING; one multi-table UPDATE ends both rows)
import { table } from '../lib/tables.mjs'

const T = {
  jobs: table('jobs'),
  executions: table('executions'),
  payloads: table('execution_payloads'),
  attempts: table('execution_attempts'),
  pending: table('job_state_pending'),
  state: table('job_state'),
}

const notFoundOrNotQueued = (id) => new Error(`execution ${id} not found or not QUEUED`)
const notRunning = (id) => new Error(`attempt ${id} not found, or it or its execution is not RUNNING`)

/**
 * A start that inserted nothing: its idempotency key was taken (then the first execution,
 * if it is of the same job) or the job does not exist. Off the fast path.
 */
async function existingStart(client, jobId, idempotencyKey) {
  if (idempotencyKey !== null) {
    const { rows } = await client.query(`select "id", "job_id" from "${T.executions}" where "idempotency_key" = ?`, [idempotencyKey])
    if (rows[0]?.job_id === jobId) return rows[0].id
    if (rows[0]) throw new Error(`idempotency key ${idempotencyKey} started an execution of another job`)
  }
  throw new Error(`job ${jobId} not found`)
}

export function floorLifecycle(client, { enc, newId }) {
  switch (client.engine) {
    case 'postgres':
      return postgresLifecycle(client, newId)
    case 'sqlite':
      return sqliteLifecycle(client, enc, newId)
    case 'mysql':
      return mysqlLifecycle(client, newId)
    default:
      throw new Error(`unknown engine ${client.engine}`)
  }
}

// ---------------------------------------------------------------- PostgreSQL

// The params row is inserted from the execution insert's RETURNING: no job, or a taken
// idempotency key, no rows at all. Columns left out are NULL. `$n::type` where a parameter
// sits in a SELECT list (the planner cannot infer it from a target column there).
const PG_START = `with "e" as (
  insert into "${T.executions}" ("id", "job_id", "job_version", "status", "trigger", "idempotency_key", "attempt_count", "max_attempts", "queued_at", "updated_at")
  select $1::varchar, "id", "current_version", 'QUEUED', 'manual', $5::varchar, 0, "num_of_retries" + 1, $3::timestamptz, $3::timestamptz
  from "${T.jobs}" where "id" = $2
  on conflict do nothing
  returning "id"
)
insert into "${T.payloads}" ("execution_id", "params", "error_details") select "id", $4::jsonb, null from "e"`

// The attempt row is inserted from the transition's RETURNING (the new attempt_count).
const PG_START_ATTEMPT = `with "e" as (
  update "${T.executions}" set "status" = 'RUNNING', "attempt_count" = "attempt_count" + 1, "worker_id" = $2::varchar,
    "lease_expires_at" = null, "lease_ms" = null, "started_at" = coalesce("started_at", $3::timestamptz), "updated_at" = $3::timestamptz
  where "id" = $1 and "status" = 'QUEUED'
  returning "id", "attempt_count"
)
insert into "${T.attempts}" ("id", "execution_id", "attempt_number", "status", "worker_id", "started_at")
select $4::varchar, "id", "attempt_count", 'RUNNING', $2::varchar, $3::timestamptz from "e"`

// "x" locks the execution while it is RUNNING, so the attempt and the execution end
// together or not at all (two finishers of one attempt: the second finds it SUCCEEDED).
// The execution is found through the attempt by key lookups, not a join (the merge-join
// plan noted in floor.mjs). The job state the attempt set moves to job_state in the same
// statement: an index probe that finds nothing when none was set.
const PG_FINISH = `with "x" as (
  select "id" from "${T.executions}"
  where "id" = (select "execution_id" from "${T.attempts}" where "id" = $1) and "status" = 'RUNNING'
  for update
), "a" as (
  update "${T.attempts}" set "status" = 'SUCCEEDED', "finished_at" = $2::timestamptz
  where "id" = $1 and "status" = 'RUNNING' and "execution_id" = (select "id" from "x")
  returning "execution_id"
), "e" as (
  update "${T.executions}" set "status" = 'SUCCEEDED', "finished_at" = $2::timestamptz,
    "duration_ms" = greatest(0, round(extract(epoch from ($2::timestamptz - "started_at")) * 1000))::bigint,
    "worker_id" = null, "lease_expires_at" = null, "updated_at" = $2::timestamptz
  where "id" = (select "execution_id" from "a") and "status" = 'RUNNING'
  returning "id"
), "p" as (
  delete from "${T.pending}" where "attempt_id" = $1 and exists (select 1 from "e")
  returning "job_id", "state_key", "value", "updated_at"
), "s" as (
  insert into "${T.state}" ("job_id", "state_key", "value", "updated_at") select "job_id", "state_key", "value", "updated_at" from "p"
  on conflict ("job_id", "state_key") do update set "value" = excluded."value", "updated_at" = excluded."updated_at"
)
select count(*)::int as "finished" from "e"`

function postgresLifecycle(client, newId) {
  return {
    async start(jobId, params, { idempotencyKey = null } = {}) {
      const id = newId()
      const { affected } = await client.query(PG_START, [id, jobId, new Date(), JSON.stringify(params ?? {}), idempotencyKey])
      return affected === 1 ? id : existingStart(client, jobId, idempotencyKey)
    },
    async startAttempt(executionId, workerId = null) {
      const id = newId()
      const { affected } = await client.query(PG_START_ATTEMPT, [executionId, workerId, new Date(), id])
      if (affected !== 1) throw notFoundOrNotQueued(executionId)
      return id
    },
    async finishAttempt(attemptId) {
      const { rows } = await client.query(PG_FINISH, [attemptId, new Date()])
      if (rows[0].finished !== 1) throw notRunning(attemptId)
    },
  }
}

// ---------------------------------------------------------------- SQLite

const START_COLUMNS = `("id", "job_id", "job_version", "status", "trigger", "idempotency_key", "attempt_count", "max_attempts", "queued_at", "updated_at")`
const START_SELECT = `select ?, "id", "current_version", 'QUEUED', 'manual', ?, 0, "num_of_retries" + 1, ?, ? from "${T.jobs}" where "id" = ?`
// A taken idempotency key inserts nothing (changes() = 0).
const SQLITE_START = `insert into "${T.executions}" ${START_COLUMNS}
${START_SELECT}
on conflict do nothing`
const PAYLOAD = `insert into "${T.payloads}" ("execution_id", "params", "error_details") values (?, ?, null)`

const SQLITE_START_ATTEMPT = `update "${T.executions}" set "status" = 'RUNNING', "attempt_count" = "attempt_count" + 1, "worker_id" = ?,
  "lease_expires_at" = null, "lease_ms" = null, "started_at" = coalesce("started_at", ?), "updated_at" = ?
where "id" = ? and "status" = 'QUEUED'
returning "attempt_count"`
const ATTEMPT = `insert into "${T.attempts}" ("id", "execution_id", "attempt_number", "status", "worker_id", "started_at") values (?, ?, ?, 'RUNNING', ?, ?)`

// RETURNING brings back what the execution update needs (its id and started_at) and
// whether the attempt set job state, so neither costs a select of its own.
const SQLITE_END_ATTEMPT = `update "${T.attempts}" set "status" = 'SUCCEEDED', "finished_at" = ?
where "id" = ? and "status" = 'RUNNING'
  and exists (select 1 from "${T.executions}" "x" where "x"."id" = "execution_id" and "x"."status" = 'RUNNING')
returning "execution_id",
  (select "started_at" from "${T.executions}" "x" where "x"."id" = "execution_id") as "started_at",
  exists (select 1 from "${T.pending}" "p" where "p"."attempt_id" = ?) as "pending"`
const SQLITE_END_EXECUTION = `update "${T.executions}" set "status" = 'SUCCEEDED', "finished_at" = ?, "duration_ms" = ?,
  "worker_id" = null, "lease_expires_at" = null, "updated_at" = ?
where "id" = ? and "status" = 'RUNNING'`
const SQLITE_PUBLISH = `insert into "${T.state}" ("job_id", "state_key", "value", "updated_at")
select "job_id", "state_key", "value", "updated_at" from "${T.pending}" where "attempt_id" = ? and true
on conflict ("job_id", "state_key") do update set "value" = excluded."value", "updated_at" = excluded."updated_at"`
const DISCARD = `delete from "${T.pending}" where "attempt_id" = ?`

function sqliteLifecycle(client, enc, newId) {
  return {
    async start(jobId, params, { idempotencyKey = null } = {}) {
      const id = newId()
      const now = enc.timestamp(new Date())
      const inserted = await client.transaction(async (c) => {
        const { affected } = await c.query(SQLITE_START, [id, idempotencyKey, now, now, jobId])
        if (affected !== 1) return false
        await c.query(PAYLOAD, [id, enc.json(params ?? {})])
        return true
      })
      return inserted ? id : existingStart(client, jobId, idempotencyKey)
    },
    async startAttempt(executionId, workerId = null) {
      const id = newId()
      const now = enc.timestamp(new Date())
      await client.transaction(async (c) => {
        const { rows } = await c.query(SQLITE_START_ATTEMPT, [workerId, now, now, executionId])
        if (rows.length !== 1) throw notFoundOrNotQueued(executionId)
        await c.query(ATTEMPT, [id, executionId, rows[0].attempt_count, workerId, now])
      })
      return id
    },
    async finishAttempt(attemptId) {
      const now = new Date()
      const at = enc.timestamp(now)
      await client.transaction(async (c) => {
        const { rows } = await c.query(SQLITE_END_ATTEMPT, [at, attemptId, attemptId])
        if (rows.length !== 1) throw notRunning(attemptId)
        const { execution_id: executionId, started_at: startedAt, pending } = rows[0]
        const duration = Math.max(0, now.getTime() - Date.parse(startedAt))
        // BEGIN IMMEDIATE holds the write lock: the execution read RUNNING above still is.
        const { affected } = await c.query(SQLITE_END_EXECUTION, [at, duration, at, executionId])
        if (affected !== 1) throw notRunning(attemptId)
        if (!pending) return
        await c.query(SQLITE_PUBLISH, [attemptId])
        await c.query(DISCARD, [attemptId])
      })
    },
  }
}

// ---------------------------------------------------------------- MariaDB

// A taken idempotency key leaves the first row as it is. The affected count cannot tell
// that from an insert (mysql2 asks for found rows: 1 either way), so the params row is
// inserted from the new execution's row: nothing inserted, nothing found, 0 affected.
const MYSQL_START = `insert into "${T.executions}" ${START_COLUMNS}
${START_SELECT}
on duplicate key update "${T.executions}"."id" = "${T.executions}"."id"`
const MYSQL_PAYLOAD = `insert into "${T.payloads}" ("execution_id", "params", "error_details") select "id", ?, null from "${T.executions}" where "id" = ?`
const MYSQL_START_ATTEMPT = `update "${T.executions}" set "status" = 'RUNNING', "attempt_count" = "attempt_count" + 1, "worker_id" = ?,
  "lease_expires_at" = null, "lease_ms" = null, "started_at" = coalesce("started_at", ?), "updated_at" = ?
where "id" = ? and "status" = 'QUEUED'`
// The attempt number read back from the row this transaction just updated (no RETURNING on UPDATE).
const MYSQL_ATTEMPT = `insert into "${T.attempts}" ("id", "execution_id", "attempt_number", "status", "worker_id", "started_at")
select ?, "id", "attempt_count", 'RUNNING', ?, ? from "${T.executions}" where "id" = ?`

// One multi-table UPDATE ends the attempt and the execution together: both rows match
// (attempt RUNNING, execution RUNNING) or neither changes, and one statement is its own
// transaction. Its join is key lookups (attempt by id, execution by its primary key).
const mysqlEnd = (extra) => `update "${T.attempts}" "a" join "${T.executions}" "e" on "e"."id" = "a"."execution_id"
set "a"."status" = 'SUCCEEDED', "a"."finished_at" = ?,
  "e"."status" = 'SUCCEEDED', "e"."finished_at" = ?, "e"."duration_ms" = greatest(0, timestampdiff(microsecond, "e"."started_at", ?) div 1000),
  "e"."worker_id" = null, "e"."lease_expires_at" = null, "e"."updated_at" = ?
where "a"."id" = ? and "a"."status" = 'RUNNING' and "e"."status" = 'RUNNING'${extra}`
// The fast path only where the attempt set no job state; otherwise the transaction below
// ends both rows and publishes the state with them.
const MYSQL_FINISH = mysqlEnd(` and not exists (select 1 from "${T.pending}" "p" where "p"."attempt_id" = "a"."id")`)
const MYSQL_FINISH_WITH_STATE = mysqlEnd('')
const MYSQL_PUBLISH = `insert into "${T.state}" ("job_id", "state_key", "value", "updated_at")
select "job_id", "state_key", "value", "updated_at" from "${T.pending}" "p" where "p"."attempt_id" = ?
on duplicate key update "value" = values("value"), "updated_at" = values("updated_at")`

function mysqlLifecycle(client, newId) {
  const ends = (now, attemptId) => [now, now, now, now, attemptId]
  return {
    async start(jobId, params, { idempotencyKey = null } = {}) {
      const id = newId()
      const now = new Date()
      const inserted = await client.transaction(async (c) => {
        await c.query(MYSQL_START, [id, idempotencyKey, now, now, jobId])
        const { affected } = await c.query(MYSQL_PAYLOAD, [JSON.stringify(params ?? {}), id])
        return affected === 1
      })
      return inserted ? id : existingStart(client, jobId, idempotencyKey)
    },
    async startAttempt(executionId, workerId = null) {
      const id = newId()
      const now = new Date()
      await client.transaction(async (c) => {
        const { affected } = await c.query(MYSQL_START_ATTEMPT, [workerId, now, now, executionId])
        if (affected !== 1) throw notFoundOrNotQueued(executionId)
        await c.query(MYSQL_ATTEMPT, [id, workerId, now, executionId])
      })
      return id
    },
    async finishAttempt(attemptId) {
      const now = new Date()
      const { affected } = await client.query(MYSQL_FINISH, ends(now, attemptId))
      if (affected === 2) return
      await client.transaction(async (c) => {
        const ended = await c.query(MYSQL_FINISH_WITH_STATE, ends(now, attemptId))
        if (ended.affected !== 2) throw notRunning(attemptId)
        await c.query(MYSQL_PUBLISH, [attemptId])
        await c.query(DISCARD, [attemptId])
      })
    },
  }
}
