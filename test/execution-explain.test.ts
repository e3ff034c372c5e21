import { statSync } from 'node:fs'
import { join } from 'node:path'
import {
  CompiledQuery,
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import type { EngineName } from '../src/config/database-url.js'
import { runInTransaction } from '../src/db/transaction.js'
import { insertObjects } from './helpers/insert-objects.js'
import { ExecutionRepository } from '../src/repositories/execution-repository.js'
import { uuidv7 } from '../src/schema/ids.js'
import { Store } from '../src/store.js'
import { recordingExecuted } from './helpers/executed-queries.js'
import { describeEngines, exec } from './helpers/engines.js'
import { createJob, openExecutionStore } from './helpers/execution-store.js'

/**
 * Every `list` query over 200,000 seeded executions is planned with an index (a
 * sequential scan of the executions table fails the test), and purging 90% of them
 * leaves no orphans and, on SQLite, shrinks the file.
 */

const EXECUTIONS = 200_000
const WITH_CHILDREN = 2_000
const DAY = 86_400_000

describeEngines('execution list plans and retention at scale', (target) => {
  let store: Store
  let jobIds: string[]
  let jobName: string
  const now = Date.now()
  const cutoff = new Date(now - 10 * DAY)

  beforeAll(async () => {
    store = await openExecutionStore(target())
    jobIds = []
    for (let i = 0; i < 50; i++) jobIds.push(await createJob(store))
    jobName = (await store.jobs.get(jobIds[7] ?? '')).name
    const context = Store.context(store)
    const { adapter, db } = context
    const statuses = ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'FAILED', 'CANCELLED']
    const rows = Array.from({ length: EXECUTIONS }, (_, i) => {
      // 90% finished more than 10 days ago, 10% within the last 10 days; oldest first.
      const finished = i < EXECUTIONS * 0.9 ? now - 100 * DAY + i * ((89 * DAY) / (EXECUTIONS * 0.9)) : now - 9 * DAY + (i % 1000) * 1000
      // 1% of the recent ones still wait in the queue, so the planner knows the claim's rows.
      const queued = i >= EXECUTIONS * 0.9 && i % 100 === 1
      return {
        id: uuidv7(),
        job_id: jobIds[i % 50],
        job_version: 1,
        environment: ['DEV', 'TEST', 'PROD'][i % 3],
        status: queued ? 'QUEUED' : statuses[i % 10],
        trigger: ['manual', 'schedule', 'api'][i % 3],
        idempotency_key: null,
        worker_id: null,
        lease_expires_at: null,
        lease_ms: null,
        attempt_count: queued ? 0 : 1,
        max_attempts: 1,
        queued_at: adapter.encodeTimestamp(new Date(finished - 60_000)),
        started_at: queued ? null : adapter.encodeTimestamp(new Date(finished - 50_000)),
        finished_at: queued ? null : adapter.encodeTimestamp(new Date(finished)),
        duration_ms: queued ? null : 50_000,
        error_type: null,
        error_message: null,
        updated_at: adapter.encodeTimestamp(new Date(finished)),
      }
    })
    await context.transaction(async (tx) => {
      const table = tx.table('executions')
      for (let i = 0; i < rows.length; i += 20_000) await insertObjects(tx, table, rows.slice(i, i + 20_000))
    })
    // A share of old and new executions own attempts, runs, events and pending state.
    const owners = rows.filter((_, i) => i % (EXECUTIONS / WITH_CHILDREN) === 0)
    const attempts = owners.map((row) => ({
      id: uuidv7(),
      execution_id: row.id,
      attempt_number: 1,
      status: row.status,
      worker_id: 'seed',
      started_at: row.started_at,
      finished_at: row.finished_at,
      error_type: null,
      error_message: null,
      error_details: null,
    }))
    await context.transaction(async (tx) => {
      await insertObjects(
        tx,
        tx.table('execution_payloads'),
        owners.map((row) => ({ execution_id: row.id, params: adapter.encodeJson({}), error_details: null })),
      )
      await insertObjects(tx, tx.table('execution_attempts'), attempts)
      const runs = attempts.flatMap((attempt) =>
        ['read', 'filter', 'write'].map((name) => ({
          attempt_id: attempt.id,
          component_name: name,
          execution_id: attempt.execution_id,
          status: 'SUCCEEDED',
          started_at: null,
          finished_at: null,
          lines_received: 10,
          lines_forwarded: 10,
          error_count: 0,
          processing_ms: 1,
          metrics: null,
        })),
      )
      await insertObjects(tx, tx.table('component_runs'), runs)
      const events = attempts.map((attempt) => ({
        id: uuidv7(),
        execution_id: attempt.execution_id,
        at: attempt.started_at,
        level: 'info',
        component_name: null,
        message: 'seeded',
        data: null,
      }))
      await insertObjects(tx, tx.table('execution_events'), events)
      const pending = attempts.map((attempt, i) => ({
        attempt_id: attempt.id,
        job_id: jobIds[i % 50],
        state_key: 'watermark',
        value: adapter.encodeJson(i),
        updated_at: attempt.started_at,
      }))
      await insertObjects(tx, tx.table('job_state_pending'), pending)
    })
    await analyze(db, target().engine, context.table('executions'))
  }, 300_000)

  const listQueries = (): Record<string, Record<string, unknown>> => ({
    'newest first': {},
    'by job': { where: { column: 'job_id', operator: '==', value: jobIds[7] } },
    'by job name': { where: { column: 'job_name', operator: '==', value: jobName } },
    'by an unknown job name': { where: { column: 'job_name', operator: '==', value: 'no-such-job' } },
    'by status': { where: { column: 'status', operator: '==', value: 'FAILED' } },
    'by environment': { where: { column: 'environment', operator: '==', value: 'PROD' } },
    'by trigger': { where: { column: 'trigger', operator: '==', value: 'api' } },
    'queued in a time range': {
      where: {
        logical_operator: 'AND',
        rules: [
          { column: 'queued_at', operator: '>=', value: new Date(now - 50 * DAY).toISOString() },
          { column: 'queued_at', operator: '<', value: new Date(now - 49 * DAY).toISOString() },
        ],
      },
    },
    'by job and status, next page': {
      where: {
        logical_operator: 'AND',
        rules: [
          { column: 'job_id', operator: '==', value: jobIds[8] },
          { column: 'status', operator: 'in', value: ['FAILED', 'CANCELLED'] },
        ],
      },
      limit: 5,
    },
    'by job and one status': {
      where: {
        logical_operator: 'AND',
        rules: [
          { column: 'job_id', operator: '==', value: jobIds[7] },
          { column: 'status', operator: '==', value: 'SUCCEEDED' },
        ],
      },
      limit: 50,
    },
  })

  it('plans every list query in index order: no sequential scan of executions, no sort', async () => {
    const context = Store.context(store)
    const table = context.table('executions')
    for (const [name, query] of Object.entries(listQueries())) {
      const { next_cursor } = await store.executions.list(query)
      const pages = next_cursor === null ? [query] : [query, { ...query, cursor: next_cursor }]
      for (const page of pages) {
        const compiled = await capturePageQuery(context, page)
        const plan = await explain(context.db, target().engine, compiled)
        expect(badSteps(plan, target().engine, table), `${name}:\n${plan.join('\n')}`).toEqual([])
        if (page !== query) {
          // A next page enters the index at the cursor: its access bounds the first sort key
          // (MariaDB chose to walk a job's or status's whole index prefix from the top instead).
          const access = await cursorAccess(context.db, target().engine, compiled, table)
          expect(access, `${name}, next page:\n${access}`).toMatch(/queued_at/)
          // With a job and a status, on the index that holds both before the order (SQLite
          // chose the job's alone and read every candidate row for its status).
          if (name === 'by job and one status') expect(access, `${name}, next page`).toMatch(/job_status_queued_idx/)
        }
      }
    }
  })

  it('skips the rows before an offset page on an index alone and reads only the page in full', async () => {
    const context = Store.context(store)
    const table = context.table('executions')
    const queries = listQueries()
    const deep: Record<string, Record<string, unknown>> = {
      'newest first': { ...queries['newest first'], offset: 5_000 },
      'by status': { ...queries['by status'], offset: 2_000 },
      'by job and one status': { ...queries['by job and one status'], offset: 2_000 },
    }
    for (const [name, query] of Object.entries(deep)) {
      const compiled = await capturePageQuery(context, query)
      const plan = await explain(context.db, target().engine, compiled)
      const access = offsetAccess(plan, target().engine, table)
      expect(access, `${name}:\n${plan.join('\n')}`).toHaveLength(2)
      const [skip, fetch] = access as [string, string]
      // The keys come from an index that holds every column the filter and the order need.
      expect(skip, `${name}, keys:\n${plan.join('\n')}`).toMatch(
        { sqlite: /USING COVERING INDEX/, postgres: /Index Only Scan/, mysql: /Using index\b/ }[target().engine],
      )
      // The page's rows are then read by their primary key, one at a time.
      expect(fetch, `${name}, rows:\n${plan.join('\n')}`).toMatch(
        { sqlite: /\(id=\?\)/, postgres: /Index Scan using \w+_pkey/, mysql: /^eq_ref PRIMARY/ }[target().engine],
      )
    }
    // The page holds the rows the offset names, with their job names: those a walk by cursor reaches.
    const where = deep['by job and one status']?.where
    let walked: { id: string; job_name: string }[] = []
    let cursor: string | null = null
    while (walked.length < 2_050) {
      const page: Awaited<ReturnType<typeof store.executions.list>> = await store.executions.list({ where, limit: 1000, ...(cursor ? { cursor } : {}) })
      walked = [...walked, ...page.items]
      cursor = page.next_cursor
    }
    const { items } = await store.executions.list({ where, limit: 50, offset: 2_000 })
    expect(items.map(({ id, job_name }) => ({ id, job_name }))).toEqual(walked.slice(2_000, 2_050).map(({ id, job_name }) => ({ id, job_name })))
    expect(new Set(items.map((item) => item.job_name))).toEqual(new Set([jobName]))
  })

  it('plans the claim, reap and purge queries in index order too', async () => {
    const context = Store.context(store)
    const table = context.table('executions')
    const longAgo = new Date(now - 1000 * DAY)
    const work: Record<string, (repository: ExecutionRepository) => Promise<unknown>> = {
      claim: (repository) => repository.claimNext({ workerId: 'explain', leaseMs: 1000 }),
      reap: (repository) => repository.reapExpired(new Date(now)),
      purge: (repository) => repository.purge({ olderThan: longAgo }),
    }
    for (const [name, run] of Object.entries(work)) {
      // PostgreSQL claims in one statement whose candidate is a subquery: that statement is planned whole.
      const reads = (query: CompiledQuery) => /^select .* from [`"]?\w*executions[`"]? /i.test(query.sql) || /^with "claimed" as \(update /i.test(query.sql)
      const compiled = (await captureQueries(context, run)).find(reads)
      if (!compiled) throw new Error(`${name}: no select on executions`)
      const plan = await explain(context.db, target().engine, compiled)
      expect(badSteps(plan, target().engine, table), `${name}:\n${plan.join('\n')}`).toEqual([])
    }
  })

  it('purges 90% of the history in batches, leaving no orphans (and a smaller SQLite file)', async () => {
    const context = Store.context(store)
    const file = target().engine === 'sqlite' ? join(target().dir, 'etl.db') : undefined
    // Measure the data in the main file, not half of it still in the WAL.
    if (file) await exec(context.db, 'pragma wal_checkpoint(TRUNCATE)')
    const before = file ? statSync(file).size : 0
    const report = await store.executions.purge({ olderThan: cutoff, batchSize: 5_000 })
    expect(report.executions).toBe(EXECUTIONS * 0.9)
    expect(report.attempts).toBe(WITH_CHILDREN * 0.9)
    expect(report.component_runs).toBe(WITH_CHILDREN * 0.9 * 3)
    expect(report.pending_state).toBe(WITH_CHILDREN * 0.9)
    expect(report.batches).toBe(Math.ceil((EXECUTIONS * 0.9) / 5_000))
    const left = await context.db
      .selectFrom('executions')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst()
    expect(Number(left?.n)).toBe(EXECUTIONS * 0.1)
    for (const [child, column, parent, parentColumn] of [
      ['execution_attempts', 'execution_id', 'executions', 'id'],
      ['component_runs', 'execution_id', 'executions', 'id'],
      ['execution_events', 'execution_id', 'executions', 'id'],
      ['execution_payloads', 'execution_id', 'executions', 'id'],
      ['job_state_pending', 'attempt_id', 'execution_attempts', 'id'],
    ] as const) {
      const orphans = await context.db
        .selectFrom(child)
        .select((eb) => eb.fn.countAll().as('n'))
        .where(column, 'not in', context.db.selectFrom(parent).select(parentColumn))
        .executeTakeFirst()
      expect(Number(orphans?.n), child).toBe(0)
    }
    if (file) expect(statSync(file).size).toBeLessThan(before * 0.5)
  }, 300_000)
})

/** Runs `list(query)` and returns the page query it sent, compiled with its parameters. */
async function capturePageQuery(context: ReturnType<typeof Store.context>, query: unknown): Promise<CompiledQuery> {
  const executed: CompiledQuery[] = []
  await new ExecutionRepository({ ...context, db: recordingExecuted(context.db, executed) }).list(query)
  const page = executed.find((compiled) => /from [`"]?\w*executions[`"]? /i.test(compiled.sql) && /order by/i.test(compiled.sql))
  if (!page) throw new Error('list() sent no page query')
  return page
}

/** Runs `work` on a repository whose every statement (also inside its transactions) is captured. */
async function captureQueries(
  context: ReturnType<typeof Store.context>,
  work: (repository: ExecutionRepository) => Promise<unknown>,
): Promise<CompiledQuery[]> {
  const seen: RootOperationNode[] = []
  const capture: KyselyPlugin = {
    transformQuery: (args: PluginTransformQueryArgs) => (seen.push(args.node), args.node),
    transformResult: async (args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => args.result,
  }
  const bind = (db: Kysely<any>): ReturnType<typeof Store.context> => ({
    ...context,
    db,
    transaction: (inner, options) => runInTransaction(db, (trx) => inner(bind(trx)), options),
  })
  // The statements compiled once per store run through executeQuery with their values; builder queries through the plugin.
  const executed: CompiledQuery[] = []
  await work(new ExecutionRepository(bind(recordingExecuted(context.db.withPlugin(capture), executed))))
  const executor = context.db.getExecutor()
  return [...executed, ...seen.map((node) => executor.compileQuery(node, { queryId: 'explain' }))]
}

async function analyze(db: Kysely<any>, engine: EngineName, table: string): Promise<void> {
  // VACUUM as autovacuum would have: index-only scans need the visibility map set.
  if (engine === 'postgres') await exec(db, `vacuum analyze "${table}"`)
  else if (engine === 'mysql') await exec(db, `analyze table \`${table}\``)
  else await exec(db, 'analyze')
}

async function explain(db: Kysely<any>, engine: EngineName, query: CompiledQuery): Promise<string[]> {
  const prefix = engine === 'sqlite' ? 'explain query plan ' : 'explain '
  const result = await db.executeQuery(CompiledQuery.raw(prefix + query.sql, [...query.parameters]))
  return (result.rows as Record<string, unknown>[]).map((row) => JSON.stringify(row))
}

/**
 * How the plan reads the executions table: the index condition (PostgreSQL), the SEARCH
 * detail (SQLite), or the index key parts used (MySQL/MariaDB, from the JSON plan).
 */
async function cursorAccess(db: Kysely<any>, engine: EngineName, query: CompiledQuery, table: string): Promise<string> {
  if (engine === 'mysql') {
    const result = await db.executeQuery(CompiledQuery.raw(`explain format=json ${query.sql}`, [...query.parameters]))
    const plan: unknown = JSON.parse(String(Object.values(result.rows[0] as Record<string, unknown>)[0]))
    const access: string[] = []
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(visit)
      else if (typeof node === 'object' && node !== null) {
        const record = node as Record<string, unknown>
        if (record.table_name === table) access.push(`${String(record.access_type)} ${String(record.key)} ${JSON.stringify(record.used_key_parts)}`)
        Object.values(record).forEach(visit)
      }
    }
    visit(plan)
    return access.join('\n')
  }
  const lines = (await explain(db, engine, query)).map((line) => String(Object.values(JSON.parse(line) as Record<string, unknown>).at(-1)))
  if (engine === 'sqlite') return lines.filter((line) => line.includes(` ${table} `)).join('\n')
  // PostgreSQL: the Index Cond right under the scan of the table.
  const scan = lines.findIndex((line) => line.includes(` on ${table} `))
  return scan < 0
    ? ''
    : lines
        .slice(scan, scan + 2)
        .filter((line) => /on |Index Cond/.test(line))
        .join('\n')
}

/**
 * How a deferred-join plan reads the executions table: [finding the page's keys, reading
 * the page's rows]. SQLite and PostgreSQL list the two reads in that order; MySQL marks
 * the first as the DERIVED table's.
 */
function offsetAccess(plan: readonly string[], engine: EngineName, table: string): string[] {
  const rows = plan.map((line) => JSON.parse(line) as Record<string, unknown>)
  switch (engine) {
    case 'sqlite':
      return rows.map((row) => String(row.detail)).filter((detail) => detail.includes(` ${table} `))
    case 'postgres':
      return rows.map((row) => String(Object.values(row)[0])).filter((step) => step.includes(` on ${table} `))
    case 'mysql': {
      const reads = rows
        .filter((row) => row.table === table)
        .map((row) => ({ derived: row.select_type === 'DERIVED', text: `${String(row.type)} ${String(row.key)} ${String(row.Extra ?? '')}` }))
      return [...reads.filter((read) => read.derived), ...reads.filter((read) => !read.derived)].map((read) => read.text)
    }
  }
}

/** The plan steps that read the whole executions table, or sort instead of reading an index in order. */
function badSteps(plan: readonly string[], engine: EngineName, table: string): string[] {
  return plan.filter((line) => {
    const row = JSON.parse(line) as Record<string, unknown>
    switch (engine) {
      case 'postgres': {
        const step = String(Object.values(row)[0])
        return step.includes(`Seq Scan on ${table}`) || /(^|->\s+)(Incremental )?Sort\s+\(/.test(step.trim())
      }
      case 'mysql':
        return (row.table === table && row.type === 'ALL') || String(row.Extra ?? '').includes('Using filesort')
      case 'sqlite':
        return new RegExp(`^SCAN ${table}$`).test(String(row.detail)) || String(row.detail).includes('TEMP B-TREE FOR ORDER BY')
    }
  })
}
