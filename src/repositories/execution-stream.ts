import type { ControlledTransaction, Kysely } from 'kysely'
import { planStream, streamWindow, type StreamQuery } from '../query/index.js'
import type { ListedExecution } from '../schema/execution-schemas.js'
import type { StoreContext } from '../store-context.js'
import type { CoreDatabase } from '../tables/core-database.js'
import { executionEntity, withJobIds } from './execution-list.js'
import { EXECUTION_COLUMNS, listedExecutionFromRow } from './execution-rows.js'

/** The first window's rows; each next window is twice as large, up to the last size. */
const FIRST_WINDOW_ROWS = 1000
const MAX_WINDOW_ROWS = 100_000
/** Rows a PostgreSQL cursor fetches per round trip (MySQL and SQLite hand rows over as they come). */
const CURSOR_ROWS = 1000

/**
 * `executions.stream(query)`: the items `list` would return page after page, in the same
 * order, decoded as they arrive, so memory stays flat however many rows there are.
 *
 * The rows come in windows (1,000 rows, then twice as many each time up to 100,000), each
 * one query that starts where the previous one ended, as a `list` cursor does, streamed
 * through Kysely (a pg-cursor on PostgreSQL, a row stream on MySQL, a statement iterator
 * on SQLite). One query over all rows would be simpler, but MariaDB plans it as a sort of
 * the whole table before the first row (a bounded one walks the index, like a list page),
 * and MySQL reads the rest of a broken-off result before its connection serves anyone
 * else: leaving the loop early now costs the rest of one window, not of the table. An
 * order no index serves costs a sort per window: sixteen for a million rows.
 *
 * All windows read one snapshot (a read-only repeatable-read transaction, on SQLite a
 * read transaction), so a row changed meanwhile is seen as it was, and none is seen
 * twice or missed. The transaction, and with it a connection (on SQLite the store's only
 * one), is held until the loop ends, and given back when the loop is left early.
 *
 * `job_name` comes from a scalar subquery (a primary-key lookup per row), so the
 * executions index still drives the scan; a join let MariaDB sort the whole table first.
 */
export async function* streamExecutions(context: StoreContext, query: StreamQuery = {}): AsyncGenerator<ListedExecution> {
  const { adapter } = context
  // Inside a caller's transaction, the windows see what its isolation level shows.
  const trx = context.db.isTransaction ? undefined : await readSnapshot(context.db)
  try {
    const db = trx ?? context.db
    const plan = planStream(executionEntity, adapter, await withJobIds({ ...context, db }, query))
    const base = db
      .selectFrom('executions')
      .select(EXECUTION_COLUMNS)
      .select((eb) => eb.selectFrom('jobs').select('jobs.name').whereRef('jobs.id', '=', 'executions.job_id').as('job_name'))
    let remaining = plan.limit ?? Number.POSITIVE_INFINITY
    let last: Record<string, unknown> | undefined
    for (let size = FIRST_WINDOW_ROWS; remaining > 0; size = Math.min(size * 2, MAX_WINDOW_ROWS)) {
      const window = Math.min(size, remaining)
      let count = 0
      for await (const row of streamWindow(adapter, plan, base, last, window).stream(CURSOR_ROWS)) {
        count++
        last = row
        // Not a spread copy: with one, V8 promoted the rows to the old generation and RSS
        // grew by some 80 MB between full collections.
        yield listedExecutionFromRow(adapter, row)
      }
      if (count < window) break
      remaining -= count
    }
    await trx?.commit().execute()
  } finally {
    // Also releases the connection; a rollback that fails (the connection died) must not
    // hide the error that ended the stream.
    if (trx && !trx.isCommitted)
      await trx
        .rollback()
        .execute()
        .catch(() => {})
  }
}

/** A read-only repeatable-read transaction (SQLite: a deferred `begin`). */
function readSnapshot(db: Kysely<CoreDatabase>): Promise<ControlledTransaction<CoreDatabase>> {
  return db.startTransaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute()
}
