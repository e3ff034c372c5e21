// The floor's database access: the raw driver, as a skilled engineer uses it. Prepared
// statements (cached per SQL text), multi-row inserts, one transaction per operation.
// SQL is written once with `?` placeholders and double-quoted identifiers; this module
// adapts both to the engine. Every statement, begin and commit included, is counted, and
// so is every transaction: an explicit one (begin … commit) or a statement run outside one
// (its own autocommit transaction).
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import copyStreams from 'pg-copy-streams'
import Database from 'better-sqlite3'
import pg from 'pg'
import mysql from 'mysql2/promise'

/** Opens the floor's connection(s) to a provisioned target (see engines.mjs). */
export async function openSqlClient(target, { poolSize = 4 } = {}) {
  switch (target.engine) {
    case 'sqlite':
      return new SqliteClient(target.file)
    case 'postgres':
      return new PostgresClient(target, poolSize)
    case 'mysql':
      return new MysqlClient(target, poolSize)
    default:
      throw new Error(`unknown engine ${target.engine}`)
  }
}

/** How each engine stores the column kinds our migrations declare (see the adapters). */
export function encoders(engine) {
  const text = engine === 'sqlite'
  return {
    timestamp: (date) => (text ? date.toISOString() : date),
    json: (value) => (value === undefined ? null : JSON.stringify(value)),
    boolean: (value) => (engine === 'postgres' ? value : value ? 1 : 0),
  }
}

class SqliteClient {
  engine = 'sqlite'
  count = 0
  transactions = 0
  #db
  #cache = new Map()
  #inTransaction = false

  constructor(file) {
    this.#db = new Database(file, { timeout: 10_000 })
    this.#db.pragma('journal_mode = WAL')
    this.#db.pragma('synchronous = NORMAL')
    this.#db.pragma('foreign_keys = ON')
    this.#db.pragma('busy_timeout = 10000')
    // The log is checkpointed at the size where the product checkpoints it (its default
    // wal_checkpoint_mb, 16 MiB; 4,096 pages of 4 KiB) rather than SQLite's 1,000 pages: at
    // 1,000, W5's 20,000 runs paid a checkpoint inside nearly every commit and the floor
    // wrote 0.7× the product's rows/s (quick run, this machine).
    this.#db.pragma('wal_autocheckpoint = 4096')
    this.#db.pragma(`journal_size_limit = ${16 * 1024 * 1024}`)
  }

  #statement(text) {
    let statement = this.#cache.get(text)
    if (!statement) {
      statement = this.#db.prepare(text)
      this.#cache.set(text, statement)
    }
    return statement
  }

  async query(text, params = []) {
    this.count++
    if (!this.#inTransaction) this.transactions++
    const statement = this.#statement(text)
    if (statement.reader) return { rows: statement.all(params), affected: 0 }
    return { rows: [], affected: statement.run(params).changes }
  }

  /** Rows one at a time, in constant memory. */
  async *iterate(text, params = []) {
    this.count++
    this.transactions++
    yield* this.#statement(text).iterate(params)
  }

  async transaction(work) {
    this.count++
    this.transactions++
    this.#statement('begin immediate').run()
    this.#inTransaction = true
    try {
      const result = await work(this)
      this.count++
      this.#statement('commit').run()
      return result
    } catch (error) {
      this.#db.exec('rollback')
      throw error
    } finally {
      this.#inTransaction = false
    }
  }

  async close() {
    this.#db.close()
  }
}

const names = new Map()
/** pg prepares a statement once per connection when it has a name. */
function statementName(text) {
  let name = names.get(text)
  if (!name) {
    name = `f_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`
    names.set(text, name)
  }
  return name
}

const pgTexts = new Map()
function toPostgres(text) {
  let converted = pgTexts.get(text)
  if (converted === undefined) {
    let n = 0
    converted = text.replace(/\?/g, () => `$${++n}`)
    pgTexts.set(text, converted)
  }
  return converted
}

class PostgresConnection {
  engine = 'postgres'
  #client
  #owner

  constructor(client, owner) {
    this.#client = client
    this.#owner = owner
  }

  async query(text, params = []) {
    this.#owner.count++
    const result = await this.#client.query({ name: statementName(text), text: toPostgres(text), values: params })
    return { rows: result.rows, affected: result.rowCount ?? 0 }
  }

  /** `COPY … FROM STDIN` (text format) fed from `chunks` (strings); one statement. */
  async copyFrom(text, chunks) {
    this.#owner.count++
    const stream = this.#client.query(copyStreams.from(text))
    await pipeline(Readable.from(chunks), stream)
    return stream.rowCount
  }
}

