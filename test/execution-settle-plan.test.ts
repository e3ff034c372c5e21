import { randomBytes } from 'node:crypto'
import { CompiledQuery, type Kysely } from 'kysely'
import { expect, it } from 'vitest'
import type { EngineName } from '../src/config/database-url.js'
import { runInTransaction } from '../src/db/transaction.js'
import { ExecutionRepository } from '../src/repositories/execution-repository.js'
import { Store } from '../src/store.js'
import { describeEngines, exec } from './helpers/engines.js'
import { recordingExecuted } from './helpers/executed-queries.js'
import { createJob, openExecutionStore, succeededExecutionRow } from './helpers/execution-store.js'
import { insertObjects } from './helpers/insert-objects.js'

/** Executions with an attempt: well under one histogram bucket of the table (1 % at the default statistics target). */
const ATTEMPTED_EXECUTIONS = 20
const NEWER_EXECUTIONS = 5_000
const DAY = 86_400_000

/**
 * Finishing an attempt reads the attempt and its execution by key. Here, as in the
 * benchmark before W7, every attempt belongs to a few old executions (two days before the
 * rest of the table), and the attempt being settled, like every new one, is newer than the
 * statistics. PostgreSQL estimates where a merge join stops from the largest execution id
 * of the attempts' statistics; that id lies in the first histogram bucket of the executions
 * ids, so the estimate is a few rows of the executions index, and it planned the old
 * attempt-to-execution join as a merge join (cost 1.62 against 9.55 for the nested loop,
 * custom and generic plans alike). The walk runs to the settled attempt's execution, the
 * newest: every row of the table (5,021 here; 458 ms a finish at 1,000,000 executions).
 * The rows are written with past UUIDv7 ids so that the gap is there however fast the
 * machine: when the table's ids follow the attempts' executions closely, the first
 * bucket's bound lies right after them and PostgreSQL can keep the nested loop (it did
 * with 2,695 attempts under 100,000 or 1,000,000 executions written straight after).
 */
describeEngines('settling an attempt at scale', (target) => {
  it('reads one execution row, whatever the statistics say', async () => {
    const store = await openExecutionStore(target())
    const context = Store.context(store)
    const { adapter, db } = context
    const jobId = await createJob(store)
    const at = adapter.encodeTimestamp(new Date())
    const execution = (id: string) => succeededExecutionRow(id, jobId, at)
    const now = Date.now()
    const attempted = Array.from({ length: ATTEMPTED_EXECUTIONS }, (_, i) => execution(uuidv7At(now - 2 * DAY + i)))
    const newer = Array.from({ length: NEWER_EXECUTIONS }, (_, i) => execution(uuidv7At(now - DAY + Math.floor((i * DAY) / NEWER_EXECUTIONS))))
    const attempts = attempted.map((row) => ({
      id: uuidv7At(now - 2 * DAY),
      execution_id: row.id,
      attempt_number: 1,
      status: 'SUCCEEDED',
      worker_id: null,
      started_at: at,
      finished_at: at,
      error_type: null,
      error_message: null,
      error_details: null,
    }))
    await context.transaction(async (tx) => {
      await insertObjects(tx, tx.table('executions'), [...attempted, ...newer])
      await insertObjects(tx, tx.table('execution_attempts'), attempts)
    })
    for (const table of ['executions', 'execution_attempts']) await analyze(db, target().engine, context.table(table))

    const attempt = await store.executions.startAttempt((await store.executions.start({ jobId })).id)
    const executed: CompiledQuery[] = []
    const bind = (on: Kysely<any>): ReturnType<typeof Store.context> => ({
      ...context,
      db: recordingExecuted(on, executed),
      transaction: (inner, options) => runInTransaction(on, (trx) => inner(bind(trx)), options),
    })
    // Settled in a transaction that is rolled back, so the attempt is still RUNNING when each
    // statement is analyzed (PostgreSQL's and MariaDB's ANALYZE run the statement, here inside
    // a transaction rolled back too).
    await rolledBack(db, (trx) => new ExecutionRepository(bind(trx)).finishAttempt(attempt.id, { status: 'SUCCEEDED' }))
    const executions = context.table('executions')
    const settling = executed.filter((query) => query.sql.includes(executions))
    if (settling.length === 0) throw new Error('finishAttempt sent no statement on executions')
    for (const query of settling) {
      // The settled attempt's own execution, found by key: once, or twice where the statement
      // both checks it and updates it (PostgreSQL's CTE). 0 would mean the plan has no node
      // for the table (a changed plan format), not a cheap read.
      const rows = await rolledBack(db, (trx) => rowsReadFrom(trx, target().engine, query, executions))
      expect(rows, query.sql).toBeGreaterThanOrEqual(1)
      expect(rows, query.sql).toBeLessThanOrEqual(2)
    }
  }, 300_000)
})

