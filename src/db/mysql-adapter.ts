import mysql from 'mysql2'
import { MysqlDialect, sql, type CreateTableBuilder, type Kysely, type MysqlPool, type RawBuilder } from 'kysely'
import type { DatabaseConfig } from '../config/store-config.js'
import { decodeJsonText, type AdapterHooks, type DialectAdapter } from './dialect-adapter.js'
import { mysqlDiagnostics, type ServerDiagnostics } from './adapter-diagnostics.js'
import { mapDriverError, type FailedStatement } from './error-mapping.js'
import { failStreamsOnDeadConnection } from './mysql-dead-connection.js'
import { CompiledStatements } from './speed/compiled-statements.js'
import { decodeTimestampValue } from './speed/timestamp-codecs.js'

/** MySQL 8 and MariaDB 10.11+. Times are `datetime(3)` in UTC; the session runs in UTC. */
export class MysqlAdapter implements DialectAdapter {
  readonly engine = 'mysql' as const
  readonly supportsReturning = false
  readonly supportsTransactionalDdl = false
  readonly supportsSkipLocked = true
  readonly supportsWritableCte = false
  readonly supportsMultiTableUpdate = true
  /** MariaDB 10.5+; learned by `initialize`. */
  supportsInsertReturning = false
  readonly migrationLockIsTransaction = false
  /** The protocol allows 65,535 placeholders per prepared statement. */
  readonly maxParameters = 65_535
  readonly types = {
    timestamp: sql`datetime(3)`,
    json: sql`longtext`,
    text: sql`longtext`,
    uuid: sql`varchar(36)`,
    string: (length: number) => sql`varchar(${sql.raw(String(length))})`,
    bigint: sql`bigint`,
    boolean: sql`tinyint(1)`,
    double: sql`double`,
  }
  readonly statements = new CompiledStatements()
  readonly #connectionString: string
  #collation: 'utf8mb4_nopad_bin' | 'utf8mb4_0900_bin' = 'utf8mb4_nopad_bin'

  constructor(connectionString: string) {
    this.#connectionString = connectionString
  }

  createDialect({ config }: AdapterHooks) {
    const pool = mysql.createPool({
      uri: this.#connectionString,
      connectionLimit: config.pool_size + config.max_overflow,
      maxIdle: config.pool_size,
      idleTimeout: 30_000,
      waitForConnections: true,
      queueLimit: 0,
      connectTimeout: Math.ceil(config.pool_timeout * 1000),
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: false,
      // JSON columns come back as text on every server (MariaDB has no JSON type). An option,
      // not a typeCast function: one of those takes mysql2 off its compiled row parser
      // (MariaDB, a page of 50 executions: 1.7 ms instead of 1.2).
      jsonStrings: true,
    })
    pool.on('connection', (connection) => {
      // A dropped connection also emits 'error'; the query in flight reports it to the caller.
      connection.on('error', () => {})
      prepareHotStatements(connection, this.statements)
      connection.query("SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'")
    })
    return new MysqlDialect({ pool: new RecyclingPool(pool, config) })
  }

  mapError(error: unknown, statement?: FailedStatement) {
    return mapDriverError('mysql', error, statement)
  }

  /**
   * A binary NO PAD collation, so names compare exactly as on the other engines (with
   * `utf8mb4_bin`, which pads, `'orders'` and `'orders '` are equal). MariaDB and MySQL 8
   * name it differently.
   */
  async initialize<DB>(db: Kysely<DB>): Promise<void> {
    const { rows } = await sql<{ version: string }>`select version() as version`.execute(db)
    const mariadb = /mariadb/i.test(rows[0]?.version ?? '')
    this.#collation = mariadb ? 'utf8mb4_nopad_bin' : 'utf8mb4_0900_bin'
    this.supportsInsertReturning = mariadb
  }

  tableOptions<B extends CreateTableBuilder<string, string>>(builder: B): B {
    return builder.modifyEnd(sql`engine = InnoDB default charset = utf8mb4 collate = ${sql.raw(this.#collation)}`) as B
  }

  /** `GET_LOCK`, held on one connection for the whole run. */
  withMigrationLock<DB, T>(db: Kysely<DB>, key: string, work: (db: Kysely<DB>) => Promise<T>): Promise<T> {
    return db.connection().execute(async (connection) => {
      const name = sql`sha1(concat(database(), ':', ${key}))`
      const { rows } = await sql<{ got: number | null }>`select get_lock(${name}, 600) as got`.execute(connection)
      if (rows[0]?.got !== 1) throw new Error('Could not take the migration lock within 600 s')
      try {
        return await work(connection)
      } finally {
        await sql`select release_lock(${name})`.execute(connection)
      }
    })
  }