class PostgresClient {
  engine = 'postgres'
  count = 0
  transactions = 0
  #pool

  constructor(target, poolSize) {
    this.#pool = new pg.Pool({
      connectionString: target.url,
      max: poolSize,
      options: `-c search_path=${target.schema}`,
      types: { getTypeParser: (oid, format) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format)) },
    })
  }

  async query(text, params = []) {
    const client = await this.#pool.connect()
    this.transactions++
    try {
      return await new PostgresConnection(client, this).query(text, params)
    } finally {
      client.release()
    }
  }

  /** Rows in batches through a server-side cursor, in constant memory. */
  async *iterate(text, params = [], batch = 1000) {
    const { default: Cursor } = await import('pg-cursor')
    const client = await this.#pool.connect()
    this.count++
    this.transactions++
    try {
      const cursor = client.query(new Cursor(toPostgres(text), params))
      for (;;) {
        const rows = await cursor.read(batch)
        if (rows.length === 0) break
        yield* rows
      }
      await cursor.close()
    } finally {
      client.release()
    }
  }

  async transaction(work) {
    const client = await this.#pool.connect()
    const connection = new PostgresConnection(client, this)
    try {
      this.count++
      this.transactions++
      await client.query('begin')
      const result = await work(connection)
      this.count++
      await client.query('commit')
      return result
    } catch (error) {
      await client.query('rollback').catch(() => {})
      throw error
    } finally {
      client.release()
    }
  }

  async close() {
    await this.#pool.end()
  }
}

const mysqlTexts = new Map()
function toMysql(text) {
  let converted = mysqlTexts.get(text)
  if (converted === undefined) {
    converted = text.replace(/"/g, '`')
    mysqlTexts.set(text, converted)
  }
  return converted
}

class MysqlConnection {
  engine = 'mysql'
  #connection
  #owner

  constructor(connection, owner) {
    this.#connection = connection
    this.#owner = owner
  }

  async query(text, params = []) {
    this.#owner.count++
    // `execute` prepares once per connection and caches the statement.
    const [result] = await this.#connection.execute(toMysql(text), params)
    return Array.isArray(result) ? { rows: result, affected: 0 } : { rows: [], affected: result.affectedRows }
  }
}

class MysqlClient {
  engine = 'mysql'
  count = 0
  transactions = 0
  #pool

  constructor(target, poolSize) {
    this.#pool = mysql.createPool({
      uri: target.url,
      connectionLimit: poolSize,
      timezone: 'Z',
      supportBigNumbers: true,
      maxPreparedStatements: 1000,
    })
    this.#pool.pool.on('connection', (connection) => connection.query("SET time_zone = '+00:00'"))
  }

  async query(text, params = []) {
    this.transactions++
    return new MysqlConnection(this.#pool, this).query(text, params)
  }

  /** Rows streamed off the socket, in constant memory. */
  async *iterate(text, params = []) {
    this.count++
    this.transactions++
    const connection = await this.#pool.getConnection()
    try {
      const stream = connection.connection.query(toMysql(text), params).stream({ highWaterMark: 1000 })
      for await (const row of stream) yield row
    } finally {
      connection.release()
    }
  }

  async transaction(work) {
    const connection = await this.#pool.getConnection()
    try {
      this.count++
      this.transactions++
      await connection.query('begin')
      const result = await work(new MysqlConnection(connection, this))
      this.count++
      await connection.query('commit')
      return result
    } catch (error) {
      await connection.query('rollback').catch(() => {})
      throw error
    } finally {
      connection.release()
    }
  }

  async close() {
    await this.#pool.end()
  }
}

/** `insert into table (cols) values (?, …), (?, …)` in chunks that fit the engine's limits. */
export async function insertRows(connection, table, columns, rows, { maxRows = 5000 } = {}) {
  const limit = connection.engine === 'sqlite' ? 32_766 : 65_535
  const size = Math.max(1, Math.min(maxRows, Math.floor(limit / columns.length)))
  const head = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values `
  const tuple = `(${columns.map(() => '?').join(', ')})`
  for (let start = 0; start < rows.length; start += size) {
    const chunk = rows.slice(start, start + size)
    const params = []
    for (const row of chunk) for (const column of columns) params.push(row[column] ?? null)
    await connection.query(head + Array(chunk.length).fill(tuple).join(', '), params)
  }
  return rows.length
}
