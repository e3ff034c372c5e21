import pg from 'pg'
import { PostgresDialect, sql, type CreateTableBuilder, type Kysely, type RawBuilder } from 'kysely'
import type { AdapterHooks, DialectAdapter } from './dialect-adapter.js'
import { postgresDiagnostics, type ServerDiagnostics } from './adapter-diagnostics.js'
import { mapDriverError, type FailedStatement } from './error-mapping.js'
import { PostgresCursor } from './postgres-cursor.js'
import { isCopyFromStdin, PostgresBulkCopy, runCopyFromStdin } from './postgres-copy.js'
import { CompiledStatements } from './speed/compiled-statements.js'
import { decodeTimestampValue, postgresTimestampMillis } from './speed/timestamp-codecs.js'

const INT8_OID = 20
const TIMESTAMPTZ_OID = 1184

const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (text: string) => unknown

/**
 * Counts come back as numbers, not strings; NUMERIC stays a string (exact). Timestamps
 * are read by `postgresTimestampMillis`; what it does not read (infinity, BC) goes to
 * the driver's own parser.
 */
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value)
    if (oid === TIMESTAMPTZ_OID && format !== 'binary') {
      return (value: string) => {
        const millis = postgresTimestampMillis(value)
        return millis === undefined ? parseTimestamptz(value) : new Date(millis)
      }
    }
    return pg.types.getTypeParser(oid, format as 'text')
  },
}

export class PostgresAdapter implements DialectAdapter {
  readonly engine = 'postgres' as const
  readonly supportsReturning = true
  readonly supportsTransactionalDdl = true
  readonly supportsSkipLocked = true
  readonly supportsInsertReturning = true
  readonly supportsWritableCte = true
  readonly supportsMultiTableUpdate = false
  readonly migrationLockIsTransaction = false
  readonly maxParameters = 65_535
  readonly types = {
    timestamp: sql`timestamptz(3)`,
    json: sql`jsonb`,
    text: sql`text`,
    uuid: sql`varchar(36)`,
    string: (length: number) => sql`varchar(${sql.raw(String(length))})`,
    bigint: sql`bigint`,
    boolean: sql`boolean`,
    double: sql`double precision`,
  }
  readonly statements = new CompiledStatements()
  readonly bulkCopy = new PostgresBulkCopy()
  readonly #connectionString: string
  readonly #schema: string | undefined

  constructor(connectionString: string, schema: string | undefined) {
    this.#connectionString = connectionString
    this.#schema = schema
  }

  createDialect({ config }: AdapterHooks) {
    const pool = new pg.Pool({
      connectionString: this.#connectionString,
      max: config.pool_size + config.max_overflow,
      connectionTimeoutMillis: Math.ceil(config.pool_timeout * 1000),
      maxLifetimeSeconds: Math.ceil(config.pool_recycle),
      idleTimeoutMillis: 30_000,
      types: typeParsers,
      ...(this.#schema ? { options: `-c search_path=${this.#schema}` } : {}),
    })
    // A connection the server drops is reported as an event as well as to the query in
    // flight: the query's error is the one callers see; the pool replaces the connection.
    pool.on('error', () => {})
    pool.on('connect', (client) => {
      client.on('error', () => {})
      prepareHotStatements(client, this.statements)
    })
    return new PostgresDialect({ pool, cursor: PostgresCursor })
  }

  mapError(error: unknown, statement?: FailedStatement) {
    return mapDriverError('postgres', error, statement)
  }

  async initialize(): Promise<void> {}

  tableOptions<B extends CreateTableBuilder<string, string>>(builder: B): B {
    return builder
  }

  /** A session advisory lock, held on one connection for the whole run. */
  withMigrationLock<DB, T>(db: Kysely<DB>, key: string, work: (db: Kysely<DB>) => Promise<T>): Promise<T> {
    const lockKey = `${this.#schema ?? 'public'}:${key}`
    return db.connection().execute(async (connection) => {
      await sql`select pg_advisory_lock(hashtext(${lockKey}))`.execute(connection)
      try {
        return await work(connection)
      } finally {
        await sql`select pg_advisory_unlock(hashtext(${lockKey}))`.execute(connection)
      }
    })
  }

  async tableExists<DB>(db: Kysely<DB>, table: string): Promise<boolean> {
    const result = await sql`select 1 from information_schema.tables
      where table_schema = ${this.#schema ?? sql`current_schema()`} and table_name = ${table}`.execute(db)
    return result.rows.length > 0
  }

  async prepareNamespace<DB>(db: Kysely<DB>): Promise<void> {
    if (this.#schema) await sql`create schema if not exists ${sql.id(this.#schema)}`.execute(db)
  }

  /** Batched deletes leave dead tuples that autovacuum reclaims; a `VACUUM FULL` would lock the table. */
  async reclaimSpace(): Promise<void> {}

  diagnostics<DB>(db: Kysely<DB>): Promise<ServerDiagnostics> {
    return postgresDiagnostics(db)
  }

  /** The planner enters the order index at the cursor by itself. */
  fromWithIndexes(table: string): string {
    return table
  }

  /** `extract(epoch …)` is numeric (exact) on PostgreSQL 14+, double before: rounded either way. `greatest` skips NULLs: hence the `case`. */
  elapsedMs(from: RawBuilder<unknown>, to: unknown): RawBuilder<number> {
    const ms = sql`round(extract(epoch from (cast(${to} as timestamptz) - ${from})) * 1000)`
    return sql<number>`case when ${from} is null then null else cast(greatest(0, ${ms}) as bigint) end`
  }
  encodeTimestamp(date: Date): Date | string {
    return date
  }
  decodeTimestamp(value: unknown): Date {
    return decodeTimestampValue(value)
  }
  /** Always a string: `pg` would turn a JS array into a PostgreSQL array. */
  encodeJson(value: unknown): unknown {
    return value === undefined ? null : JSON.stringify(value)
  }
  decodeJson(value: unknown): unknown {
    return value ?? null
  }
  encodeBoolean(value: boolean): unknown {
    return value
  }
  decodeBoolean(value: unknown): boolean {
    return value === true
  }
}

/**
 * Kysely runs every statement unnamed, so PostgreSQL parses and plans it each time; the
 * hot statements (see speed/prepared-statement.ts) run as named statements instead, which the
 * connection prepares once.
 */
function prepareHotStatements(client: pg.PoolClient, statements: CompiledStatements): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown
  ;(client as { query: unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    // Kysely's connection hands every statement to `client.query` as text and values; a
    // COPY needs the stream protocol, run here on this same client (see postgres-copy.ts).
    if (isCopyFromStdin(config, values)) return runCopyFromStdin(query, config as string, values[0])
    const name = typeof config === 'string' && callback === undefined ? statements.serverStatementName(config) : undefined
    return name === undefined ? query(config, values, callback) : query({ name, text: config, values })
  }
}
