import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { sql } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import { ConnectionError, ValidationError } from '../src/errors.js'
import { insertObjects } from './helpers/insert-objects.js'
import type { ListedExecution } from '../src/repositories/execution-list.js'
import { uuidv7 } from '../src/schema/ids.js'
import { Store } from '../src/store.js'
import { describeEngines, exec, type EngineTarget } from './helpers/engines.js'
import { createJob, openExecutionStore } from './helpers/execution-store.js'

/**
 * `executions.stream` over 200,000 executions: the items and order of `list`, flat
 * memory, one snapshot, and a connection that comes back however the loop ends.
 */

setFlagsFromString('--expose-gc')
const collect = runInNewContext('gc') as () => void

const EXECUTIONS = 200_000
/** Holding every row would take well over 100 MB of live heap. */
const MAX_GROWTH = 25 * 1024 * 1024
const STATUSES = ['SUCCEEDED', 'FAILED', 'QUEUED', 'SUCCEEDED', 'RUNNING', 'CANCELLED', 'SUCCEEDED'] as const
const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED'])

function liveHeap(): number {
  collect()
  return process.memoryUsage().heapUsed
}

async function collectStream(stream: AsyncIterable<ListedExecution>): Promise<ListedExecution[]> {
  const items: ListedExecution[] = []
  for await (const item of stream) items.push(item)
  return items
}

async function listAll(store: Store, query: Record<string, unknown>): Promise<ListedExecution[]> {
  const items: ListedExecution[] = []
  let cursor: string | null = null
  do {
    const page = await store.executions.list({ ...query, limit: 1000, ...(cursor ? { cursor } : {}) })
    items.push(...page.items)
    cursor = page.next_cursor
  } while (cursor)
  return items
}

/** Rows in threes with the same queue time (the id breaks the tie), seven statuses, three environments. */
function executionRows(store: Store, jobIds: readonly string[], count: number, startMs: number) {
  const { adapter } = Store.context(store)
  return Array.from({ length: count }, (_, i) => {
    const status = STATUSES[i % STATUSES.length] ?? 'SUCCEEDED'
    const queued = startMs + Math.floor(i / 3) * 1000
    const finished = FINISHED.has(status)
    return {
      id: uuidv7(),
      job_id: jobIds[i % jobIds.length],
      job_version: 1,
      environment: ['DEV', 'TEST', 'PROD'][i % 3],
      status,
      trigger: 'api',
      idempotency_key: null,
      worker_id: status === 'RUNNING' ? 'w1' : null,
      lease_expires_at: null,
      lease_ms: null,
      attempt_count: status === 'QUEUED' ? 0 : 1,
      max_attempts: 1,
      queued_at: adapter.encodeTimestamp(new Date(queued)),
      started_at: status === 'QUEUED' ? null : adapter.encodeTimestamp(new Date(queued + 200)),
      finished_at: finished ? adapter.encodeTimestamp(new Date(queued + 500)) : null,
      duration_ms: finished ? 300 : null,
      error_type: status === 'FAILED' ? 'boom' : null,
      error_message: status === 'FAILED' ? 'it broke' : null,
      updated_at: adapter.encodeTimestamp(new Date(queued)),
    }
  })
}

async function insertExecutions(store: Store, rows: Record<string, unknown>[]): Promise<void> {
  await Store.context(store).transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += 20_000) await insertObjects(tx, tx.table('executions'), rows.slice(i, i + 20_000))
  })
}

/** SQLite: whether another connection still holds a read transaction on the file (a checkpoint cannot finish). */
async function sqliteReaderOpen(target: EngineTarget): Promise<boolean> {
  const rows = (await exec(target.raw().db, 'pragma wal_checkpoint(TRUNCATE)')) as Array<{ busy: number }>
  return rows[0]?.busy !== 0
}

