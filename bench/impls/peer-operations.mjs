// What both ORMs do, written once over a tiny facade, so that each ORM's file holds
// only its idiom: how it maps tables, runs a transaction, inserts, selects and updates.
// `orm` provides: transaction(work(tx)), insert(tx, table, rows), increment(tx, table, where, column), findOne(tx, table, where),
// findMany(table, where, order), update(tx, table, where, set) → affected count, count(table, where),
// page(table, {where, after, offset, limit}), scan(table, {after, limit}).
import { jobRows } from '../lib/job-graph.mjs'
import { auditRow } from '../lib/audit.mjs'

/** ORMs take Dates and objects and encode them through their column types. */
const natural = { timestamp: (date) => date, json: (value) => value, boolean: (value) => value }

export function peerOperations(orm, { newId, chunk }) {
  return {
    async saveJob(config) {
      const rows = jobRows(config, natural, newId)
      await orm.transaction(async (tx) => {
        await orm.insert(tx, 'jobs', [rows.job])
        await orm.insert(tx, 'job_versions', [{ ...rows.version, config: JSON.parse(rows.version.config) }])
        await orm.insert(tx, 'components', rows.components)
        await orm.insert(tx, 'component_links', rows.links)
        await orm.increment(tx, 'audit_head', { id: 1 }, 'seq')
        const head = await orm.findOne(tx, 'audit_head', { id: 1 })
        const entry = auditRow(head, { action: 'jobs.create', entityType: 'job', entityId: rows.job.id, after: rows.header })
        await orm.insert(tx, 'audit_log', [entry])
        await orm.update(tx, 'audit_head', { id: 1 }, { hash: entry.hash })
      })
      return rows.job.id
    },

    async loadJob(id) {
      const job = await orm.findOne(null, 'jobs', { id })
      const components = await orm.findMany('components', { job_id: id }, ['position'])
      const links = await orm.findMany('component_links', { job_id: id }, ['src_component_id', 'out_port', 'position'])
      const names = new Map(components.map((c) => [c.id, c.name]))
      return { job, components, links: links.map((l) => ({ ...l, src: names.get(l.src_component_id), dst: names.get(l.dst_component_id) })) }
    },

    /** With an idempotency key, a second start returns the first execution (as the product's does). */
    async start(jobId, params, { idempotencyKey = null } = {}) {
      if (idempotencyKey !== null) {
        const existing = await orm.findOne(null, 'executions', { idempotency_key: idempotencyKey })
        if (existing) return existing.id
      }
      const now = new Date()
      const id = newId()
      await orm.transaction(async (tx) => {
        const job = await orm.findOne(tx, 'jobs', { id: jobId })
        await orm.insert(tx, 'executions', [
          {
            id,
            job_id: jobId,
            job_version: job.current_version,
            environment: null,
            status: 'QUEUED',
            trigger: 'manual',
            idempotency_key: idempotencyKey,
            worker_id: null,
            lease_expires_at: null,
            lease_ms: null,
            attempt_count: 0,
            max_attempts: Number(job.num_of_retries) + 1,
            queued_at: now,
            started_at: null,
            finished_at: null,
            duration_ms: null,
            error_type: null,
            error_message: null,
            updated_at: now,
          },
        ])
        await orm.insert(tx, 'execution_payloads', [{ execution_id: id, params, error_details: null }])
      })
      return id
    },

    async startAttempt(executionId, workerId = null) {
      const now = new Date()
      const id = newId()
      await orm.transaction(async (tx) => {
        const execution = await orm.findOne(tx, 'executions', { id: executionId })
        const number = Number(execution.attempt_count) + 1
        const affected = await orm.update(
          tx,
          'executions',
          { id: executionId, status: 'QUEUED' },
          {
            status: 'RUNNING',
            attempt_count: number,
            worker_id: workerId,
            started_at: execution.started_at ?? now,
            updated_at: now,
          },
        )
        if (affected !== 1) throw new Error(`execution ${executionId} is not QUEUED`)
        await orm.insert(tx, 'execution_attempts', [
          {
            id,
            execution_id: executionId,
            attempt_number: number,
            status: 'RUNNING',
            worker_id: workerId,
            started_at: now,
            finished_at: null,
            error_type: null,
            error_message: null,
            error_details: null,
          },
        ])
      })
      return id
    },

    async recordRuns(attemptId, runs) {
      return orm.transaction(async (tx) => {
        const attempt = await orm.findOne(tx, 'execution_attempts', { id: attemptId })
        if (attempt?.status !== 'RUNNING') throw new Error(`attempt ${attemptId} is not running`)
        const rows = runs.map((run) => ({ ...run, attempt_id: attemptId, execution_id: attempt.execution_id }))
        for (let start = 0; start < rows.length; start += chunk) await orm.insert(tx, 'component_runs', rows.slice(start, start + chunk))
        return rows.length
      })
    },

    async finishAttempt(attemptId) {
      const now = new Date()
      await orm.transaction(async (tx) => {
        const attempt = await orm.findOne(tx, 'execution_attempts', { id: attemptId })
        const ended = await orm.update(tx, 'execution_attempts', { id: attemptId, status: 'RUNNING' }, { status: 'SUCCEEDED', finished_at: now })
        if (ended !== 1) throw new Error(`attempt ${attemptId} is not running`)
        const pending = await orm.findMany('job_state_pending', { attempt_id: attemptId }, [], tx)
        if (pending.length > 0) throw new Error('the benchmark sets no job state')
        const execution = await orm.findOne(tx, 'executions', { id: attempt.execution_id })
        const done = await orm.update(
          tx,
          'executions',
          { id: attempt.execution_id, status: 'RUNNING' },
          {
            status: 'SUCCEEDED',
            finished_at: now,
            duration_ms: now.getTime() - new Date(execution.started_at).getTime(),
            worker_id: null,
            lease_expires_at: null,
            updated_at: now,
          },
        )
        if (done !== 1) throw new Error(`execution ${attempt.execution_id} is not running`)
      })
    },

    listPage({ jobId, status, limit, after, offset }) {
      return orm.page('executions', { where: { job_id: jobId, status }, after, offset, limit: limit + 1 })
    },

    /** Page 1 and the filter's count: two statements, as both ORMs write it. */
    async listPageWithTotal({ jobId, status, limit }) {
      const where = { job_id: jobId, status }
      const items = await orm.page('executions', { where, limit: limit + 1 })
      return { items, total: await orm.count('executions', where) }
    },

    /** Keyset pages over the whole table: neither ORM streams on every engine here. */
    async *streamExecutions() {
      let after
      for (;;) {
        const rows = await orm.scan('executions', { after, limit: 5000 })
        yield* rows
        if (rows.length < 5000) return
        const last = rows.at(-1)
        after = { queued_at: last.queued_at, id: last.id }
      }
    },
  }
}
