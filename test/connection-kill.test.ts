import { sql } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import { ConnectionError } from '../src/errors.js'
import { Store } from '../src/store.js'
import { describeEngines, exec } from './helpers/engines.js'

/** The scratch table this test creates beside the store's own. */
type Notes = { notes: { id: number; body: string } }

describeEngines(
  'connection killed by the server',
  (target) => {
    const backendId = () =>
      target().engine === 'postgres' ? sql<{ id: number }>`select pg_backend_pid() as id` : sql<{ id: number }>`select connection_id() as id`
    const kill = (id: number) => (target().engine === 'postgres' ? `select pg_terminate_backend(${id})` : `kill ${id}`)

    beforeAll(async () => {
      const suffix = target().engine === 'mysql' ? ' engine=InnoDB' : ''
      await exec(target().raw().db, `create table notes (id integer primary key, body varchar(20))${suffix}`)
    })

    it('rolls back the transaction in flight, reports a typed error, and the pool replaces the connection', async () => {
      const store = await target().open({ database: { pool_size: 1, max_overflow: 0 } })
      const admin = target().raw().db
      const error = await store
        .transaction(
          async (tx) => {
            const db = Store.context(tx).db.withTables<Notes>()
            await db.insertInto('notes').values({ id: 1, body: 'lost' }).execute()
            const id = Number((await backendId().execute(db)).rows[0]?.id)
            await exec(admin, kill(id))
            await db.insertInto('notes').values({ id: 2, body: 'lost too' }).execute()
          },
          { retries: 0 },
        )
        .catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(ConnectionError)
      expect((error as ConnectionError).retryable).toBe(true)
      expect(await exec(admin, 'select id from notes')).toEqual([])
      // The one pooled connection was dropped; the next call gets a fresh one.
      await Store.context(store).db.withTables<Notes>().insertInto('notes').values({ id: 3, body: 'kept' }).execute()
      expect(await exec(admin, 'select id from notes')).toEqual([{ id: 3 }])
    })
  },
  ['postgres', 'mysql'],
)
