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
  /**
   * A keyset cursor is written as one row-value comparison, `(a, b) < (?, ?)`, which the
   * planner reads as a single index range (PostgreSQL). Elsewhere it is spelled out with
   * `OR`: MariaDB read the row value as an equality lookup on the leading columns and
   * walked them all (a deep page of 1,000,000 executions: 72 ms against 0.34).
   */
  readonly rowValueKeyset: boolean
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
  withMigrationLock<T>(db: Kysely<any>, key: string, work: (db: Kysely<any>) => Promise<T>, options?: MigrationLockOptions): Promise<T>
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
   * engine's planner needs telling: MySQL/MariaDB and SQLite may walk an equality's index
   * and filter away rows instead of entering the order index that serves every equality
   * at a keyset cursor. PostgreSQL ignores it.
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
  if (typeof value === 'string') {
    const millis = isoMillis(value)
    if (millis !== undefined) return new Date(millis)
  }
  return new Date(String(value))
}

/**
 * The time of `YYYY-MM-DDTHH:MM:SS.sssZ`, the form `toISOString` writes and SQLite stores,
 * read field by field: about twice as fast as `Date.parse`, which a page of executions
 * would call 200 times. `undefined` for any other text (it goes to `new Date`).
 */
export function isoMillis(text: string): number | undefined {
  if (text.length !== 24 || text.charCodeAt(19) !== 46 /* . */ || text.charCodeAt(23) !== 90 /* Z */) return undefined
  const time = dateTimeMillis(text, 84 /* T */)
  const millis = digits(text, 20) * 10 + digit(text, 22)
  return time === undefined || millis < 0 ? undefined : time + millis
}

const HOUR_MS = 3_600_000
const FOUR_DIGIT_YEARS = [Date.UTC(1000, 0, 1), Date.UTC(10_000, 0, 1) - 1] as const
let hourPrefix = { hour: Number.NaN, text: '' }

/**
 * `date.toISOString()`, the text SQLite stores, written from a cached
 * `YYYY-MM-DDTHH:` of the hour and the minutes, seconds and milliseconds: 121–139 ns
 * against 975–1,287 ns on Node 20, where `toISOString` took 8 % of an execution's
 * lifecycle (100 run times). Years outside 1000–9999 and invalid dates go to
 * `toISOString` itself.
 */
export function isoText(date: Date): string {
  const time = date.getTime()
  if (!(time >= FOUR_DIGIT_YEARS[0] && time <= FOUR_DIGIT_YEARS[1])) return date.toISOString()
  const hour = Math.floor(time / HOUR_MS)
  if (hour !== hourPrefix.hour) hourPrefix = { hour, text: date.toISOString().slice(0, 14) }
  const rest = time - hour * HOUR_MS
  const minutes = Math.floor(rest / 60_000)
  const seconds = Math.floor(rest / 1000) % 60
  const millis = rest % 1000
  return `${hourPrefix.text}${minutes < 10 ? '0' : ''}${minutes}:${seconds < 10 ? '0' : ''}${seconds}.${millis < 100 ? (millis < 10 ? '00' : '0') : ''}${millis}Z`
}

/**
 * The time of PostgreSQL's text form of a timestamptz, `YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM]`,
 * read field by field (the driver's parser runs a regular expression per value: 14 % of
 * the time of a page of executions). `undefined` for any other text.
 */
export function postgresTimestampMillis(text: string): number | undefined {
  const time = dateTimeMillis(text, 32 /* space */)
  if (time === undefined) return undefined
  let at = 19
  let millis = 0
  if (text.charCodeAt(at) === 46 /* . */) {
    // Up to six fraction digits; the first three are the milliseconds.
    let scale = 100
    while (++at < text.length && at < 26 && digit(text, at) >= 0) {
      millis += digit(text, at) * scale
      scale /= 10
    }
    if (at === 20) return undefined
    millis = Math.floor(millis)
  }
  const sign = text.charCodeAt(at)
  if (sign !== 43 /* + */ && sign !== 45 /* - */) return undefined
  let offset = digits(text, at + 1) * 60
  if (text.length === at + 6 && text.charCodeAt(at + 3) === 58 /* : */) offset += digits(text, at + 4)
  else if (text.length !== at + 3) return undefined
  if (offset < 0) return undefined
  return time + millis - (sign === 43 ? offset : -offset) * 60_000
}

/**
 * `YYYY-MM-DD?HH:MM:SS` at the start of `text` (`?` being `separator`) as UTC milliseconds;
 * `undefined` if it is not that, and for days past the 28th and years before 100, which
 * are left to `Date` (it checks month lengths and reads two-digit years its own way).
 */
function dateTimeMillis(text: string, separator: number): number | undefined {
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== separator) return undefined
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined
  const year = digits(text, 0) * 100 + digits(text, 2)
  const month = digits(text, 5)
  const day = digits(text, 8)
  const hour = digits(text, 11)
  const minute = digits(text, 14)
  const second = digits(text, 17)
  // A non-digit makes its field negative (see `digit`).
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > 28 || hour < 0 || hour > 23) return undefined
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return undefined
  return Date.UTC(year, month - 1, day, hour, minute, second)
}

/** The digit at `at`, or -100000 for any other character: any field holding one is then negative. */
function digit(text: string, at: number): number {
  const value = text.charCodeAt(at) - 48
  return value >= 0 && value <= 9 ? value : -100_000
}

/** Two digits at `at`, as a number (negative when either is not a digit). */
function digits(text: string, at: number): number {
  return digit(text, at) * 10 + digit(text, at + 1)
}

export function decodeJsonText(value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return JSON.parse(value)
  if (Buffer.isBuffer(value)) return JSON.parse(value.toString('utf8'))
  return value
}
