import { CompiledQuery } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import { ExecutionRepository } from '../src/repositories/execution-repository.js'
import { JobRepository } from '../src/repositories/job-repository.js'
import { uuidv7 } from '../src/schema/ids.js'
import { Store } from '../src/store.js'
import { recordingExecuted } from './helpers/executed-queries.js'
import { describeEngines } from './helpers/engines.js'
import { createJob, openExecutionStore, succeededExecutionRow } from './helpers/execution-store.js'
import { insertObjects } from './helpers/insert-objects.js'

/**
 * `total: true` counts the whole filter in the page statement, on every engine, and in a
 * count statement of its own only where the page has no row to carry it. The total never
 * depends on the offset or the cursor: it is every row the filter matches.
 */

const JOBS = 30
const EXECUTIONS = 120

type Listed = { items: Record<string, unknown>[]; total?: number; next_cursor: string | null }

describeEngines('list pages with their total', (target) => {
  let store: Store
  let jobIds: string[]

  beforeAll(async () => {
    store = await openExecutionStore(target())
    const { adapter, table } = Store.context(store)
    const base = Date.UTC(2025, 0, 1)
    const rows = Array.from({ length: JOBS }, (_, i) => ({
      id: uuidv7(),
      name: `total_job_${String(i).padStart(3, '0')}`,
      description: null,
      strategy_type: ['row', 'bulk', 'bigdata'][i % 3],
      num_of_retries: i % 4,
      file_logging: adapter.encodeBoolean(false),
      tags: null,
      current_version: 1,
      content_hash: '0'.repeat(64),
      component_count: 0,
      created_at: adapter.encodeTimestamp(new Date(base + i * 1000)),
      updated_at: adapter.encodeTimestamp(new Date(base + i * 1000)),
      created_by: null,
      updated_by: null,
    }))
    await Store.context(store).transaction((tx) => insertObjects(tx, table('jobs'), rows))
    jobIds = [await createJob(store), await createJob(store)]
    const executions = Array.from({ length: EXECUTIONS }, (_, i) =>
      succeededExecutionRow(uuidv7(), jobIds[i % 2] as string, adapter.encodeTimestamp(new Date(base + Math.floor(i / 2) * 1000)), {
        status: i % 3 === 0 ? 'FAILED' : 'SUCCEEDED',
      }),
    )
    await Store.context(store).transaction((tx) => insertObjects(tx, table('executions'), executions))
  })

  /** Runs `list(query)` on a repository built on a recording executor: its result and the statements it sent. */
  async function recorded(of: 'jobs' | 'executions', query: Record<string, unknown>): Promise<{ page: Listed; statements: CompiledQuery[] }> {
    const statements: CompiledQuery[] = []
    const context = { ...Store.context(store), db: recordingExecuted(Store.context(store).db, statements) }
    const repository = of === 'jobs' ? new JobRepository(context) : new ExecutionRepository(context)
    const page = (await repository.list(query)) as unknown as Listed
    return { page, statements }
  }

  it('counts the whole filter with the page, in one statement', async () => {
    const bulk = { column: 'strategy_type', operator: '==', value: 'bulk' }
    const cases: Array<[query: Record<string, unknown>, total: number, items: number]> = [
      [{ limit: 5, total: true }, JOBS + 2, 5],
      [{ where: bulk, limit: 4, total: true }, JOBS / 3, 4],
      [{ where: bulk, order_by: '-num_of_retries', limit: 20, total: true }, JOBS / 3, JOBS / 3],
      [{ where: bulk, limit: 3, offset: 6, total: true }, JOBS / 3, 3],
    ]
    for (const [query, total, items] of cases) {
      const { page, statements } = await recorded('jobs', query)
      expect(page.total, JSON.stringify(query)).toBe(total)
      expect(page.items, JSON.stringify(query)).toHaveLength(items)
      expect(statements, JSON.stringify(query)).toHaveLength(1)
    }
  })

  it('counts every row of the filter on a cursor page, not only those after the cursor', async () => {
    const where = { column: 'num_of_retries', operator: '>=', value: 2 }
    const matching = Array.from({ length: JOBS }, (_, i) => i % 4).filter((retries) => retries >= 2).length
    let cursor: string | null = null
    const seen: string[] = []
    do {
      const query: Record<string, unknown> = { where, order_by: '-created_at', limit: 4, total: true, ...(cursor ? { cursor } : {}) }
      const { page, statements } = await recorded('jobs', query)
      expect(page.total).toBe(matching)
      expect(statements).toHaveLength(1)
      seen.push(...page.items.map((item) => String(item.id)))
      cursor = page.next_cursor
    } while (cursor)
    expect(new Set(seen).size).toBe(matching)
  })

  it('falls back to a count statement when the page has no row to carry the total', async () => {
    const bulk = { column: 'strategy_type', operator: '==', value: 'bulk' }
    const full = await store.jobs.list({ where: bulk, limit: JOBS / 3 - 1, total: true })
    const last = await store.jobs.list({ where: bulk, limit: 1, cursor: full.next_cursor ?? '' })
    expect(last.next_cursor).toBeNull()
    const cases: Array<[query: Record<string, unknown>, total: number]> = [
      [{ where: bulk, limit: 5, offset: 1000, total: true }, JOBS / 3],
      [{ where: { column: 'name', operator: '==', value: 'no such job' }, total: true }, 0],
    ]
    for (const [query, total] of cases) {
      const { page, statements } = await recorded('jobs', query)
      expect(page.items, JSON.stringify(query)).toEqual([])
      expect(page.total, JSON.stringify(query)).toBe(total)
      expect(statements, JSON.stringify(query)).toHaveLength(2)
    }
    // A cursor whose page is the last one holds rows: it still costs one statement.
    const atLast = await recorded('jobs', { where: bulk, limit: JOBS / 3 - 1, total: true, cursor: full.next_cursor ?? '' })
    expect(atLast.page.items).toHaveLength(1)
    expect(atLast.page.total).toBe(JOBS / 3)
    expect(atLast.statements).toHaveLength(1)
  })

  it('counts executions by the filter on keyset, cursor and offset pages (the offset page finds its keys first)', async () => {
    const [jobId] = jobIds as [string]
    const byJob = { column: 'job_id', operator: '==', value: jobId }
    const failedOfJob = { logical_operator: 'AND', rules: [byJob, { column: 'status', operator: '==', value: 'FAILED' }] }
    const failedOfJobCount = Array.from({ length: EXECUTIONS }, (_, i) => i).filter((i) => i % 2 === 0 && i % 3 === 0).length
    const first = await recorded('executions', { where: byJob, limit: 7, total: true })
    expect(first.page.total).toBe(EXECUTIONS / 2)
    expect(first.statements).toHaveLength(1)
    const second = await recorded('executions', { where: byJob, limit: 7, total: true, cursor: first.page.next_cursor })
    expect(second.page.total).toBe(EXECUTIONS / 2)
    expect(second.page.items.map((item) => item.id)).not.toContain(first.page.items[0]?.id)
    expect(second.statements).toHaveLength(1)
    const offset = await recorded('executions', { where: failedOfJob, limit: 5, offset: 10, total: true })
    expect(offset.page.total).toBe(failedOfJobCount)
    expect(offset.page.items).toHaveLength(5)
    expect(offset.statements).toHaveLength(1)
    const all = await recorded('executions', { limit: 3, offset: 3, total: true })
    expect(all.page.total).toBe(EXECUTIONS)
    expect(all.statements).toHaveLength(1)
  })

  it('counts in an uncorrelated subquery, which the engine evaluates once, not once per row', async () => {
    const { page, statements } = await recorded('jobs', { where: { column: 'strategy_type', operator: '!=', value: 'row' }, limit: 3, total: true })
    expect(page.total).toBe((JOBS / 3) * 2)
    const [statement] = statements as [CompiledQuery]
    const prefix = target().engine === 'sqlite' ? 'explain query plan ' : 'explain '
    const plan = (await Store.context(store).db.executeQuery(CompiledQuery.raw(prefix + statement.sql, [...statement.parameters]))).rows
    const text = JSON.stringify(plan)
    // PostgreSQL: an InitPlan (a SubPlan would run per row); MariaDB: SUBQUERY, not DEPENDENT
    // SUBQUERY; SQLite: SCALAR SUBQUERY, not CORRELATED SCALAR SUBQUERY.
    const once = { postgres: /InitPlan/, mysql: /"select_type":"SUBQUERY"/, sqlite: /SCALAR SUBQUERY/ }[target().engine]
    const perRow = { postgres: /SubPlan/, mysql: /DEPENDENT SUBQUERY/, sqlite: /CORRELATED SCALAR SUBQUERY/ }[target().engine]
    expect(text, text).toMatch(once)
    expect(text, text).not.toMatch(perRow)
  })

  it('hands the decoders rows whose total column never reaches an item', async () => {
    for (const of of ['jobs', 'executions'] as const) {
      const { page } = await recorded(of, { limit: 2, total: true })
      for (const item of page.items) expect(Object.keys(item)).not.toContain('#total')
    }
    const audit = await store.audit.list({ limit: 2, total: true })
    for (const item of audit.items) expect(Object.keys(item)).not.toContain('#total')
  })
})
