// The floor: hand-written SQL on the raw driver (prepared statements, multi-row inserts,
// one transaction per operation), doing the same work on the same tables as the product.
import { encoders, insertRows, openSqlClient } from '../lib/sql-client.mjs'
import { COMPONENT_COLUMNS, JOB_COLUMNS, LINK_COLUMNS, VERSION_COLUMNS, jobRows } from '../lib/job-graph.mjs'
import { EXECUTION_HEADER, columnsOf, table } from '../lib/tables.mjs'
import { AUDIT_COLUMNS, auditRow } from '../lib/audit.mjs'

const T = {
  jobs: table('jobs'),
  versions: table('job_versions'),
  components: table('components'),
  links: table('component_links'),
  executions: table('executions'),
  payloads: table('execution_payloads'),
  attempts: table('execution_attempts'),
  runs: table('component_runs'),
  pending: table('job_state_pending'),
  auditLog: table('audit_log'),
  auditHead: table('audit_head'),
}
const HEADER = EXECUTION_HEADER.map((c) => `"${c}"`).join(', ')
const EXECUTION_COLUMNS = columnsOf('executions')
const RUN_COLUMNS = columnsOf('component_runs')

export async function openFloor(target, { newId, poolSize } = {}) {
  const client = await openSqlClient(target, { poolSize })
  const enc = encoders(target.engine)
  const json = (value) => (target.engine === 'postgres' || value === null || value === undefined ? (value ?? null) : JSON.parse(value))
  const time = (value) => (value === null || value === undefined ? null : value instanceof Date ? value : new Date(value))

  return {
    name: 'floor',
    statements: () => client.count,
    client,

    /** `audit: false` leaves the audit row out: the benchmark's measure of what auditing costs. */
    async saveJob(config, { audit = true } = {}) {
      const rows = jobRows(config, enc, newId)
      await client.transaction(async (c) => {
        await insertRows(c, T.jobs, JOB_COLUMNS, [rows.job])
        await insertRows(c, T.versions, VERSION_COLUMNS, [rows.version])
        await insertRows(c, T.components, COMPONENT_COLUMNS, rows.components)
        await insertRows(c, T.links, LINK_COLUMNS, rows.links)
        if (!audit) return
        await c.query(`update "${T.auditHead}" set "seq" = "seq" + 1 where "id" = 1`)
        const { rows: heads } = await c.query(`select "seq", "hash" from "${T.auditHead}" where "id" = 1`)
        const entry = auditRow(heads[0], { action: 'jobs.create', entityType: 'job', entityId: rows.job.id, after: rows.header })
        await insertRows(c, T.auditLog, AUDIT_COLUMNS, [
          { ...entry, at: enc.timestamp(entry.at), before: enc.json(entry.before), after: enc.json(entry.after) },
        ])
        await c.query(`update "${T.auditHead}" set "hash" = ? where "id" = 1`, [entry.hash])
      })
      return rows.job.id
    },

    async loadJob(id) {
      const { rows: jobs } = await client.query(`select * from "${T.jobs}" where "id" = ?`, [id])
      const { rows: components } = await client.query(`select * from "${T.components}" where "job_id" = ? order by "position"`, [id])
      const { rows: links } = await client.query(`select * from "${T.links}" where "job_id" = ? order by "src_component_id", "out_port", "position"`, [id])
      const names = new Map()
      const decoded = components.map((row) => {
        names.set(row.id, row.name)
        return { ...row, payload: json(row.payload), metadata: json(row.metadata) }
      })
      const job = jobs[0]
      return {
        job: { ...job, tags: json(job.tags), created_at: time(job.created_at), updated_at: time(job.updated_at) },
        components: decoded,
        links: links.map((row) => ({ ...row, src: names.get(row.src_component_id), dst: names.get(row.dst_component_id) })),
      }
    },

    async start(jobId, params) {
      const now = new Date()
      const id = newId()
      await client.transaction(async (c) => {
        const { rows } = await c.query(`select "current_version", "num_of_retries" from "${T.jobs}" where "id" = ?`, [jobId])
        const job = rows[0]
        if (!job) throw new Error(`job ${jobId} not found`)
        const row = {
          id,
          job_id: jobId,
          job_version: job.current_version,
          environment: null,
          status: 'QUEUED',
          trigger: 'manual',
          idempotency_key: null,
          worker_id: null,
          lease_expires_at: null,
          lease_ms: null,
          attempt_count: 0,
          max_attempts: Number(job.num_of_retries) + 1,
          queued_at: enc.timestamp(now),
          started_at: null,
          finished_at: null,
          duration_ms: null,
          error_type: null,
          error_message: null,
          updated_at: enc.timestamp(now),
        }
        await insertRows(c, T.executions, EXECUTION_COLUMNS, [row])
        await c.query(`insert into "${T.payloads}" ("execution_id", "params", "error_details") values (?, ?, null)`, [id, enc.json(params)])
      })
      return id
    },

    async startAttempt(executionId, workerId = null) {
      const now = new Date()
      const id = newId()
      await client.transaction(async (c) => {
        const { rows } = await c.query(`select "attempt_count" from "${T.executions}" where "id" = ?`, [executionId])
        const number = Number(rows[0].attempt_count) + 1
        const { affected } = await c.query(
          `update "${T.executions}" set "status" = 'RUNNING', "attempt_count" = ?, "worker_id" = ?, "started_at" = coalesce("started_at", ?), "updated_at" = ? where "id" = ? and "status" = 'QUEUED'`,
          [number, workerId, enc.timestamp(now), enc.timestamp(now), executionId],
        )
        if (affected !== 1) throw new Error(`execution ${executionId} is not QUEUED`)
        await c.query(
          `insert into "${T.attempts}" ("id", "execution_id", "attempt_number", "status", "worker_id", "started_at") values (?, ?, ?, 'RUNNING', ?, ?)`,
          [id, executionId, number, workerId, enc.timestamp(now)],
        )
      })
      return id
    },

    async recordRuns(attemptId, runs) {
      return client.transaction(async (c) => {
        const { rows } = await c.query(`select "execution_id", "status" from "${T.attempts}" where "id" = ?`, [attemptId])
        if (rows[0]?.status !== 'RUNNING') throw new Error(`attempt ${attemptId} is not running`)
        const executionId = rows[0].execution_id
        const encoded = runs.map((run) => ({
          attempt_id: attemptId,
          component_name: run.component_name,
          execution_id: executionId,
          status: run.status,
          started_at: enc.timestamp(run.started_at),
          finished_at: enc.timestamp(run.finished_at),
          lines_received: run.lines_received,
          lines_forwarded: run.lines_forwarded,
          error_count: run.error_count,
          processing_ms: run.processing_ms,
          metrics: enc.json(run.metrics),
        }))
        return insertRows(c, T.runs, RUN_COLUMNS, encoded)
      })
    },

    async finishAttempt(attemptId) {
      const now = new Date()
      await client.transaction(async (c) => {
        // Key lookups, not a join: PostgreSQL planned the join as a merge join over the whole
        // executions index once the table had grown past its statistics (W7 after seeding).
        const { rows } = await c.query(
          `select "id" as "execution_id", "started_at" from "${T.executions}" where "id" = (select "execution_id" from "${T.attempts}" where "id" = ?)`,
          [attemptId],
        )
        const { execution_id: executionId, started_at: startedAt } = rows[0]
        const ended = await c.query(`update "${T.attempts}" set "status" = 'SUCCEEDED', "finished_at" = ? where "id" = ? and "status" = 'RUNNING'`, [
          enc.timestamp(now),
          attemptId,
        ])
        if (ended.affected !== 1) throw new Error(`attempt ${attemptId} is not running`)
        const pending = await c.query(`select "job_id", "state_key" from "${T.pending}" where "attempt_id" = ?`, [attemptId])
        if (pending.rows.length > 0) throw new Error('the benchmark sets no job state')
        const duration = now.getTime() - time(startedAt).getTime()
        const done = await c.query(
          `update "${T.executions}" set "status" = 'SUCCEEDED', "finished_at" = ?, "duration_ms" = ?, "worker_id" = null, "lease_expires_at" = null, "updated_at" = ? where "id" = ? and "status" = 'RUNNING'`,
          [enc.timestamp(now), duration, enc.timestamp(now), executionId],
        )
        if (done.affected !== 1) throw new Error(`execution ${executionId} is not running`)
      })
    },

    /** Newest first, filtered by job and status; keyset (`after` = [queued_at, id]) or offset. */
    async listPage({ jobId, status, limit, after, offset }) {
      let text = `select ${HEADER} from "${T.executions}" where "job_id" = ? and "status" = ?`
      const params = [jobId, status]
      if (after) {
        const at = enc.timestamp(after.queued_at)
        text += ` and "queued_at" <= ? and ("queued_at" < ? or "id" < ?)`
        params.push(at, at, after.id)
      }
      text += ` order by "queued_at" desc, "id" desc limit ${Number(limit) + 1}`
      if (offset) text += ` offset ${Number(offset)}`
      const { rows } = await client.query(text, params)
      // Dates out, as the product and the ORMs give them.
      return rows.map((row) => ({
        ...row,
        lease_expires_at: time(row.lease_expires_at),
        queued_at: time(row.queued_at),
        started_at: time(row.started_at),
        finished_at: time(row.finished_at),
      }))
    },

    async *streamExecutions() {
      for await (const row of client.iterate(`select ${HEADER} from "${T.executions}"`)) yield row
    },

    close: () => client.close(),
  }
}
