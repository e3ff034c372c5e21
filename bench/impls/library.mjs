// etl-persistence itself, through its public API only.
import { product } from '../lib/product.mjs'
import { transactionMeter } from '../lib/transactions.mjs'

export async function openLibrary(target, { poolSize = 4 } = {}) {
  let count = 0
  const meter = transactionMeter()
  const config = {
    ...target.config,
    database: { ...target.config.database, ...(target.engine === 'sqlite' ? {} : { pool_size: poolSize, max_overflow: 0 }) },
    onQuery: (event) => {
      count++
      meter.see(event.sql)
    },
  }
  const store = await product.openStore(config)
  const pageQuery = ({ jobId, status, limit }) => ({
    where: {
      logical_operator: 'AND',
      rules: [
        { column: 'job_id', operator: '==', value: jobId },
        { column: 'status', operator: '==', value: status },
      ],
    },
    limit,
  })

  return {
    name: 'library',
    statements: () => count,
    transactions: meter.count,
    store,

    async migrate() {
      await store.migrate()
    },

    async saveJob(config) {
      const job = await store.jobs.create(config)
      return job.id
    },

    loadJob(id) {
      return store.jobs.get(id, { include: { components: true, links: true } })
    },

    async start(jobId, params, { idempotencyKey } = {}) {
      return (await store.executions.start({ jobId, params, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) })).id
    },
    async startAttempt(executionId, workerId) {
      return (await store.executions.startAttempt(executionId, workerId ? { workerId } : {})).id
    },
    async recordRuns(attemptId, runs) {
      return (await store.executions.recordComponentRuns(attemptId, runs)).written
    },
    async finishAttempt(attemptId) {
      await store.executions.finishAttempt(attemptId, { status: 'SUCCEEDED' })
    },

    /** The product's cursors are opaque: page `page` is reached from the page before it. */
    async pageCursor(query, page) {
      const before = await store.executions.list({ ...pageQuery(query), offset: (page - 2) * query.limit })
      return before.next_cursor
    },
    async listPage(query) {
      const { items } = await store.executions.list({
        ...pageQuery(query),
        ...(query.cursor ? { cursor: query.cursor } : {}),
        ...(query.offset ? { offset: query.offset } : {}),
      })
      return items
    },

    /** Page 1 with the filter's total (`total: true`). */
    async listPageWithTotal(query) {
      const { items, total } = await store.executions.list({ ...pageQuery(query), total: true })
      return { items, total }
    },

    /** `executions.stream()` where the product has it; otherwise keyset pages of `list`. */
    async *streamExecutions() {
      if (typeof store.executions.stream === 'function') {
        yield* store.executions.stream({})
        return
      }
      let cursor
      do {
        const page = await store.executions.list({ limit: 1000, ...(cursor ? { cursor } : {}) })
        yield* page.items
        cursor = page.next_cursor
      } while (cursor)
    },

    close: () => store.close(),
  }
}
