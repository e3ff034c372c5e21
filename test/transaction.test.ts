import { sql, type Kysely } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import { ConnectionError } from '../src/errors.js'
import { Store } from '../src/store.js'
import type { QueryEvent } from '../src/config/store-config.js'
import { describeEngines, exec } from './helpers/engines.js'

/** The scratch table this test creates beside the store's own. */
type Items = { items: { id: number; label: string } }

describeEngines('transactions', (target) => {
  let store: Store
  let db: Kysely<any>

  beforeAll(async () => {
    store = await target().open()
    db = target().raw().db
    const suffix = target().engine === 'mysql' ? ' engine=InnoDB' : ''
    await exec(db, `create table items (id integer primary key, label varchar(20) not null)${suffix}`)
  })

  const insert = (tx: Store, id: number) =>
    Store.context(tx)
      .db.withTables<Items>()
      .insertInto('items')
      .values({ id, label: `item ${id}` })
      .execute()
  const ids = async () => ((await exec(db, 'select id from items order by id')) as Array<{ id: number }>).map((r) => r.id)

  it('commits the callback’s writes and returns its value', async () => {
    const value = await store.transaction(async (tx) => {
      await insert(tx, 1)
      return 'done'
    })
    expect(value).toBe('done')
    expect(await ids()).toContain(1)
  })

  it('rolls everything back when the callback throws', async () => {
    await expect(
      store.transaction(async (tx) => {
        await insert(tx, 2)
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await ids()).not.toContain(2)
  })

  it('uses a savepoint for a nested call: the inner failure keeps the outer writes', async () => {
    await store.transaction(async (tx) => {
      await insert(tx, 3)
      await tx
        .transaction(async (inner) => {
          await insert(inner, 4)
          throw new Error('inner')
        })
        .catch(() => {})
      await tx.transaction((inner) => insert(inner, 5))
    })
    const now = await ids()
    expect(now).toEqual(expect.arrayContaining([3, 5]))
    expect(now).not.toContain(4)
  })

  it('nests savepoints: a failure two levels down undoes its level and keeps the ones above', async () => {
    await store.transaction(async (tx) => {
      await insert(tx, 20)
      await tx.transaction(async (middle) => {
        await insert(middle, 21)
        await middle.transaction((inner) => insert(inner, 22))
        await middle
          .transaction(async (inner) => {
            await insert(inner, 23)
            await inner.transaction(async (deepest) => {
              await insert(deepest, 24)
              throw new Error('deepest')
            })
          })
          .catch(() => {})
        await insert(middle, 25)
      })
      // A middle level that fails after its own nested savepoint was released.
      await tx
        .transaction(async (middle) => {
          await middle.transaction((inner) => insert(inner, 26))
          throw new Error('middle')
        })
        .catch(() => {})
    })
    const now = (await ids()).filter((id) => id >= 20 && id < 30)
    expect(now).toEqual([20, 21, 22, 25])
  })

  it('gives the error of the work, not of a failed rollback', async () => {
    // The work ends the transaction itself, so the rollback after its error finds none:
    // SQLite refuses that rollback (PostgreSQL and MySQL accept it).
    const failure = new Error('work failed')
    await expect(
      store.transaction(async (tx) => {
        await insert(tx, 27)
        await sql`commit`.execute(Store.context(tx).db)
        throw failure
      }),
    ).rejects.toBe(failure)
    await exec(db, 'delete from items where id = 27')
  })
  it('accepts an isolation level', async () => {
    await store.transaction((tx) => insert(tx, 6), { isolation: 'serializable' })
    expect(await ids()).toContain(6)
  })

  it('reports every statement to onQuery with placeholders, duration and row count', async () => {
    const events: QueryEvent[] = []
    const watched = await target().open({ onQuery: (event) => events.push(event) })
    await Store.context(watched).db.withTables<Items>().selectFrom('items').selectAll().where('id', '=', 1).execute()
    await sql`select * from no_such_table`.execute(Store.context(watched).db).catch(() => {})
    const select = events.find((event) => /from .?items.? where/i.test(event.sql))
    expect(select).toMatchObject({ rowCount: 1 })
    expect(select?.sql).not.toContain("'1'")
    expect(select?.durationMs).toBeGreaterThanOrEqual(0)
    expect(events.find((event) => event.sql.includes('no_such_table'))?.error?.name).toBe('QueryError')
  })

  it('holds the pool limit: a checkout beyond it fails after pool_timeout, then the pool recovers', async () => {
    // SQLite has one connection per process; the servers get pool_size + max_overflow.
    const limit = target().engine === 'sqlite' ? 1 : 3
    const limited = await target().open({ database: { pool_size: 1, max_overflow: 2, pool_timeout: 0.5 } })
    const limitedDb = Store.context(limited).db
    const held = await Promise.all(Array.from({ length: limit }, () => limitedDb.startTransaction().execute()))
    const started = Date.now()
    const error = await sql`select 1 as one`.execute(limitedDb).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ConnectionError)
    expect(Date.now() - started).toBeGreaterThanOrEqual(450)
    await Promise.all(held.map((trx) => trx.rollback().execute()))
    const after = await sql<{ one: number }>`select 1 as one`.execute(limitedDb)
    expect(Number(after.rows[0]?.one)).toBe(1)
  })
})

describeEngines(
  'connection recycling',
  (target) => {
    it('retires a connection older than pool_recycle', async () => {
      const store = await target().open({ database: { pool_size: 1, max_overflow: 0, pool_recycle: 1 } })
      const db = Store.context(store).db
      const pidQuery = target().engine === 'postgres' ? sql<{ id: number }>`select pg_backend_pid() as id` : sql<{ id: number }>`select connection_id() as id`
      const first = Number((await pidQuery.execute(db)).rows[0]?.id)
      expect(Number((await pidQuery.execute(db)).rows[0]?.id)).toBe(first)
      await new Promise((resolve) => setTimeout(resolve, 1600))
      const later = Number((await pidQuery.execute(db)).rows[0]?.id)
      expect(later).not.toBe(first)
    })
  },
  ['postgres', 'mysql'],
)
