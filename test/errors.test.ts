import { spawn } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import { sql, type Kysely } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import { ConnectionError, ConstraintError, PersistenceError, QueryError, TransactionError } from '../src/errors.js'
import { describeEngines, exec } from './helpers/engines.js'
import { TEST_MYSQL_URL, TEST_PG_URL } from './helpers/engine-urls.js'
import { openStore, Store } from '../src/store.js'

const MARKER = 'SECRET_VALUE_7f3a9'

describeEngines('driver error mapping', (target) => {
  let db: Kysely<any>

  beforeAll(async () => {
    db = target().raw().db
    const mysqlOptions = target().engine === 'mysql' ? ' engine=InnoDB' : ''
    await exec(db, `create table parent (id integer primary key, name varchar(50) not null unique)${mysqlOptions}`)
    await exec(
      db,
      `create table child (id integer primary key, parent_id integer not null references parent (id),
        qty integer,
        constraint qty_positive check (qty > 0),
        foreign key (parent_id) references parent (id))${mysqlOptions}`,
    )
    await exec(db, "insert into parent (id, name) values (1, 'one')")
  })

  async function failure(work: Promise<unknown>): Promise<PersistenceError> {
    const error = await work.then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(PersistenceError)
    return error as PersistenceError
  }

  it('maps a unique violation with its table and hides the value', async () => {
    const error = await failure(db.insertInto('parent').values({ id: 2, name: 'one' }).execute())
    expect(error).toBeInstanceOf(ConstraintError)
    expect(error).toMatchObject({ constraint_kind: 'unique', table_name: 'parent' })
    const secret = await failure(
      db
        .insertInto('parent')
        .values([
          { id: 3, name: MARKER },
          { id: 4, name: MARKER },
        ])
        .execute(),
    )
    expect(JSON.stringify(secret.toJSON())).not.toContain(MARKER)
    expect(secret.toJSON().persistence_error).toMatchObject({ error_type: 'constraint_error', table_name: 'parent' })
  })

  it('maps a foreign-key violation', async () => {
    const error = await failure(db.insertInto('child').values({ id: 1, parent_id: 99, qty: 1 }).execute())
    expect(error).toMatchObject({ error_type: 'constraint_error', constraint_kind: 'foreign_key', table_name: 'child' })
  })

  it('maps a not-null violation', async () => {
    const error = await failure(db.insertInto('parent').values({ id: 5, name: null }).execute())
    expect(error).toMatchObject({ constraint_kind: 'not_null', table_name: 'parent' })
  })

  it('maps a check violation', async () => {
    const error = await failure(db.insertInto('child').values({ id: 2, parent_id: 1, qty: -1 }).execute())
    expect(error).toMatchObject({ constraint_kind: 'check', table_name: 'child' })
  })

  it('maps bad SQL to query_error with the SQL and no bound value', async () => {
    const error = await failure(sql`select nope from parent where name = ${MARKER}`.execute(db))
    expect(error).toBeInstanceOf(QueryError)
    const json = JSON.stringify(error.toJSON())
    expect(json).not.toContain(MARKER)
    expect(error.toJSON().persistence_error.query).toMatch(/select nope from parent/)
    expect(error.cause).toBeDefined()
  })
})