class RolledBack extends Error {}

/** What `work` returns, its writes undone. */
async function rolledBack<T>(db: Kysely<any>, work: (trx: Kysely<any>) => Promise<T>): Promise<T> {
  let result: { value: T } | undefined
  await runInTransaction(db, async (trx) => {
    result = { value: await work(trx) }
    throw new RolledBack()
  }).catch((error: unknown) => {
    if (!(error instanceof RolledBack)) throw error
  })
  if (!result) throw new Error('rolledBack: no result')
  return result.value
}

async function analyze(db: Kysely<any>, engine: EngineName, table: string): Promise<void> {
  await exec(db, engine === 'mysql' ? `analyze table \`${table}\`` : `analyze ${table}`)
}

/**
 * How many rows of `table` running `query` reads: measured by PostgreSQL's and MariaDB's
 * ANALYZE; on SQLite, 1 for a keyed SEARCH and all of them for a SCAN. 0 when the plan
 * has no node for the table.
 */
async function rowsReadFrom(db: Kysely<any>, engine: EngineName, query: CompiledQuery, table: string): Promise<number> {
  const analyzed = { postgres: 'explain (analyze, format json) ', mysql: 'analyze format=json ', sqlite: 'explain query plan ' }[engine]
  const result = await db.executeQuery(CompiledQuery.raw(analyzed + query.sql, [...query.parameters]))
  if (engine === 'sqlite') {
    const details = (result.rows as Array<{ detail: string }>).map((row) => row.detail).filter((detail) => detail.includes(` ${table}`))
    return details.some((detail) => detail.startsWith('SCAN')) ? ATTEMPTED_EXECUTIONS + NEWER_EXECUTIONS : details.length > 0 ? 1 : 0
  }
  const value = Object.values(result.rows[0] as Record<string, unknown>)[0]
  const plan: unknown = typeof value === 'string' ? JSON.parse(value) : value
  let rows = 0
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit)
    else if (typeof node === 'object' && node !== null) {
      const record = node as Record<string, unknown>
      // The rows scans read; an UPDATE's ModifyTable node counts what it wrote.
      if (record['Relation Name'] === table && record['Node Type'] !== 'ModifyTable')
        rows += Number(record['Actual Rows']) * Number(record['Actual Loops'] ?? 1)
      // MariaDB reads a `const` table (one row by its primary key) while optimizing: no r_rows.
      // It names a table by its alias (the two-table UPDATE's `e`).
      if (record.table_name === table || (record.table_name === 'e' && /^update /i.test(query.sql)))
        rows += record.access_type === 'const' ? Number(record.rows) : Number(record.r_rows ?? 0) * Number(record.r_loops ?? 1)
      Object.values(record).forEach(visit)
    }
  }
  visit(plan)
  return rows
}

/** A UUIDv7 of instant `ms`, which may be in the past (the store's generator never goes back). */
function uuidv7At(ms: number): string {
  const hex = `${ms.toString(16).padStart(12, '0')}7${randomBytes(2).toString('hex').slice(1)}8${randomBytes(8).toString('hex').slice(1)}`
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
