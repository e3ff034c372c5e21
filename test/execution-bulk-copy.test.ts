import Database from 'better-sqlite3'
import { sql } from 'kysely'
import { afterEach, beforeAll, expect, it, vi } from 'vitest'
import type { QueryEvent } from '../src/config/store-config.js'
import { ConstraintError, PersistenceError, ValidationError } from '../src/errors.js'
import { appendEvents, recordComponentRuns } from '../src/repositories/execution-bulk-writes.js'
import type { ComponentRunInput, ComponentRun, EventInput, ExecutionEvent } from '../src/schema/execution-schemas.js'
import { Store } from '../src/store.js'
import { describeEngines } from './helpers/engines.js'
import { createJob, openExecutionStore } from './helpers/execution-store.js'

/** In every batch's data, never in a key: an error or an onQuery event that shows it carries the rows. */
const MARKER = 'payload-marker-7f3a'

/** Texts that COPY's text format must escape or could misread, and text from outside ASCII. */
const AWKWARD = ['tab\there', 'line\nbreak', 'carriage\rreturn', 'back\\slash', '\\N', '\\.', 'ünïcødé ✓ 日本語 🚀', '', ' lead and trail ', 'a\\tb']

function awkwardRuns(count: number, prefix = 'c'): ComponentRunInput[] {
  return Array.from({ length: count }, (_, i) => {
    const text = AWKWARD[i % AWKWARD.length] as string
    const run: ComponentRunInput = {
      component_name: `${prefix}${i} ${text}`,
      status: i % 7 === 0 ? 'FAILED' : 'SUCCEEDED',
      lines_received: i,
      lines_forwarded: i * 2,
      error_count: i % 3,
      processing_ms: i + 0.125,
      ...(i % 4 === 0
        ? {}
        : { started_at: new Date(Date.UTC(2026, 0, 31, 23, 59, 59, i % 1000)), finished_at: new Date(Date.UTC(2026, 1, 1, 0, 0, 0, 1 + (i % 998))) }),
      // Every fifth run has no metrics: NULL, not the text `null`.
      ...(i % 5 === 0 ? {} : { metrics: { text, marker: MARKER, nested: { list: [1, 'two', null, { deep: text }], flag: i % 2 === 0 }, ratio: i / 3 } }),
    }
    return run
  })
}

function awkwardEvents(count: number): EventInput[] {
  return Array.from({ length: count }, (_, i) => {
    const text = AWKWARD[i % AWKWARD.length] as string
    return {
      level: i % 3 === 0 ? 'warning' : 'info',
      message: `event ${i}: ${text}`,
      ...(i % 2 === 0 ? { component_name: `comp ${text || 'x'}` } : {}),
      at: new Date(Date.UTC(2026, 0, 1, 12, 0, 0, i % 1000)),
      ...(i % 5 === 0 ? {} : { data: { text, marker: MARKER, nested: [{ a: text }, [null, true, 1.5]] } }),
    }
  })
}

/** Runs as read back, without what differs between two attempts, in component order. */
function comparableRuns(runs: readonly ComponentRun[] | undefined): unknown[] {
  return (runs ?? []).map(({ attempt_id: _attempt, execution_id: _execution, ...rest }) => rest).sort((a, b) => (a.component_name < b.component_name ? -1 : 1))
}

/** Events as read back, without their ids and execution, in log order. */
function comparableEvents(events: readonly ExecutionEvent[] | undefined): unknown[] {
  return (events ?? []).map(({ id: _id, execution_id: _execution, ...rest }) => rest)
}

/** `items` in calls of `size` (to write a batch below the COPY threshold). */
async function inCallsOf<T>(items: readonly T[], size: number, write: (part: readonly T[]) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < items.length; start += size) await write(items.slice(start, start + size))
}

/** A COPY or INSERT into `table` (quoted as PostgreSQL, SQLite or MySQL quote it). */
function statementWrites(text: string, table: string): boolean {
  return new RegExp(`^(copy|insert into) ["\`]?${table}["\`]? `, 'i').test(text)
}