describeEngines(
  'connection errors',
  (target) => {
    const urlOnPort = (port: number) => (target().engine === 'postgres' ? `postgres://postgres@127.0.0.1:${port}/test` : `mysql://root@127.0.0.1:${port}/test`)

    it('reports a refused port as a connection_error', async () => {
      const error = await openStore({ database: { url: urlOnPort(1), pool_timeout: 2 } }).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(ConnectionError)
    })

    it('gives up on a server that accepts but never answers after pool_timeout, as a connection_error', async () => {
      // Only the timeout can end this: without it the open would hang past the test's limit.
      const silent = createServer(() => {})
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
      try {
        const port = (silent.address() as AddressInfo).port
        const error = await openStore({ database: { url: urlOnPort(port), pool_timeout: 1 } }).catch((caught: unknown) => caught)
        expect(error).toBeInstanceOf(ConnectionError)
      } finally {
        silent.close()
      }
    }, 30_000)

    it('reports bad credentials as a connection_error without the password', async () => {
      const base = new URL(target().engine === 'postgres' ? TEST_PG_URL : TEST_MYSQL_URL)
      base.username = 'no_such_user_etlp'
      base.password = MARKER
      const error = await openStore({ database: { url: base.toString(), pool_timeout: 5 } }).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(ConnectionError)
      expect(JSON.stringify((error as ConnectionError).toJSON())).not.toContain(MARKER)
      expect((error as Error).message).not.toContain(MARKER)
    })
  },
  ['postgres', 'mysql'],
)

describeEngines(
  'deadlocks',
  (target) => {
    it('reports a deadlock as a retryable transaction_error that store.transaction retries to success', async () => {
      const { db } = target().raw()
      const suffix = target().engine === 'mysql' ? ' engine=InnoDB' : ''
      await exec(db, `create table accounts (id integer primary key, balance integer not null)${suffix}`)
      await exec(db, 'insert into accounts (id, balance) values (1, 100), (2, 100)')
      const store = await target().open()
      let attempts = 0
      let barrierResolve: () => void = () => {}
      let arrived = 0
      const barrier = new Promise<void>((resolve) => (barrierResolve = resolve))
      const transfer = (first: number, second: number) =>
        store.transaction(
          async (tx) => {
            attempts++
            const txDb = Store.context(tx).db
            await sql`update accounts set balance = balance - 1 where id = ${first}`.execute(txDb)
            if (++arrived === 2) barrierResolve()
            await Promise.race([barrier, new Promise((resolve) => setTimeout(resolve, 2000))])
            await sql`update accounts set balance = balance + 1 where id = ${second}`.execute(txDb)
          },
          { retries: 5 },
        )
      await Promise.all([transfer(1, 2), transfer(2, 1)])
      expect(attempts).toBeGreaterThan(2)
      const rows = (await exec(db, 'select sum(balance) as total from accounts')) as Array<{ total: unknown }>
      expect(Number(rows[0]?.total)).toBe(200)
    })
  },
  ['postgres', 'mysql'],
)

describeEngines(
  'busy SQLite file',
  (target) => {
    it('reports a file locked by another process as a retryable transaction_error, retried to success', async () => {
      const store = await target().open({ database: { busy_timeout: 50 } })
      const { db } = target().raw()
      await exec(db, 'create table counter (id integer primary key, n integer not null)')
      await exec(db, 'insert into counter values (1, 0)')
      const holder = spawn(
        process.execPath,
        [
          '-e',
          `const D = require('better-sqlite3'); const d = new D(process.argv[1]);
           d.exec('begin immediate'); d.exec('update counter set n = n + 1');
           console.log('locked'); setTimeout(() => { d.exec('commit'); process.exit(0) }, 1500)`,
          sqliteFile(target().config().database?.url ?? ''),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      )
      const exited = new Promise((resolve) => holder.on('close', resolve))
      await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()))
      const direct = await sql`update counter set n = n + 1`.execute(Store.context(store).db).catch((error: unknown) => error)
      expect(direct).toBeInstanceOf(TransactionError)
      expect((direct as TransactionError).retryable).toBe(true)
      await store.transaction(
        async (tx) => {
          await sql`update counter set n = n + 1`.execute(Store.context(tx).db)
        },
        { retries: 100 },
      )
      await exited
      const rows = (await exec(db, 'select n from counter')) as Array<{ n: number }>
      expect(rows[0]?.n).toBe(2)
    })
  },
  ['sqlite'],
)

function sqliteFile(url: string): string {
  return url.replace(/^sqlite:\/\//, '')
}
