import { join } from 'node:path'
import { beforeAll, expect, it } from 'vitest'
import { AccessDeniedError, NotFoundError, ValidationError } from '../src/errors.js'
import type { OriginImportReport } from '../src/origin/origin-import-report.js'
import { coreMigrations } from '../src/migrations/index.js'
import { OriginRowError } from '../src/origin/origin-row-error.js'
import { Store } from '../src/store.js'
import type { CoreDatabase } from '../src/tables/core-database.js'
import { describeEngines } from './helpers/engines.js'
import { alterOrigin, componentId, writeOriginDatabase, type OriginFixture } from './helpers/origin-database.js'
import { writeKeyFile } from './helpers/secret-store.js'

/** Every table's count, by name. */
function counts(report: OriginImportReport, field: 'found' | 'imported' | 'already_present' | 'not_imported'): Record<string, number> {
  return Object.fromEntries(report.tables.map((row) => [row.table, row[field]]))
}

async function storeCount(store: Store, table: keyof CoreDatabase): Promise<number> {
  const { db } = Store.context(store)
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

describeEngines('importing an etl-core database', (target) => {
  let keyFile: string
  let fixture: OriginFixture
  let store: Store
  let first: OriginImportReport
  let importMs: number

  let prefixes = 0
  /** A store of its own (its own table prefix) on this engine's database. */
  const open = async () => {
    const opened = await target().open({ database: { table_prefix: `o${++prefixes}_` }, security: { master_key_file: keyFile } })
    await opened.migrate()
    return opened
  }

  beforeAll(async () => {
    keyFile = writeKeyFile(target().dir).path
    fixture = writeOriginDatabase(join(target().dir, 'etl_core.db'), { jobs: 20, contexts: 5, credentials: 3, schedules: 4, executions: 500 })
    store = await open()
    const started = performance.now()
    first = await store.importOrigin(fixture.path, { timeZone: 'UTC' })
    importMs = performance.now() - started
    console.log(`[${target().engine}] imported 20 jobs, 500 executions, ${fixture.counts.executionattempttable} attempts in ${Math.round(importMs)} ms`)
  })

  it('imports 20 jobs, 5 contexts, 3 credentials, 4 schedules and 500 executions completely', async () => {
    expect(first.errors.map((error) => error.message)).toEqual([])
    expect(counts(first, 'found')).toMatchObject({ jobtable: 20, contexttable: 5, credentialstable: 3, scheduletable: 4, executiontable: 500 })
    const secure = fixture.contexts.flatMap((context) => context.secureKeys).length
    const expected = { ...counts(first, 'found'), contextparametertable: fixture.counts.contextparametertable! - secure }
    expect(counts(first, 'imported')).toEqual(expected)
    expect(await storeCount(store, 'jobs')).toBe(20)
    expect(await storeCount(store, 'components')).toBe(fixture.counts.componenttable)
    expect(await storeCount(store, 'component_links')).toBe(fixture.counts.componentlinktable)
    expect(await storeCount(store, 'contexts')).toBe(5)
    expect(await storeCount(store, 'credentials')).toBe(3)
    expect(await storeCount(store, 'schedules')).toBe(4)
    expect(await storeCount(store, 'executions')).toBe(500)
    expect(await storeCount(store, 'execution_attempts')).toBe(fixture.counts.executionattempttable)
    // One audit row per credential, context and job, in the chain.
    const audited = await store.audit.list({ where: { column: 'action', operator: '==', value: 'origin.import' }, total: true })
    expect(audited.total).toBe(3 + 5 + 20)
    expect((await store.audit.verify()).ok).toBe(true)
  })

  it('keeps each job’s id, graph, layout and metadata: it exports as etl-core shows it', async () => {
    for (const job of fixture.jobs) {
      expect(await store.jobs.export(job.id), job.kind).toEqual(job.config)
      const stored = await store.jobs.get(job.id, { include: { components: true, links: true } })
      expect(stored.name).toBe(job.name)
      expect(stored.created_at.toISOString()).toBe((job.config.metadata_ as { timestamp: string }).timestamp)
      expect(stored.components).toHaveLength(job.components)
      expect(stored.links).toHaveLength(job.links)
    }
  })

  it('keeps execution and attempt ids, times and statuses (SUCCESS → SUCCEEDED)', async () => {
    const statuses = { SUCCESS: 'SUCCEEDED', FAILED: 'FAILED', RUNNING: 'RUNNING' } as const
    for (const origin of fixture.executions.filter((_, i) => i % 25 === 0 || i >= 497)) {
      const execution = await store.executions.get(origin.id, { include: { attempts: true } })
      expect(execution).toMatchObject({
        id: origin.id,
        job_id: origin.job_id,
        job_version: 1,
        status: statuses[origin.status as keyof typeof statuses],
        environment: origin.environment,
        attempt_count: origin.attempts,
      })
      expect(execution.started_at?.toISOString()).toBe(origin.startedAt.toISOString())
      expect(execution.finished_at?.toISOString() ?? null).toBe(origin.finishedAt?.toISOString() ?? null)
      expect(execution.error === null ? null : execution.error.message).toBe(origin.error)
      expect(execution.attempts?.map((attempt) => attempt.attempt_number)).toEqual(Array.from({ length: origin.attempts }, (_, i) => i + 1))
    }
    const running = first.warnings.filter((warning) => warning.origin_table === 'executiontable')
    expect(running).toHaveLength(fixture.executions.filter((e) => e.status === 'RUNNING').length)
  })

  it('converts the schedules’ APScheduler triggers, keeping ids and paused', async () => {
    for (const origin of fixture.schedules) {
      const schedule = await store.schedules.get(origin.id)
      expect(schedule).toMatchObject({ name: origin.name, job_id: origin.job_id, trigger_type: origin.trigger_type })
    }
    const [interval, weekdays, monday, once] = await Promise.all(fixture.schedules.map((s) => store.schedules.get(s.id)))
    expect(interval?.trigger).toEqual({ interval: { hours: 6, start_date: '2025-03-15T00:00:00.000Z' } })
    // No timezone in etl-core: APScheduler's local zone, here the import's (UTC).
    expect(weekdays?.trigger).toEqual({ cron: { hour: 2, minute: 30, day_of_week: 'mon-fri', timezone: 'UTC' } })
    // APScheduler's day 0 is Monday.
    expect(monday?.trigger).toEqual({ cron: { day_of_week: 'mon', hour: '7', minute: 15, timezone: 'Europe/Berlin' } })
    expect(once?.trigger).toEqual({ date: { run_date: '2030-01-01T06:00:00.000Z' } })
    expect(once?.paused).toBe(true)
    expect(once?.next_fire_at?.toISOString()).toBe('2030-01-01T06:00:00.000Z')
  })

  it('imports contexts with their parameters and credentials maps; secrets kept outside are reported missing, never invented', async () => {
    const plain = fixture.contexts.find((context) => !context.mapsCredentials)!
    const context = await store.contexts.get(plain.id)
    expect(context.parameters).toEqual({ input_dir: { value: '/data/in', is_secure: false }, batch_size: { value: '500', is_secure: false } })
    const mapping = fixture.contexts.find((c) => c.mapsCredentials)!
    expect(Object.keys((await store.contexts.get(mapping.id)).credentials).sort()).toEqual(['DEV', 'PROD'])
    const credentials = await store.credentials.get(fixture.credentials[0]!.id)
    expect(credentials).toMatchObject({
      name: 'warehouse',
      user: 'etl',
      port: 5432,
      password: null,
      pool: { pool_size: 10, max_overflow: 0, pool_timeout: 30 },
    })
    expect(first.missing_secrets.map((secret) => secret.secret_key).sort()).toEqual(
      [...fixture.credentials.map((c) => `${c.id}/password`), ...fixture.contexts.flatMap((c) => c.secureKeys.map((key) => `${c.id}/${key}`))].sort(),
    )
  })

  it('imports nothing twice; a second run with the secrets fills them in', async () => {
    const audited = (await store.audit.head()).seq
    const second = await store.importOrigin(fixture.path, { timeZone: 'UTC' })
    expect(second.errors).toEqual([])
    expect(Object.values(counts(second, 'imported')).every((n) => n === 0)).toBe(true)
    expect(counts(second, 'already_present')).toEqual(counts(first, 'imported'))
    expect(await storeCount(store, 'executions')).toBe(500)
    expect(await storeCount(store, 'jobs')).toBe(20)
    expect((await store.audit.head()).seq).toBe(audited)

    const secrets = Object.fromEntries(first.missing_secrets.map((secret) => [secret.secret_key, `secret for ${secret.owner.name}`]))
    const third = await store.importOrigin(fixture.path, { timeZone: 'UTC', secrets })
    expect(third.missing_secrets).toEqual([])
    expect(third.secrets_filled).toBe(first.missing_secrets.length)
    expect(await store.credentials.reveal(fixture.credentials[0]!.id)).toBe('secret for warehouse')
    const plain = fixture.contexts.find((context) => !context.mapsCredentials)!
    const resolved = await store.contexts.resolve(plain.id, 'DEV', { reveal: true })
    expect(resolved.parameters.api_token).toBe(`secret for ${plain.name}`)
    expect((await store.importOrigin(fixture.path, { timeZone: 'UTC', secrets })).secrets_filled).toBe(0)
  })

  it('reports a corrupt row with its table and id, and writes nothing of its job', async () => {
    const other = await open()
    const path = join(target().dir, 'corrupt.db')
    const corrupt = writeOriginDatabase(path, { jobs: 4, contexts: 2, credentials: 1, schedules: 2, executions: 40 })
    const victim = corrupt.executions[5]!
    alterOrigin(path, `update executiontable set status = 'DONE', started_at = 'yesterday' where id = ?`, victim.id)
    const report = await other.importOrigin(path, { timeZone: 'UTC' })
    expect(report.errors).toHaveLength(1)
    const [error] = report.errors
    expect(error).toBeInstanceOf(OriginRowError)
    expect(error).toMatchObject({ origin_table: 'executiontable', origin_id: victim.id, origin_job_id: victim.job_id, error_type: 'validation_error' })
    expect(error!.issues.map((issue) => issue.path)).toEqual(['status', 'started_at'])
    expect(error!.toJSON().persistence_error).toMatchObject({ origin_table: 'executiontable', origin_id: victim.id })
    await expect(other.jobs.get(victim.job_id)).rejects.toBeInstanceOf(NotFoundError)
    const { db } = Store.context(other)
    expect(await db.selectFrom('executions').select('id').where('job_id', '=', victim.job_id).execute()).toEqual([])
    expect(await db.selectFrom('schedules').select('id').where('job_id', '=', victim.job_id).execute()).toEqual([])
    expect(counts(report, 'imported').jobtable).toBe(3)
    const held = corrupt.executions.filter((e) => e.job_id === victim.job_id).length
    expect(counts(report, 'not_imported').executiontable).toBe(held)

    // Mended, the next run brings that job in, and only it.
    alterOrigin(path, `update executiontable set status = 'FAILED', started_at = ? where id = ?`, victim.started_at, victim.id)
    const mended = await other.importOrigin(path, { timeZone: 'UTC' })
    expect(mended.errors).toEqual([])
    expect(counts(mended, 'imported')).toMatchObject({ jobtable: 1, executiontable: held, credentialstable: 0, contexttable: 0 })
    expect((await other.jobs.get(victim.job_id)).id).toBe(victim.job_id)
  })

  it('reports every bad row of a job at once, a component’s payload by its row', async () => {
    const other = await open()
    const path = join(target().dir, 'payloads.db')
    const origin = writeOriginDatabase(path, { jobs: 2, contexts: 0, credentials: 0, schedules: 1, executions: 4 })
    const job = origin.jobs[0]!
    const readerId = componentId(path, job.id, 'read_orders')
    alterOrigin(path, `update componenttable set payload = '{"filepath": 7' where job_id = ? and name = 'read_orders'`, job.id)
    alterOrigin(
      path,
      `update layouttable set x_coordinate = 'left' where component_id = (select id from componenttable where job_id = ? and name = 'write_orders')`,
      job.id,
    )
    alterOrigin(path, `update scheduletable set trigger_args = '{"hours": 6, "every": 2}' where job_id = ?`, job.id)
    const report = await other.importOrigin(path, { timeZone: 'UTC' })
    expect(report.errors.map((error) => [error.origin_table, error.issues[0]?.path])).toEqual([
      ['layouttable', 'x_coordinate'],
      ['componenttable', 'payload'],
      ['scheduletable', 'trigger_args.every'],
    ])
    expect(report.errors.every((error) => error.origin_job_id === job.id)).toBe(true)
    expect(counts(report, 'imported').jobtable).toBe(1)
    alterOrigin(
      path,
      `update layouttable set x_coordinate = 0 where component_id = (select id from componenttable where job_id = ? and name = 'write_orders')`,
      job.id,
    )
    alterOrigin(
      path,
      `update componenttable set payload = '{"filepath": "/data/in/a.csv", "separator": "|"}' where job_id = ? and name = 'read_orders'`,
      job.id,
    )
    const again = await other.importOrigin(path, { timeZone: 'UTC' })
    // The config's own validation, by component row, with the schedule's unknown trigger key.
    expect(again.errors.map((error) => [error.origin_table, error.issues.map((issue) => issue.path)])).toEqual([
      ['componenttable', ['separator']],
      ['scheduletable', ['trigger_args.every']],
    ])
    expect(again.errors[0]?.origin_id).toBe(readerId)
  })

  it('keeps jobs that share a name; a context whose name is taken is refused, or renamed with renameDuplicates', async () => {
    const other = await open()
    const path = join(target().dir, 'names.db')
    const origin = writeOriginDatabase(path, { jobs: 2, contexts: 2, credentials: 1, schedules: 0, executions: 0 })
    alterOrigin(path, 'update jobtable set name = ?', 'nightly orders')
    alterOrigin(path, 'update contexttable set name = ?', 'shared')
    const [first, second] = origin.contexts
    const refused = await other.importOrigin(path, { timeZone: 'UTC' })
    expect(refused.errors.map((error) => [error.origin_table, error.origin_id, error.issues[0]?.path])).toEqual([['contexttable', second!.id, 'name']])
    for (const job of origin.jobs) expect((await other.jobs.get(job.id)).name).toBe('nightly orders')
    const renamed = await other.importOrigin(path, { timeZone: 'UTC', renameDuplicates: true })
    expect(renamed.errors).toEqual([])
    expect((await other.contexts.get(first!.id)).name).toBe('shared')
    expect((await other.contexts.get(second!.id)).name).toBe(`shared (${second!.id.slice(0, 8)})`)
    expect(renamed.warnings.map((warning) => [warning.origin_table, warning.origin_id])).toEqual([['contexttable', second!.id]])
  })

  it('where job names are unique (a store before migration 0008), refuses a taken one or renames it', async () => {
    const unique = await target().open(
      { database: { table_prefix: `o${++prefixes}_` }, security: { master_key_file: keyFile } },
      { migrations: coreMigrations.filter((migration) => migration.name < '0008') },
    )
    await unique.migrate()
    const path = join(target().dir, 'unique-names.db')
    const origin = writeOriginDatabase(path, { jobs: 2, contexts: 0, credentials: 0, schedules: 0, executions: 2 })
    alterOrigin(path, 'update jobtable set name = ?', 'nightly orders')
    const [kept, clashing] = origin.jobs
    const refused = await unique.importOrigin(path, { timeZone: 'UTC' })
    expect(refused.errors.map((error) => [error.origin_table, error.origin_id, error.issues[0]?.path])).toEqual([['jobtable', clashing!.id, 'name']])
    const renamed = await unique.importOrigin(path, { timeZone: 'UTC', renameDuplicates: true })
    expect(renamed.errors).toEqual([])
    expect((await unique.jobs.get(kept!.id)).name).toBe('nightly orders')
    expect((await unique.jobs.get(clashing!.id)).name).toBe(`nightly orders (${clashing!.id.slice(0, 8)})`)
    expect(counts(renamed, 'imported')).toMatchObject({ jobtable: 1, executiontable: 1 })
  })

  it('reads etl-core’s naive times in the zone it is told', async () => {
    const other = await open()
    const path = join(target().dir, 'berlin.db')
    const origin = writeOriginDatabase(path, { jobs: 1, contexts: 0, credentials: 0, schedules: 0, executions: 1, start: '2025-07-01 12:00:00' })
    await other.importOrigin(path, { timeZone: 'Europe/Berlin' })
    const execution = await other.executions.get(origin.executions[0]!.id)
    // 12:00 in Berlin in summer is 10:00 UTC.
    expect(execution.started_at?.getTime()).toBe(origin.executions[0]!.startedAt.getTime() - 2 * 3_600_000)
  })

  it('needs every write permission in every environment', async () => {
    const guarded = await target().open({
      database: { table_prefix: `o${++prefixes}_` },
      security: { master_key_file: keyFile },
      access_control: { enabled: true },
    })
    await guarded.migrate()
    const editor = guarded.as({ id: 'ed', roles: ['editor'] })
    await expect(editor.importOrigin(fixture.path)).rejects.toBeInstanceOf(AccessDeniedError)
    const [denied] = (await guarded.as({ id: 'root', roles: ['admin'] }).audit.list({ order_by: '-seq', limit: 1 })).items
    expect(denied).toMatchObject({ actor: 'ed', action: 'origin.import', outcome: 'denied' })
  })

  it('refuses a file that is not an etl-core database, naming what is missing', async () => {
    await expect(store.importOrigin(join(target().dir, 'nowhere.db'))).rejects.toBeInstanceOf(NotFoundError)
    const error = await store.importOrigin(keyFile).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ValidationError)
    await expect(store.importOrigin(fixture.path, { timeZone: 'Mars/Olympus' })).rejects.toBeInstanceOf(ValidationError)
  })
})