describeEngines('bulk component runs and events', (target) => {
  let store: Store
  const events: QueryEvent[] = []
  /** Rows from which PostgreSQL copies; on the other engines no batch copies, and the sizes below still apply. */
  let copyFrom = 200

  beforeAll(async () => {
    store = await openExecutionStore(target(), { onQuery: (event) => events.push(event) })
    copyFrom = Store.context(store).adapter.bulkCopy?.minRows ?? copyFrom
  })
  afterEach(() => {
    vi.restoreAllMocks()
  })

  const runningAttempt = async () => {
    const execution = await store.executions.start({ jobId: await createJob(store) })
    return { executionId: execution.id, attemptId: (await store.executions.startAttempt(execution.id)).id }
  }
  const countRuns = async (attemptId: string) => {
    const context = Store.context(store)
    const { rows } = await sql<{ n: unknown }>`select count(*) as n from ${sql.table(context.table('component_runs'))} where attempt_id = ${attemptId}`.execute(
      context.db,
    )
    return Number(rows[0]?.n)
  }
  /** The statements `work` ran that write to `table` (COPY or INSERT), as onQuery saw them. */
  const writesTo = async (table: string, work: () => Promise<unknown>) => {
    const from = events.length
    await work()
    const name = Store.context(store).table(table)
    return events.slice(from).filter((event) => statementWrites(event.sql, name))
  }

  it('writes a large batch of runs in one COPY on PostgreSQL, reading back what smaller calls write', async () => {
    const runs = awkwardRuns(copyFrom * 3)
    const large = await runningAttempt()
    const written = await writesTo('component_runs', () => store.executions.recordComponentRuns(large.attemptId, runs))
    if (target().engine === 'postgres') {
      expect(written.map((event) => event.sql.split(' ')[0])).toEqual(['copy'])
      expect(written[0]?.rowCount).toBe(runs.length)
    } else {
      expect(written.length > 0 && written.every((event) => event.sql.startsWith('insert into'))).toBe(true)
    }

    const small = await runningAttempt()
    const smallWrites = await writesTo('component_runs', () =>
      inCallsOf(runs, copyFrom - 1, (part) => store.executions.recordComponentRuns(small.attemptId, part)),
    )
    expect(smallWrites.every((event) => event.sql.startsWith('insert into'))).toBe(true)

    const read = async (executionId: string) => (await store.executions.get(executionId, { include: { componentRuns: true } })).component_runs
    const copied = await read(large.executionId)
    expect(copied).toHaveLength(runs.length)
    expect(comparableRuns(copied)).toEqual(comparableRuns(await read(small.executionId)))
    const first = copied?.find((run) => run.component_name === 'c1 line\nbreak')
    expect(first).toMatchObject({ started_at: new Date(Date.UTC(2026, 0, 31, 23, 59, 59, 1)), metrics: { text: 'line\nbreak' } })
    expect(copied?.find((run) => run.component_name === 'c4 \\N')?.metrics).toEqual({
      text: '\\N',
      marker: MARKER,
      nested: { list: [1, 'two', null, { deep: '\\N' }], flag: true },
      ratio: 4 / 3,
    })
    expect(copied?.find((run) => run.component_name === 'c5 \\.')).toMatchObject({ metrics: null, started_at: expect.any(Date) })
    expect(copied?.find((run) => run.component_name.startsWith('c0 '))).toMatchObject({ started_at: null, finished_at: null, metrics: null })
  })

  it('appends a large batch of events in one COPY on PostgreSQL, in order, as smaller calls append them', async () => {
    const batch = awkwardEvents(copyFrom * 2 + 7)
    const large = await runningAttempt()
    const written = await writesTo('execution_events', () => store.executions.appendEvents(large.executionId, batch))
    if (target().engine === 'postgres') expect(written.map((event) => event.sql.split(' ')[0])).toEqual(['copy'])
    else expect(written.length > 0 && written.every((event) => event.sql.startsWith('insert into'))).toBe(true)

    const small = await runningAttempt()
    await inCallsOf(batch, copyFrom - 1, (part) => store.executions.appendEvents(small.executionId, part))

    const read = async (executionId: string) => (await store.executions.get(executionId, { include: { events: { limit: 10_000 } } })).events
    const copied = await read(large.executionId)
    expect(comparableEvents(copied)).toEqual(comparableEvents(await read(small.executionId)))
    expect(copied?.map((event) => event.message)).toEqual(batch.map((event) => event.message))
    expect(copied?.[3]).toMatchObject({ message: 'event 3: back\\slash', component_name: null, at: new Date(Date.UTC(2026, 0, 1, 12, 0, 0, 3)) })
    expect(copied?.[0]).toMatchObject({ component_name: 'comp tab\there', data: null, level: 'warning' })
  })

  it('writes none of a large batch that the database refuses, with a typed error that carries no row', async () => {
    const { attemptId } = await runningAttempt()
    const runs = awkwardRuns(copyFrom * 3)
    // Recorded before: the batch's row 300 is refused by the primary key, midway through.
    await store.executions.recordComponentRuns(attemptId, [{ component_name: runs[300]?.component_name as string }])

    const from = events.length
    const error = await store.executions.recordComponentRuns(attemptId, runs).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ConstraintError)
    expect((error as ConstraintError).constraint_kind).toBe('unique')
    expect(await countRuns(attemptId)).toBe(1)

    // Neither the error nor any onQuery event shows the batch's values.
    const failure = error as PersistenceError
    expect(`${failure.message} ${failure.query ?? ''} ${JSON.stringify(failure.toJSON())}`).not.toContain(MARKER)
    const seen = events.slice(from)
    expect(seen.some((event) => event.error instanceof ConstraintError)).toBe(true)
    for (const event of seen) expect(`${event.sql} ${event.error?.message ?? ''}`).not.toContain(MARKER)
    if (target().engine === 'postgres') expect(seen.find((event) => event.error)?.sql).toMatch(/^copy "?\w*component_runs"? \(.+\) from stdin$/)
  })

  it('still refuses a duplicate inside a large batch, and a bad row in it, before writing anything', async () => {
    const { attemptId } = await runningAttempt()
    const runs = awkwardRuns(copyFrom * 2)
    const twice = [...runs, { ...runs[10], status: 'SUCCEEDED' as const } as ComponentRunInput]
    const duplicate = await store.executions.recordComponentRuns(attemptId, twice).catch((caught: unknown) => caught)
    expect((duplicate as ValidationError).issues[0]?.path).toBe(`runs[${runs.length}].component_name`)
    const bad = runs.map((run, i) => (i === 250 ? { ...run, lines_received: -1 } : run))
    const invalid = await store.executions.recordComponentRuns(attemptId, bad).catch((caught: unknown) => caught)
    expect((invalid as ValidationError).issues[0]?.path).toBe('runs[250].lines_received')
    expect(await countRuns(attemptId)).toBe(0)
  })

  it('inside a caller’s transaction, a refused large batch writes nothing and the transaction goes on', async () => {
    const { attemptId, executionId } = await runningAttempt()
    const runs = awkwardRuns(copyFrom * 3)
    const caught = await Store.context(store).transaction(async (tx) => {
      await recordComponentRuns(tx, attemptId, [{ component_name: runs[7]?.component_name as string }])
      const error = await recordComponentRuns(tx, attemptId, runs).catch((failure: unknown) => failure)
      // The transaction is usable after the refused batch: its savepoint rolled back alone.
      await appendEvents(tx, executionId, awkwardEvents(copyFrom + 1))
      return error
    })
    expect(caught).toBeInstanceOf(ConstraintError)
    expect(await countRuns(attemptId)).toBe(1)
    const detail = await store.executions.get(executionId, { include: { events: { limit: 10_000 } } })
    expect(detail.events).toHaveLength(copyFrom + 1)
  })

  it('inside a caller’s transaction that fails with the refused batch, nothing of the transaction stays', async () => {
    const { attemptId, executionId } = await runningAttempt()
    const runs = awkwardRuns(copyFrom * 3)
    const outcome = Store.context(store).transaction(async (tx) => {
      await appendEvents(tx, executionId, awkwardEvents(copyFrom + 1))
      await recordComponentRuns(tx, attemptId, awkwardRuns(3, 'other'))
      await recordComponentRuns(tx, attemptId, [...runs.slice(0, 50), ...awkwardRuns(3, 'other').slice(0, 1), ...runs.slice(50)])
    })
    await expect(outcome).rejects.toBeInstanceOf(ConstraintError)
    expect(await countRuns(attemptId)).toBe(0)
    expect((await store.executions.get(executionId, { include: { events: true } })).events).toEqual([])
  })
})

