import { sql } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import { ConflictError, ConstraintError, NotFoundError, ValidationError } from '../src/errors.js'
import { JobRepository } from '../src/repositories/job-repository.js'
import { Store } from '../src/store.js'
import { describeEngines, exec } from './helpers/engines.js'
import { exampleJobs, largeJob } from './helpers/job-graphs.js'

const simple = (name: string, filepath = 'paid.csv') => ({
  name,
  strategy_type: 'row',
  num_of_retries: 2,
  components: [
    {
      comp_type: 'read_csv',
      name: 'read_orders',
      filepath: 'orders.csv',
      routes: { out: [{ to: 'only_paid', in_port: 'in' }] },
      layout: { x_coord: 0, y_coord: 0 },
    },
    { comp_type: 'filter', name: 'only_paid', rule: { column: 'status', operator: '==', value: 'paid' }, routes: { pass: ['write_paid'] } },
    { comp_type: 'write_csv', name: 'write_paid', filepath },
  ],
})

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  )
}

describeEngines('job repository', (target) => {
  let store: Store
  const statements: string[] = []

  beforeAll(async () => {
    store = await target().open({ onQuery: (event) => statements.push(event.sql) })
    await store.migrate()
  })

  it('creates a job and gets it back with Date times of millisecond precision', async () => {
    const before = Date.now()
    const job = await store.jobs.create(simple('create_get'), { actor: 'ana' })
    expect(job).toMatchObject({
      name: 'create_get',
      strategy_type: 'row',
      num_of_retries: 2,
      file_logging: false,
      current_version: 1,
      component_count: 3,
      created_by: 'ana',
    })
    expect(job.content_hash).toMatch(/^[0-9a-f]{64}$/)
    expect(job.created_at).toBeInstanceOf(Date)
    expect(job.created_at.getTime()).toBeGreaterThanOrEqual(before)
    expect(job.updated_at).toEqual(job.created_at)
    const again = await store.jobs.get(job.id)
    expect(again.created_at).toEqual(job.created_at)
    // create returns what it wrote without reading it back: it must equal a read.
    const { loadComponents: _c, loadLinks: _l, warnings, ...created } = job
    expect(warnings).toEqual([])
    const { loadComponents: _c2, loadLinks: _l2, ...read } = again
    expect(created).toEqual(read)
    expect((await store.jobs.versions(job.id))[0]?.created_at).toEqual(job.created_at)
    expect((await store.jobs.getByName('create_get')).id).toBe(job.id)
  })

  it('loads components and links eagerly with include, lazily otherwise', async () => {
    const { id } = await store.jobs.create(simple('include'))
    const eager = await store.jobs.get(id, { include: { components: true, links: true } })
    expect(eager.components?.map((c) => [c.name, c.comp_type, c.position])).toEqual([
      ['read_orders', 'read_csv', 0],
      ['only_paid', 'filter', 1],
      ['write_paid', 'write_csv', 2],
    ])
    expect(eager.components?.[0]).toMatchObject({ payload: { filepath: 'orders.csv' }, layout: { x_coord: 0, y_coord: 0 } })
    expect(eager.links?.map((l) => `${l.src}.${l.out_port}[${l.position}]→${l.dst}.${l.in_port}`)).toEqual([
      'read_orders.out[0]→only_paid.in',
      'only_paid.pass[0]→write_paid.in',
    ])
    const lazy = await store.jobs.get(id)
    expect(lazy.components).toBeUndefined()
    expect(await lazy.loadComponents()).toEqual(eager.components)
    expect(await lazy.loadLinks()).toEqual(eager.links)
  })

  it('saves a 500-component, 600-link job and loads it with at most 4 statements', async () => {
    const { id } = await store.jobs.create(largeJob('large'))
    statements.length = 0
    const job = await store.jobs.get(id, { include: { components: true, links: true } })
    expect(statements.length).toBeLessThanOrEqual(4)
    expect(job.components).toHaveLength(500)
    expect(job.links).toHaveLength(600)
  })

  it('serves a repeated load from the cache and sees another store’s update on the next read', async () => {
    const { id } = await store.jobs.create(simple('cached'))
    await store.jobs.get(id, { include: { components: true, links: true } })
    statements.length = 0
    const cached = await store.jobs.get(id, { include: { components: true, links: true } })
    expect(statements).toHaveLength(1)
    const other = await target().open()
    await other.jobs.update(id, simple('cached', 'elsewhere.csv'))
    const fresh = await store.jobs.get(id, { include: { components: true, links: true } })
    expect(fresh.current_version).toBe(2)
    expect(fresh.components?.[2]?.payload).toEqual({ filepath: 'elsewhere.csv' })
    expect(cached.components?.[2]?.payload).toEqual({ filepath: 'paid.csv' })
  })

  it('makes a new version per change, none for an identical config, and rejects a stale expectedVersion', async () => {
    const { id } = await store.jobs.create(simple('versions'))
    const same = await store.jobs.update(id, JSON.parse(JSON.stringify(simple('versions'))), { expectedVersion: 1 })
    expect(same.current_version).toBe(1)
    const changed = await store.jobs.update(id, simple('versions', 'v2.csv'), { expectedVersion: 1, actor: 'bo' })
    expect(changed).toMatchObject({ current_version: 2, updated_by: 'bo', created_by: null })
    const stale = await failure(store.jobs.update(id, simple('versions', 'v3.csv'), { expectedVersion: 1 }))
    expect(stale).toBeInstanceOf(ConflictError)
    expect((await store.jobs.versions(id)).map((v) => v.version)).toEqual([1, 2])
    expect((await store.jobs.getVersion(id, 1)).config).toEqual(simple('versions'))
    expect(await store.jobs.export(id)).toEqual(simple('versions', 'v2.csv'))
    expect(await failure(store.jobs.getVersion(id, 9))).toBeInstanceOf(NotFoundError)
  })

  it('leaves nothing behind when a save fails half-way', async () => {
    const { db } = target().raw()
    // A probe only this job breaks: two of its components share a place, and the
    // component rows come after the job and version rows in the same transaction.
    await db.schema.createIndex('half_way_probe').unique().on('etl_components').columns(['job_id', 'x_coord', 'y_coord']).execute()
    try {
      const components = largeJob('x', 20, 5).components as Array<Record<string, unknown>>
      components[1] = { ...components[1], layout: { x_coord: 0, y_coord: 0 } }
      const error = await failure(store.jobs.create({ name: 'half_way', components }))
      expect(error).toBeInstanceOf(ConstraintError)
      expect((error as ConstraintError).constraint_kind).toBe('unique')
    } finally {
      const drop = db.schema.dropIndex('half_way_probe')
      await (target().engine === 'mysql' ? drop.on('etl_components') : drop).execute()
    }
    expect(await failure(store.jobs.getByName('half_way'))).toBeInstanceOf(NotFoundError)
    const counts = await exec(db, `select count(*) as n from etl_components`)
    const jobs = await store.jobs.list({ limit: 1000 })
    const expected = jobs.items.reduce((sum, job) => sum + job.component_count, 0)
    expect(Number((counts[0] as { n: unknown }).n)).toBe(expected)
  })

  it('keeps jobs of the same name apart, as the origin does, and refuses to guess one by name', async () => {
    const first = await store.jobs.create(simple('shared_name'))
    const second = await store.jobs.create(simple('shared_name', 'other.csv'))
    expect(second.id).not.toBe(first.id)
    const error = await failure(store.jobs.getByName('shared_name'))
    expect(error).toBeInstanceOf(ConflictError)
    expect((error as ConflictError).message).toContain(first.id)
    expect((error as ConflictError).message).toContain(second.id)
    expect((await store.jobs.export(second.id)).components).toEqual(simple('shared_name', 'other.csv').components)
    const page = await store.jobs.list({ where: { column: 'name', operator: '==', value: 'shared_name' }, limit: 1 })
    const next = await store.jobs.list({ where: { column: 'name', operator: '==', value: 'shared_name' }, limit: 1, cursor: page.next_cursor! })
    expect([...page.items, ...next.items].map((job) => job.id).sort()).toEqual([first.id, second.id].sort())
  })

  it('keeps the job name as given and refuses a blank one with its path', async () => {
    const job = await store.jobs.create(simple('  padded_name  '))
    expect(job.name).toBe('  padded_name  ')
    expect((await store.jobs.getByName('  padded_name  ')).id).toBe(job.id)
    const error = await failure(store.jobs.create(simple('   ')))
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual(['name'])
  })

  it('rejects an invalid config with validation_error and writes nothing', async () => {
    const error = await failure(store.jobs.create({ name: 'invalid', components: [{ comp_type: 'nope', name: 'x' }] }))
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).issues[0]?.path).toBe('components[0].comp_type')
    expect(await failure(store.jobs.getByName('invalid'))).toBeInstanceOf(NotFoundError)
  })

  it('deletes a job with its versions and graph', async () => {
    const { id } = await store.jobs.create(simple('deleted'))
    await store.jobs.delete(id)
    expect(await failure(store.jobs.get(id))).toBeInstanceOf(NotFoundError)
    const { db } = target().raw()
    for (const table of ['etl_job_versions', 'etl_components', 'etl_component_links']) {
      const rows = await db.selectFrom(table).select('job_id').where('job_id', '=', id).execute()
      expect(rows, table).toEqual([])
    }
    expect(await failure(store.jobs.delete(id))).toBeInstanceOf(NotFoundError)
  })

  it('refuses to delete a job with execution history unless forced', async () => {
    const { db } = target().raw()
    const { adapter } = target().raw()
    await adapter
      .tableOptions(
        db.schema
          .createTable('history_probe')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('job_id', adapter.types.uuid, (c) => c.notNull())
          .addForeignKeyConstraint('history_probe_job_fk', ['job_id'], 'etl_jobs', ['id'], (fk) => fk.onDelete('restrict')),
      )
      .execute()
    const { id } = await store.jobs.create(simple('with_history'))
    await db.insertInto('history_probe').values({ id: 1, job_id: id }).execute()
    const refused = await failure(store.jobs.delete(id))
    expect(refused).toBeInstanceOf(ConflictError)
    expect((refused as ConflictError).message).toMatch(/force/)
    expect((await store.jobs.get(id)).id).toBe(id)
    // The history deleter is the repository's own, given when it is built (the store gives the executions').
    const jobs = new JobRepository(Store.context(store), {
      deleteHistory: async (context, jobId) => {
        await sql`delete from history_probe where job_id = ${jobId}`.execute(context.db)
      },
    })
    await jobs.delete(id, { force: true })
    expect(await failure(store.jobs.get(id))).toBeInstanceOf(NotFoundError)
  })

  it('lists jobs with filters, sort, cursor pages and total', async () => {
    for (const [i, strategy] of ['row', 'bulk', 'bigdata', 'row', 'bulk'].entries()) {
      await store.jobs.create({ ...simple(`list_${i}`), strategy_type: strategy, num_of_retries: i })
    }
    const where = {
      logical_operator: 'AND',
      rules: [
        { column: 'name', operator: 'contains', value: 'list_' },
        { column: 'strategy_type', operator: 'in', value: ['row', 'bulk'] },
      ],
    }
    const first = await store.jobs.list({ where, order_by: '-num_of_retries', limit: 2, total: true })
    expect(first.total).toBe(4)
    expect(first.items.map((job) => job.name)).toEqual(['list_4', 'list_3'])
    const second = await store.jobs.list({ where, order_by: '-num_of_retries', limit: 2, cursor: first.next_cursor! })
    expect(second.items.map((job) => job.name)).toEqual(['list_1', 'list_0'])
    expect(second.next_cursor).toBeNull()
    const injected = await store.jobs.list({ where: { column: 'name', operator: '==', value: "x' OR '1'='1" } })
    expect(injected.items).toEqual([])
    expect(await failure(store.jobs.list({ where: { column: 'name; drop table etl_jobs', operator: '==', value: 'x' } }))).toBeInstanceOf(ValidationError)
    const since = await store.jobs.list({
      where: { column: 'created_at', operator: '>=', value: first.items[1]!.created_at.toISOString() },
      order_by: 'created_at',
    })
    expect(since.items.map((job) => job.name)).toContain('list_4')
  })

  it('imports the example job files and exports them back equal, with the same hash on re-import', async () => {
    for (const { file, config } of exampleJobs()) {
      const job = await store.jobs.create(config)
      const exported = await store.jobs.export(job.id)
      expect(exported, file).toEqual(config)
      const again = await store.jobs.update(job.id, exported)
      expect(again.current_version, file).toBe(1)
      expect(again.content_hash, file).toBe(job.content_hash)
    }
  })

  it('keeps the tables intact after injection attempts in stored values', async () => {
    const name = "Robert'); DROP TABLE etl_jobs;--"
    const job = await store.jobs.create({ ...simple(name), description: "'; DELETE FROM etl_components; --" })
    expect((await store.jobs.getByName(name)).id).toBe(job.id)
    const count = await sql<{ n: unknown }>`select count(*) as n from etl_components`.execute(target().raw().db)
    expect(Number(count.rows[0]?.n)).toBeGreaterThan(3)
  })
})
