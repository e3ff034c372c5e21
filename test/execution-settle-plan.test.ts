import { CompiledQuery, type Kysely } from 'kysely'
import { expect, it } from 'vitest'
import type { EngineName } from '../src/config/database-url.js'
import { runInTransaction } from '../src/db/transaction.js'
import { ExecutionRepository } from '../src/repositories/execution-repository.js'
import { uuidv7 } from '../src/schema/ids.js'
import { Store } from '../src/store.js'
import { describeEngines, exec } from './helpers/engines.js'
import { recordingExecuted } from './helpers/executed-queries.js'
import { createJob, openExecutionStore } from './helpers/execution-store.js'
import { insertObjects } from './helpers/insert-objects.js'

const NEWER_EXECUTIONS = 100_000

/**
 * Finishing an attempt reads the attempt and its execution by key. The statistics here
 * are those of a store whose attempts all belong to older executions than most of the
 * table (the benchmark's W7 after seeding): PostgreSQL planned the attempt-to-execution
 * join of that read as a merge join over the whole executions index (458 ms a finish
 * at 1,000,000 executions).
 */
describeEngines('settling an attempt at scale', (target) => {
  it('reads one execution row, whatever the statistics say', async () => {
    const store = await openExecutionStore(target())
    const context = Store.context(store)
    const { adapter, db } = context
    const jobId = await createJob(store)
    for (let i = 0; i < 200; i++) {
      const attempt = await store.executions.startAttempt((await store.executions.start({ jobId })).id)
      await store.executions.finishAttempt(attempt.id, { status: 'SUCCEEDED' })
    }
    const at = adapter.encodeTimestamp(new Date())
    const newer = Array.from({ length: NEWER_EXECUTIONS }, () => ({
      id: uuidv7(), job_id: jobId, job_version: 1, environment: null, status: 'SUCCEEDED', trigger: 'manual', idempotency_key: null,
      worker_id: null, lease_expires_at: null, lease_ms: null, attempt_count: 1, max_attempts: 1, queued_at: at, started_at: at,
      finished_at: at, duration_ms: 0, error_type: null, error_message: null, updated_at: at,
    }))
    await context.transaction(async (tx) => {
      for (let i = 0; i < newer.length; i += 10_000) await insertObjects(tx, tx.table('executions'), newer.slice(i, i + 10_000))
    })
    for (const table of ['executions', 'execution_attempts']) await analyze(db, target().engine, context.table(table))

    const attempt = await store.executions.startAttempt((await store.executions.start({ jobId })).id)
    const executed: CompiledQuery[] = []
    const bind = (on: Kysely<any>): ReturnType<typeof Store.context> => ({
      ...context,
      db: recordingExecuted(on, executed),
      transaction: (inner, options) => runInTransaction(on, (trx) => inner(bind(trx)), options),
    })
    await new ExecutionRepository(bind(db)).finishAttempt(attempt.id, { status: 'SUCCEEDED' })
    const settle = executed.find((query) => /^select/i.test(query.sql) && query.sql.includes('attempt_status'))
    if (!settle) throw new Error('finishAttempt sent no settle query')
    expect(await rowsReadFrom(db, target().engine, settle, context.table('executions')), settle.sql).toBeLessThanOrEqual(1)
  }, 300_000)
})

async function analyze(db: Kysely<any>, engine: EngineName, table: string): Promise<void> {
  await exec(db, engine === 'mysql' ? `analyze table \`${table}\`` : `analyze ${table}`)
}

/**
 * How many rows of `table` running `query` reads: measured by PostgreSQL's and MariaDB's
 * ANALYZE; on SQLite, 1 for a keyed SEARCH and all of them for a SCAN.
 */
async function rowsReadFrom(db: Kysely<any>, engine: EngineName, query: CompiledQuery, table: string): Promise<number> {
  const analyzed = { postgres: 'explain (analyze, format json) ', mysql: 'analyze format=json ', sqlite: 'explain query plan ' }[engine]
  const result = await db.executeQuery(CompiledQuery.raw(analyzed + query.sql, [...query.parameters]))
  if (engine === 'sqlite') {
    const details = (result.rows as Array<{ detail: string }>).map((row) => row.detail).filter((detail) => detail.includes(` ${table}`))
    return details.some((detail) => detail.startsWith('SCAN')) ? NEWER_EXECUTIONS : details.length > 0 ? 1 : 0
  }
  const value = Object.values(result.rows[0] as Record<string, unknown>)[0]
  const plan: unknown = typeof value === 'string' ? JSON.parse(value) : value
  let rows = 0
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit)
    else if (typeof node === 'object' && node !== null) {
      const record = node as Record<string, unknown>
      if (record['Relation Name'] === table) rows += Number(record['Actual Rows']) * Number(record['Actual Loops'] ?? 1)
      if (record.table_name === table) rows += Number(record.r_rows ?? 0) * Number(record.r_loops ?? 1)
      Object.values(record).forEach(visit)
    }
  }
  visit(plan)
  return rows
}
