// The same work, done idiomatically with Drizzle ORM over the product's tables.
import { and, asc, count as countAll, desc, eq, lt, or, sql } from 'drizzle-orm'
import Database from 'better-sqlite3'
import pg from 'pg'
import mysql from 'mysql2/promise'
import { TABLES, table } from '../lib/tables.mjs'
import { peerOperations } from './peer-operations.mjs'
import { transactionMeter } from '../lib/transactions.mjs'

async function columnBuilders(engine) {
  if (engine === 'sqlite') {
    const c = await import('drizzle-orm/sqlite-core')
    const isoTime = c.customType({
      dataType: () => 'text',
      toDriver: (value) => (value instanceof Date ? value.toISOString() : value),
      fromDriver: (value) => new Date(value),
    })
    return {
      define: c.sqliteTable,
      primaryKey: c.primaryKey,
      kinds: {
        uuid: (n) => c.text(n),
        string: (n) => c.text(n),
        text: (n) => c.text(n),
        int: (n) => c.integer(n),
        bigint: (n) => c.integer(n),
        double: (n) => c.real(n),
        bool: (n) => c.integer(n, { mode: 'boolean' }),
        ts: (n) => isoTime(n),
        json: (n) => c.text(n, { mode: 'json' }),
      },
    }
  }
  if (engine === 'postgres') {
    const c = await import('drizzle-orm/pg-core')
    return {
      define: c.pgTable,
      primaryKey: c.primaryKey,
      kinds: {
        uuid: (n) => c.varchar(n, { length: 36 }),
        string: (n) => c.varchar(n),
        text: (n) => c.text(n),
        int: (n) => c.integer(n),
        bigint: (n) => c.bigint(n, { mode: 'number' }),
        double: (n) => c.doublePrecision(n),
        bool: (n) => c.boolean(n),
        ts: (n) => c.timestamp(n, { withTimezone: true, precision: 3, mode: 'date' }),
        json: (n) => c.jsonb(n),
      },
    }
  }
  const c = await import('drizzle-orm/mysql-core')
  const jsonText = c.customType({ dataType: () => 'longtext', toDriver: (value) => JSON.stringify(value), fromDriver: (value) => JSON.parse(value) })
  return {
    define: c.mysqlTable,
    primaryKey: c.primaryKey,
    kinds: {
      uuid: (n) => c.varchar(n, { length: 36 }),
      string: (n) => c.varchar(n, { length: 1000 }),
      text: (n) => c.longtext(n),
      int: (n) => c.int(n),
      bigint: (n) => c.bigint(n, { mode: 'number' }),
      double: (n) => c.double(n),
      bool: (n) => c.boolean(n),
      ts: (n) => c.datetime(n, { mode: 'date', fsp: 3 }),
      json: (n) => jsonText(n),
    },
  }
}

async function schemaFor(engine) {
  const { define, primaryKey, kinds } = await columnBuilders(engine)
  const schema = {}
  for (const [name, spec] of Object.entries(TABLES)) {
    const columns = Object.fromEntries(Object.entries(spec.columns).map(([column, kind]) => [column, kinds[kind](column)]))
    schema[name] = define(table(name), columns, (t) => (spec.primary.length > 1 ? [primaryKey({ columns: spec.primary.map((column) => t[column]) })] : []))
  }
  return schema
}

export async function openDrizzle(target, { newId, poolSize = 4 } = {}) {
  let count = 0
  const meter = transactionMeter()
  const logger = {
    logQuery: (query) => {
      count++
      meter.see(query)
    },
  }
  const schema = await schemaFor(target.engine)
  let db
  let close
  let affected
  let transaction
  if (target.engine === 'sqlite') {
    const { drizzle } = await import('drizzle-orm/better-sqlite3')
    const client = new Database(target.file, { timeout: 10_000 })
    client.pragma('journal_mode = WAL')
    client.pragma('synchronous = NORMAL')
    client.pragma('foreign_keys = ON')
    db = drizzle(client, { logger })
    close = async () => client.close()
    affected = (result) => result.changes
    // Drizzle's better-sqlite3 transactions are synchronous; this work awaits, so the
    // transaction is opened and closed by hand (BEGIN IMMEDIATE, as the product does).
    transaction = async (work) => {
      db.run(sql`begin immediate`)
      try {
        const result = await work(db)
        db.run(sql`commit`)
        return result
      } catch (error) {
        db.run(sql`rollback`)
        throw error
      }
    }
  } else if (target.engine === 'postgres') {
    const { drizzle } = await import('drizzle-orm/node-postgres')
    const pool = new pg.Pool({ connectionString: target.url, max: poolSize, options: `-c search_path=${target.schema}` })
    db = drizzle(pool, { logger })
    close = () => pool.end()
    affected = (result) => result.rowCount
    transaction = (work) => db.transaction(work)
  } else {
    const { drizzle } = await import('drizzle-orm/mysql2')
    const pool = mysql.createPool({ uri: target.url, connectionLimit: poolSize, timezone: 'Z' })
    db = drizzle(pool, { logger, mode: 'default' })
    close = () => pool.end()
    affected = (result) => result[0].affectedRows
    transaction = (work) => db.transaction(work)
  }

  const whereOf = (t, where) => and(...Object.entries(where).map(([column, value]) => eq(t[column], value)))
  const before = (t, after) => or(lt(t.queued_at, after.queued_at), and(eq(t.queued_at, after.queued_at), lt(t.id, after.id)))
  const orm = {
    transaction,
    insert: (tx, name, rows) => tx.insert(schema[name]).values(rows),
    increment: (tx, name, where, column) =>
      tx
        .update(schema[name])
        .set({ [column]: sql`${schema[name][column]} + 1` })
        .where(whereOf(schema[name], where)),
    async findOne(tx, name, where) {
      const rows = await (tx ?? db).select().from(schema[name]).where(whereOf(schema[name], where)).limit(1)
      return rows[0]
    },
    findMany(name, where, order, tx) {
      const t = schema[name]
      return (tx ?? db)
        .select()
        .from(t)
        .where(whereOf(t, where))
        .orderBy(...order.map((column) => asc(t[column])))
    },
    async update(tx, name, where, set) {
      return affected(await tx.update(schema[name]).set(set).where(whereOf(schema[name], where)))
    },
    async count(name, where) {
      const t = schema[name]
      const [row] = await db.select({ n: countAll() }).from(t).where(whereOf(t, where))
      return Number(row.n)
    },
    page(name, { where, after, offset, limit }) {
      const t = schema[name]
      const conditions = [whereOf(t, where), ...(after ? [before(t, after)] : [])]
      let query = db
        .select()
        .from(t)
        .where(and(...conditions))
        .orderBy(desc(t.queued_at), desc(t.id))
        .limit(limit)
      if (offset) query = query.offset(offset)
      return query
    },
    scan(name, { after, limit }) {
      const t = schema[name]
      const query = db.select().from(t)
      return (after ? query.where(before(t, after)) : query).orderBy(desc(t.queued_at), desc(t.id)).limit(limit)
    },
  }
  const chunk = target.engine === 'sqlite' ? 2000 : 5000
  return { name: 'drizzle', statements: () => count, transactions: meter.count, ...peerOperations(orm, { newId, chunk }), close }
}
