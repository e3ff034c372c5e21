import { insertRows, type StatementTarget } from '../../src/db/speed/prepared-statement.js'

/** Seeds `rows` (objects with the same keys) through the store's multi-row insert. */
export function insertObjects(target: StatementTarget, table: string, rows: readonly Record<string, unknown>[]): Promise<number> {
  const columns = Object.keys(rows[0] ?? {})
  return insertRows(
    target,
    table,
    columns,
    rows.map((row) => columns.map((column) => row[column])),
  )
}
