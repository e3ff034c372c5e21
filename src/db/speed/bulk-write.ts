import { insertEach, type StatementTarget } from './prepared-statement.js'

/** Fills `columns.length` parameters of one item from `parameters[at]` on, in `columns` order. @internal */
export type RowWriter<T> = (item: T, parameters: unknown[], at: number) => void

/**
 * An engine's faster way than multi-row INSERTs to write many rows (PostgreSQL: `COPY …
 * FROM STDIN`), from `minRows` rows on. It runs on the target's executor, so inside its
 * transaction and through the same onQuery timing and error mapping as any statement.
 * @internal
 */
export interface BulkCopy {
  /** Fewest rows for which it beats multi-row INSERTs (measured; see the engine's file). */
  readonly minRows: number
  /** Writes `items`, each turned into the values of `columns` by `write` as for `insertEach`. */
  copy<T>(target: StatementTarget, table: string, columns: readonly string[], items: readonly T[], write: RowWriter<T>): Promise<number>
}

/**
 * `insertEach`, or the engine's bulk copy (see `DialectAdapter.bulkCopy`) for a batch of
 * at least its `minRows`: the caller writes each item's values once, whichever path runs.
 * Call it inside a transaction: a half-written batch must roll back.
 * @returns the number of rows written
 * @internal
 */
export function writeEach<T>(target: StatementTarget, table: string, columns: readonly string[], items: readonly T[], write: RowWriter<T>): Promise<number> {
  const copy = target.adapter.bulkCopy
  if (copy !== undefined && items.length >= copy.minRows) return copy.copy(target, table, columns, items, write)
  return insertEach(target, table, columns, items, write)
}
