import type { CreateTableBuilder, Dialect, Kysely, RawBuilder } from 'kysely'
import type { EngineName } from '../config/database-url.js'
import type { DatabaseConfig } from '../config/store-config.js'
import type { PersistenceError } from '../errors.js'
import type { FailedStatement } from './error-mapping.js'

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
  /** The migration lock is itself a write transaction (SQLite): migrations run inside it. */
  readonly migrationLockIsTransaction: boolean
  /** Most bound parameters one statement may carry. */
  readonly maxParameters: number
  readonly types: ColumnTypes

  /** Learns what the server needs before anything is compiled (MySQL: MariaDB or MySQL). */
  initialize(db: Kysely<any>): Promise<void>
  /** A dialect whose driver honours the pool settings; instrumentation is added by the caller. */
  createDialect(hooks: AdapterHooks): Dialect
  mapError(error: unknown, statement?: FailedStatement): PersistenceError

  /** Adds engine table options (MySQL: InnoDB, utf8mb4, binary collation). */
  tableOptions<B extends CreateTableBuilder<any, any>>(builder: B): B

  /** Runs `work` on one connection while holding the store-wide migration lock. */
  withMigrationLock<T>(db: Kysely<any>, key: string, work: (db: Kysely<any>) => Promise<T>): Promise<T>
  tableExists(db: Kysely<any>, table: string): Promise<boolean>
  /** Statements that prepare the namespace before the first migration (PostgreSQL: the schema). */
  prepareNamespace(db: Kysely<any>): Promise<void>
  /**
   * Gives the space of deleted rows back after a large delete (retention). SQLite:
   * `incremental_vacuum` and a WAL checkpoint, so the file shrinks; the servers reuse
   * freed pages on their own (autovacuum, InnoDB purge), so they do nothing here.
   */
  reclaimSpace(db: Kysely<any>): Promise<void>
  /**
   * `table` for a FROM clause, told to use one of `indexes` (full index names) where the
   * engine's planner needs telling: MySQL/MariaDB may walk an equality's index and filter
   * away rows instead of entering an order index at a keyset cursor. Others ignore it.
   */
  fromWithIndexes(table: string, indexes: readonly string[]): string | RawBuilder<unknown>

  encodeTimestamp(date: Date): unknown
  decodeTimestamp(value: unknown): Date
  encodeJson(value: unknown): unknown
  decodeJson(value: unknown): unknown
  encodeBoolean(value: boolean): unknown
  decodeBoolean(value: unknown): boolean
}

export interface AdapterHooks {
  readonly config: DatabaseConfig
}

export function decodeTimestampValue(value: unknown): Date {
  if (value instanceof Date) return value
  if (typeof value === 'number') return new Date(value)
  return new Date(String(value))
}

export function decodeJsonText(value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return JSON.parse(value)
  if (Buffer.isBuffer(value)) return JSON.parse(value.toString('utf8'))
  return value
}