  async tableExists<DB>(db: Kysely<DB>, table: string): Promise<boolean> {
    const result = await sql`select 1 from information_schema.tables
      where table_schema = database() and table_name = ${table}`.execute(db)
    return result.rows.length > 0
  }

  async prepareNamespace(): Promise<void> {}

  /** InnoDB's purge thread reuses freed pages; `OPTIMIZE TABLE` would lock and copy the table. */
  async reclaimSpace(): Promise<void> {}

  diagnostics<DB>(db: Kysely<DB>): Promise<ServerDiagnostics> {
    return mysqlDiagnostics(db)
  }

  /**
   * `FORCE INDEX`: MariaDB walked a job's or a status's whole index prefix and filtered
   * instead of entering the order index at the cursor. Measured 2026-12-03 on MariaDB,
   * 1,000,000 executions seeded as the benchmark seeds them, median of 9 rounds of 100
   * pages of 50 on a loaded machine: job+status page 1,000 by cursor 3.1 ms with it against
   * 499 ms without, page 2 4.0 against 4.7, page 1 3.1 against 4.0. The names are the
   * migrations' (test/order-index-names.test.ts), so a hint never names a missing index.
   */
  fromWithIndexes(table: string, indexes: readonly string[]): string | RawBuilder<unknown> {
    if (indexes.length === 0) return table
    return sql`${sql.table(table)} force index (${sql.join(indexes.map((name) => sql.id(name)))})`
  }

  elapsedMs(from: RawBuilder<unknown>, to: unknown): RawBuilder<number> {
    return sql<number>`greatest(0, timestampdiff(microsecond, ${from}, ${to}) div 1000)`
  }
  encodeTimestamp(date: Date): Date | string {
    return date
  }
  decodeTimestamp(value: unknown): Date {
    return decodeTimestampValue(value)
  }
  encodeJson(value: unknown): unknown {
    return value === undefined ? null : JSON.stringify(value)
  }
  decodeJson(value: unknown): unknown {
    return decodeJsonText(value)
  }
  encodeBoolean(value: boolean): unknown {
    return value ? 1 : 0
  }
  decodeBoolean(value: unknown): boolean {
    return value === 1 || value === true || value === '1'
  }
}

type PoolConnection = Parameters<Parameters<MysqlPool['getConnection']>[0]>[1] & { destroy(): void }

/** mysql2 has no maximum connection age: connections older than `pool_recycle` are retired here. */
class RecyclingPool implements MysqlPool {
  readonly #pool: mysql.Pool
  readonly #maxAgeMs: number
  readonly #born = new WeakMap<object, number>()

  constructor(pool: mysql.Pool, config: DatabaseConfig) {
    this.#pool = pool
    this.#maxAgeMs = config.pool_recycle * 1000
  }

  getConnection(callback: (error: unknown, connection: PoolConnection) => void): void {
    this.#pool.getConnection((error, connection) => {
      if (error) return callback(error, connection as unknown as PoolConnection)
      const now = Date.now()
      const born = this.#born.get(connection)
      if (born === undefined) {
        this.#born.set(connection, now)
        failStreamsOnDeadConnection(connection as never)
      } else if (now - born > this.#maxAgeMs) {
        connection.destroy()
        return this.getConnection(callback)
      }
      callback(null, connection as unknown as PoolConnection)
    })
  }

  end(callback: (error: unknown) => void): void {
    this.#pool.end(callback)
  }
}

/**
 * Kysely sends every statement as text with the values interpolated by the client; the
 * hot writes (see speed/prepared-statement.ts) go through `execute` instead, which the
 * connection prepares on the server once and then binds. Reads stay on the text
 * protocol: MariaDB answered the hot point reads slower through `execute` (measured with
 * bench/phases, 0.9 ms text vs 1.5 ms binary for a primary-key read).
 */
function prepareHotStatements(connection: { query: unknown; execute: unknown }, statements: CompiledStatements): void {
  const query = (connection.query as (...args: unknown[]) => unknown).bind(connection)
  const execute = (connection.execute as (...args: unknown[]) => unknown).bind(connection)
  connection.query = (text: unknown, values?: unknown, callback?: unknown) =>
    typeof text === 'string' && typeof callback === 'function' && !text.startsWith('select') && statements.serverStatementName(text) !== undefined
      ? execute(text, values, callback)
      : query(text, values, callback)
}
