import type { Kysely } from 'kysely'
import type { DialectAdapter } from '../db/dialect-adapter.js'

/** Keeps one statement (and MySQL's packet) a sensible size even when parameters would allow more. */
const MAX_ROWS_PER_STATEMENT = 5_000

/**
 * Inserts `rows` in as few statements as the engine's parameter limit allows. Call it
 * inside a transaction: Kysely does not chunk, and a half-written batch must roll back.
 * @internal
 */
export async function insertChunked(
  db: Kysely<any>,
  adapter: DialectAdapter,
  table: string,
  rows: readonly Record<string, unknown>[],
): Promise<number> {
  const first = rows[0]
  if (!first) return 0
  const columns = Object.keys(first).length
  const size = Math.max(1, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(adapter.maxParameters / columns)))
  for (let start = 0; start < rows.length; start += size) {
    await db
      .insertInto(table)
      .values(rows.slice(start, start + size) as Record<string, unknown>[])
      .execute()
  }
  return rows.length
}
