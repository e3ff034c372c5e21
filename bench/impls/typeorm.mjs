// The same work, done idiomatically with TypeORM (EntitySchema: plain JS, no decorators)
// over the product's tables. The schema is the product's: TypeORM never synchronizes.
import 'reflect-metadata'
import { DataSource, EntitySchema, Equal, LessThan } from 'typeorm'
import { TABLES, table } from '../lib/tables.mjs'
import { peerOperations } from './peer-operations.mjs'
import { transactionMeter } from '../lib/transactions.mjs'

const isoTime = { to: (value) => (value instanceof Date ? value.toISOString() : value), from: (value) => (value == null ? value : new Date(value)) }

function columnType(engine, kind) {
  switch (kind) {
    case 'uuid':
      return engine === 'sqlite' ? { type: 'text' } : { type: 'varchar', length: 36 }
    case 'string':
      return engine === 'sqlite' ? { type: 'text' } : { type: 'varchar' }
    case 'text':
      return { type: engine === 'mysql' ? 'longtext' : 'text' }
    case 'int':
      return { type: engine === 'mysql' ? 'int' : 'integer' }
    case 'bigint':
      return { type: engine === 'sqlite' ? 'integer' : 'bigint' }
    case 'double':
      return { type: { sqlite: 'real', postgres: 'double precision', mysql: 'double' }[engine] }
    case 'bool':
      return { type: 'boolean' }
    case 'ts':
      if (engine === 'sqlite') return { type: 'text', transformer: isoTime }
      return engine === 'postgres' ? { type: 'timestamptz', precision: 3 } : { type: 'datetime', precision: 3 }
    case 'json':
      return { type: engine === 'postgres' ? 'jsonb' : 'simple-json' }
  }
}

function entities(engine) {
  return Object.entries(TABLES).map(
    ([name, spec]) =>
      new EntitySchema({
        name,
        tableName: table(name),
        columns: Object.fromEntries(
          Object.entries(spec.columns).map(([column, kind]) => [
            column,
            { ...columnType(engine, kind), primary: spec.primary.includes(column), nullable: !spec.primary.includes(column) },
          ]),
        ),
      }),
  )
}

export async function openTypeorm(target, { newId, poolSize = 4 } = {}) {
  let count = 0
  const meter = transactionMeter()
  const logger = {
    logQuery: (query) => {
      count++
      meter.see(query)
    },
    logQueryError() {},
    logQuerySlow() {},
    logSchemaBuild() {},
    logMigration() {},
    log() {},
  }
  const common = { entities: entities(target.engine), synchronize: false, logger, logging: true }
  const options =
    target.engine === 'sqlite'
      ? {
          type: 'better-sqlite3',
          database: target.file,
          prepareDatabase: (db) => {
            db.pragma('journal_mode = WAL')
            db.pragma('synchronous = NORMAL')
            db.pragma('foreign_keys = ON')
            db.pragma('busy_timeout = 10000')
          },
        }
      : target.engine === 'postgres'
        ? { type: 'postgres', url: target.url, schema: target.schema, poolSize }
        : { type: 'mysql', url: target.url, timezone: 'Z', poolSize, connectorPackage: 'mysql2' }
  const ds = new DataSource({ ...options, ...common })
  await ds.initialize()
  const manager = ds.manager

  // Keyset condition as TypeORM's find API expresses an OR: an array of where objects.
  const before = (where, after) =>
    after
      ? [
          { ...where, queued_at: LessThan(after.queued_at) },
          { ...where, queued_at: Equal(after.queued_at), id: LessThan(after.id) },
        ]
      : where
  const newest = { queued_at: 'DESC', id: 'DESC' }
  const orm = {
    transaction: (work) => manager.transaction((tx) => work(tx)),
    insert: (tx, name, rows) => tx.insert(name, rows),
    increment: (tx, name, where, column) => tx.increment(name, where, column, 1),
    findOne: (tx, name, where) => (tx ?? manager).findOneBy(name, where),
    findMany: (name, where, order, tx) => (tx ?? manager).find(name, { where, order: Object.fromEntries(order.map((column) => [column, 'ASC'])) }),
    async update(tx, name, where, set) {
      return (await tx.update(name, where, set)).affected
    },
    count: (name, where) => manager.countBy(name, where),
    page: (name, { where, after, offset, limit }) =>
      manager.find(name, { where: before(where, after), order: newest, take: limit, ...(offset ? { skip: offset } : {}) }),
    scan: (name, { after, limit }) => manager.find(name, { ...(after ? { where: before({}, after) } : {}), order: newest, take: limit }),
  }
  const chunk = target.engine === 'sqlite' ? 2000 : 5000
  return { name: 'typeorm', statements: () => count, transactions: meter.count, ...peerOperations(orm, { newId, chunk }), close: () => ds.destroy() }
}