describeEngines('execution stream', (target) => {
  let store: Store
  let jobIds: string[]
  let jobNames: string[]

  beforeAll(async () => {
    store = await openExecutionStore(target())
    jobIds = []
    for (let i = 0; i < 5; i++) jobIds.push(await createJob(store))
    jobNames = await Promise.all(jobIds.map(async (id) => (await store.jobs.get(id)).name))
    await insertExecutions(store, executionRows(store, jobIds, EXECUTIONS, Date.UTC(2026, 0, 1)))
  }, 300_000)

  it('streams every execution newest first in flat memory', async () => {
    const { db } = Store.context(store)
    const counted = await db
      .selectFrom('executions')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    const base = liveHeap()
    let peak = 0
    let count = 0
    let previous: ListedExecution | undefined
    for await (const execution of store.executions.stream()) {
      if (previous) {
        const newer = previous.queued_at.getTime() - execution.queued_at.getTime()
        expect(newer > 0 || (newer === 0 && previous.id > execution.id), `${previous.id} before ${execution.id}`).toBe(true)
      }
      previous = execution
      if (++count % 20_000 === 0) peak = Math.max(peak, liveHeap() - base)
    }
    expect(count).toBe(Number(counted.n))
    expect(peak).toBeLessThan(MAX_GROWTH)
  }, 120_000)

  it('yields the items of list, in its order, across windows and ties', async () => {
    const queries: Record<string, unknown>[] = [
      {
        where: {
          logical_operator: 'AND',
          rules: [
            { column: 'job_name', operator: '==', value: jobNames[1] },
            { column: 'status', operator: 'in', value: ['FAILED', 'CANCELLED'] },
          ],
        },
      },
      // NULLs last: the later windows start inside the run of executions not finished yet.
      {
        where: {
          logical_operator: 'AND',
          rules: [
            { column: 'job_id', operator: '==', value: jobIds[2] },
            { column: 'status', operator: 'in', value: ['QUEUED', 'RUNNING', 'FAILED'] },
          ],
        },
        order_by: 'finished_at',
      },
      {
        where: {
          logical_operator: 'AND',
          rules: [
            { column: 'environment', operator: '==', value: 'PROD' },
            { column: 'status', operator: '==', value: 'FAILED' },
          ],
        },
        order_by: [{ column: 'job_id' }, '-queued_at'],
      },
    ]
    for (const query of queries) {
      const listed = await listAll(store, query)
      expect(listed.length).toBeGreaterThan(7000)
      expect(await collectStream(store.executions.stream(query))).toEqual(listed)
    }
    expect(new Set((await collectStream(store.executions.stream(queries[0]))).map((item) => item.job_name))).toEqual(new Set([jobNames[1]]))
  }, 120_000)

  it('stops after limit rows, the first rows of the full order', async () => {
    const first = await collectStream(store.executions.stream({ limit: 2500 }))
    expect(first).toHaveLength(2500)
    expect(first.slice(0, 1000)).toEqual((await store.executions.list({ limit: 1000 })).items)
    expect(first.at(-1)?.id).toBe((await store.executions.list({ limit: 1, offset: 2499 })).items[0]?.id)
    expect(await collectStream(store.executions.stream({ where: { column: 'job_name', operator: '==', value: 'no such job' } }))).toEqual([])
  })

  it('gives the one pooled connection back when the loop ends early, by break or by throw', async () => {
    const single = await target().open({ database: { pool_size: 1, max_overflow: 0, pool_timeout: 5 } })
    let seen = 0
    for await (const _execution of single.executions.stream()) if (++seen === 10) break
    expect(seen).toBe(10)
    expect((await single.executions.list({ limit: 1 })).items).toHaveLength(1)
    if (target().engine === 'sqlite') expect(await sqliteReaderOpen(target())).toBe(false)

    const thrown = new Error('stop')
    const caught = await (async () => {
      for await (const _execution of single.executions.stream()) throw thrown
    })().catch((error: unknown) => error)
    expect(caught).toBe(thrown)
    expect((await single.executions.list({ limit: 1 })).items).toHaveLength(1)

    // A bad query is refused before any row, and leaves the connection free too.
    await expect(collectStream(single.executions.stream({ where: { column: 'nope', operator: '==', value: 1 } }))).rejects.toMatchObject({
      error_type: 'validation_error',
      issues: [{ path: 'where.column' }],
    })
    expect(await collectStream(single.executions.stream({ limit: 3 }))).toHaveLength(3)
  })

  it('reports a stream left early to onQuery, with the rows it gave', async () => {
    const events: { sql: string; rowCount: number }[] = []
    const observed = await target().open({ onQuery: (event) => events.push(event) })
    await observed.executions.list({ limit: 1 })
    const before = events.length
    let seen = 0
    for await (const _execution of observed.executions.stream()) if (++seen === 10) break
    const streamed = events.slice(before).filter((event) => /^select/i.test(event.sql))
    expect(streamed).toHaveLength(1)
    expect(streamed[0]?.rowCount).toBeGreaterThanOrEqual(10)
  })

  it('runs on the transaction it is called in', async () => {
    const streamed = await store.transaction(async (tx) => collectStream(tx.executions.stream({ limit: 5 })))
    expect(streamed).toEqual((await store.executions.list({ limit: 5 })).items)
  })

  it('reads one snapshot: changes made while it runs are not seen', async () => {
    const job = await createJob(store)
    await insertExecutions(store, executionRows(store, [job], 2500, Date.UTC(2025, 0, 1)))
    const query = { where: { column: 'job_id', operator: '==', value: job } } as const
    const before = await listAll(store, query)
    const [oldest, secondOldest] = [before.at(-1), before.at(-2)]
    const writer = await target().open()
    const { db } = Store.context(writer)

    const seen: ListedExecution[] = []
    for await (const execution of store.executions.stream(query)) {
      seen.push(execution)
      if (seen.length !== 10) continue
      // The rows changed here come in the last window, read long after these writes.
      await db
        .updateTable('executions')
        .set({ status: 'CANCELLED', worker_id: null })
        .where('id', '=', oldest?.id ?? '')
        .execute()
      await db
        .deleteFrom('executions')
        .where('id', '=', secondOldest?.id ?? '')
        .execute()
      await insertExecutions(writer, executionRows(writer, [job], 1, Date.UTC(2024, 0, 1)))
    }
    expect(seen).toEqual(before)
    const after = await listAll(store, query)
    expect(after).toHaveLength(before.length)
    expect(after.at(-2)).toMatchObject({ id: oldest?.id, status: 'CANCELLED' })
    if (target().engine === 'sqlite') expect(await sqliteReaderOpen(target())).toBe(false)
  })

  it('refuses paging options and a bad limit with their paths', async () => {
    for (const [query, path] of [
      [{ cursor: 'abc' }, 'cursor'],
      [{ offset: 10 }, 'offset'],
      [{ limit: 0 }, 'limit'],
      [{ order_by: 'nope' }, 'order_by'],
    ] as const) {
      const error = await collectStream(store.executions.stream(query as never)).catch((caught: unknown) => caught)
      expect(error, path).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).issues[0]?.path).toBe(path)
    }
  })
})

describeEngines(
  'execution stream on a connection the server kills',
  (target) => {
    it('ends with a typed connection_error, and the pool serves the next call', async () => {
      const store = await openExecutionStore(target(), { database: { pool_size: 1, max_overflow: 0 } })
      const jobId = await createJob(store)
      await insertExecutions(store, executionRows(store, [jobId], 20_000, Date.UTC(2026, 0, 1)))
      const { db } = Store.context(store)
      const postgres = target().engine === 'postgres'
      const backend = await (postgres ? sql<{ id: number }>`select pg_backend_pid() as id` : sql<{ id: number }>`select connection_id() as id`).execute(db)
      const id = Number(backend.rows[0]?.id)

      let seen = 0
      const error = await (async () => {
        for await (const _execution of store.executions.stream()) {
          if (++seen === 10) await exec(target().raw().db, postgres ? `select pg_terminate_backend(${id})` : `kill ${id}`)
        }
      })().catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(ConnectionError)
      expect(seen).toBeLessThan(20_000)
      expect((await store.executions.list({ limit: 1 })).items).toHaveLength(1)
    })
  },
  ['postgres', 'mysql'],
)
