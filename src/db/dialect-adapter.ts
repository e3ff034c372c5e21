import type { CreateTableBuilder, Dialect, Kysely, RawBuilder } from 'kysely'
import type { EngineName } from '../config/database-url.js'
import type { DatabaseConfig } from '../config/store-config.js'
import type { PersistenceError } from '../errors.js'
import type { DatabaseDiagnostics } from './adapter-diagnostics.js'
import type { FailedStatement } from './error-mapping.js'
import type { CompiledStatements } from './speed/compiled-statements.js'
import type { BulkCopy } from './speed/bulk-write.js'

/** Column types that differ between engines, as raw SQL for Kysely's schema builder. */
export interface ColumnTypes {
  /** UTC time with millisecond precision. */
  readonly timestamp: RawBuilder<unknown>
  readonly json: RawBuilder<unknown>
  /** Unbounded text (MySQL: `longtext`). */
  readonly text: RawBuilder<unknown>
  /** A UUID string (36 characters). */
  readonly uuid: RawBuilder<unknown>
  /** A bounded string that can be indexed. */
  readonly string: (length: number) => RawBuilder<unknown>
  readonly bigint: RawBuilder<unknown>
  readonly boolean: RawBuilder<unknown>
  readonly double: RawBuilder<unknown>
}

/** How a migration run changes the schema. */
export interface MigrationLockOptions {
  /**
   * The work may rebuild tables that others reference (SQLite changes a table's
   * constraints by building a new table, copying the rows, dropping the old one and
   * renaming the new one): foreign keys are not enforced while it runs, and are checked
   * before it commits. The servers change constraints in place and ignore this.
   */
  readonly rebuildsTables?: boolean
}

/**
 * Everything that differs between SQLite, PostgreSQL and MySQL lives behind this
 * interface, as capability flags and a few small methods. Repositories ask the
 * adapter; they never test which engine is behind it.
 */
export interface DialectAdapter {
  readonly engine: EngineName
  /** `INSERT … RETURNING` / `UPDATE … RETURNING`. */
  readonly supportsReturning: boolean
  /** DDL inside a transaction rolls back with it. */
  readonly supportsTransactionalDdl: boolean
  /** `SELECT … FOR UPDATE SKIP LOCKED`. */
  readonly supportsSkipLocked: boolean
  /** `INSERT … RETURNING` (also `INSERT … SELECT … RETURNING`): MariaDB has it where MySQL has not. */
  readonly supportsInsertReturning: boolean
  /**
   * Data-modifying statements in `WITH` (PostgreSQL): several writes that depend on each
   * other travel as one statement, atomic without a transaction of their own.
   */
  readonly supportsWritableCte: boolean
  /** `UPDATE a, b SET a.x = …, b.y = … WHERE …` (MySQL): two rows of two tables in one statement. */
  readonly supportsMultiTableUpdate: boolean
  /** The migration lock is itself a write transaction (SQLite): migrations run inside it. */
  readonly migrationLockIsTransaction: boolean
  /** Most bound parameters one statement may carry. */
  readonly maxParameters: number
  readonly types: ColumnTypes
  /** This store's compiled hot statements and their server-side names (see db/speed/). */
  readonly statements: CompiledStatements

  /** Learns what the server needs before anything is compiled (MySQL: MariaDB or MySQL). */
  initialize<DB>(db: Kysely<DB>): Promise<void>
  /** A dialect whose driver honours the pool settings; instrumentation is added by the caller. */
  createDialect(hooks: AdapterHooks): Dialect
  mapError(error: unknown, statement?: FailedStatement): PersistenceError

  /** Adds engine table options (MySQL: InnoDB, utf8mb4, binary collation). */
  tableOptions<B extends CreateTableBuilder<string, string>>(builder: B): B

  /** Runs `work` on one connection while holding the store-wide migration lock. */
  withMigrationLock<DB, T>(db: Kysely<DB>, key: string, work: (db: Kysely<DB>) => Promise<T>, options?: MigrationLockOptions): Promise<T>
  tableExists<DB>(db: Kysely<DB>, table: string): Promise<boolean>
  /** Statements that prepare the namespace before the first migration (PostgreSQL: the schema). */
  prepareNamespace<DB>(db: Kysely<DB>): Promise<void>
  /**
   * Gives the space of deleted rows back after a large delete (retention). SQLite:
   * `incremental_vacuum` and a WAL checkpoint, so the file shrinks; the servers reuse
   * freed pages on their own (autovacuum, InnoDB purge), so they do nothing here.
   */
  reclaimSpace<DB>(db: Kysely<DB>): Promise<void>
  /** The engine's version, one round trip's time and the settings `etlp doctor` checks, as the database reports them. */
  diagnostics<DB>(db: Kysely<DB>): Promise<DatabaseDiagnostics>
  /**
   * `table` for a FROM clause, told to use one of `indexes` (full index names) where the
   * engine's planner needs telling: MySQL/MariaDB and SQLite may walk an equality's index
   * and filter away rows instead of entering the order index that serves every equality
   * at a keyset cursor. PostgreSQL ignores it.
   */
  fromWithIndexes(table: string, indexes: readonly string[]): string | RawBuilder<unknown>

  /**
   * Whole milliseconds from the timestamp column `from` to the bound instant `to`, never
   * below 0 (NULL where `from` is NULL): an execution's duration computed by the statement
   * that finishes it.
   */
  elapsedMs(from: RawBuilder<unknown>, to: unknown): RawBuilder<number>
  encodeTimestamp(date: Date): Date | string
  decodeTimestamp(value: unknown): Date
  encodeJson(value: unknown): unknown
  decodeJson(value: unknown): unknown
  encodeBoolean(value: boolean): unknown
  decodeBoolean(value: unknown): boolean
  /**
   * A faster way than multi-row INSERTs to write large batches (PostgreSQL: `COPY … FROM
   * STDIN`), taken by `writeEach` (speed/bulk-write.ts) from its `minRows` on; absent where
   * the multi-row INSERT is the fastest path (SQLite, MySQL).
   */
  readonly bulkCopy?: BulkCopy
}

export interface AdapterHooks {
  readonly config: DatabaseConfig
}

export function decodeJsonText(value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return JSON.parse(value)
  if (Buffer.isBuffer(value)) return JSON.parse(value.toString('utf8'))
  return value
}