describeEngines(
  'bulk component runs without COPY',
  (target) => {
    let store: Store
    const events: QueryEvent[] = []
    beforeAll(async () => {
      store = await openExecutionStore(target(), { onQuery: (event) => events.push(event) })
    })
    afterEach(() => {
      vi.restoreAllMocks()
    })

    const record = async (runs: readonly ComponentRunInput[]) => {
      const execution = await store.executions.start({ jobId: await createJob(store) })
      const { id } = await store.executions.startAttempt(execution.id)
      const from = events.length
      await store.executions.recordComponentRuns(id, runs)
      const table = Store.context(store).table('component_runs')
      return events.slice(from).filter((event) => statementWrites(event.sql, table))
    }

    it('reuses one statement text per chunk size across calls, and on SQLite its prepared statement', async () => {
      const runs = awkwardRuns(7000)
      const first = await record(runs)
      // Two shapes: the full chunk (the parameter limit, or 5,000 rows) and the rest.
      expect(first.length).toBeGreaterThan(1)
      expect(new Set(first.map((event) => event.sql)).size).toBe(2)
      const prepare = vi.spyOn(Database.prototype, 'prepare')
      const second = await record(runs)
      expect(second.map((event) => event.sql)).toEqual(first.map((event) => event.sql))
      // better-sqlite3 hands back the statements it prepared for the first call (MySQL: the
      // server-side statements are named once per connection, see compiled-statements.ts).
      expect(prepare.mock.calls.filter(([source]) => String(source).startsWith('insert into'))).toEqual([])
    })
  },
  ['sqlite', 'mysql'],
)
