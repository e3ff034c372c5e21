import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { TablePrefixPlugin } from '../src/db/table-prefix-plugin.js'
import { openStore, Store } from '../src/store.js'
import { CORE_TABLES, type CoreDatabase } from '../src/tables/core-database.js'

const dir = mkdtempSync(join(tmpdir(), 'etlp-prefix-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A database that only compiles: what the plugin writes, without a connection. */
function compiler<Database>(prefix: string): Kysely<Database> {
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
    plugins: [new TablePrefixPlugin(prefix, CORE_TABLES.keys())],
  })
}

describe.each(['x_', ''])('a SQLite store with table_prefix %j', (prefix) => {
  it('migrates, creates a job, starts an execution and lists both, in the prefixed tables', async () => {
    const store = await openStore({ database: { url: `sqlite://${join(dir, `store${prefix}.db`)}`, table_prefix: prefix } })
    try {
      await store.migrate()
      const job = await store.jobs.create({
        name: 'prefixed',
        strategy_type: 'row',
        components: [
          { comp_type: 'read_csv', name: 'read', filepath: 'in.csv', routes: { out: ['write'] } },
          { comp_type: 'write_csv', name: 'write', filepath: 'out.csv' },
        ],
      })
      const execution = await store.executions.start({ jobId: job.id, environment: 'DEV' })
      expect((await store.jobs.list()).items.map((item) => item.id)).toEqual([job.id])
      expect((await store.executions.list({ where: { column: 'job_id', operator: '==', value: job.id } })).items.map((item) => item.id)).toEqual([execution.id])

      const { db, adapter } = Store.context(store)
      expect(await adapter.tableExists(db, `${prefix}jobs`)).toBe(true)
      expect(await adapter.tableExists(db, `${prefix}executions`)).toBe(true)
      expect(db.selectFrom('jobs').select('id').compile().sql).toBe(`select "id" from "${prefix}jobs"`)
    } finally {
      await store.close()
    }
  })
})

describe('the table prefix plugin', () => {
  const db = compiler<CoreDatabase>('x_')

  it('prefixes a core table wherever a query names it', () => {
    const query = db
      .selectFrom('executions')
      .innerJoin('jobs', 'jobs.id', 'executions.job_id')
      .select(['executions.id', 'jobs.name'])
      .where('executions.status', '=', 'QUEUED')
      .compile()
    expect(query.sql).toBe(
      'select "x_executions"."id", "x_jobs"."name" from "x_executions" inner join "x_jobs" on "x_jobs"."id" = "x_executions"."job_id" where "x_executions"."status" = ?',
    )
    expect(db.updateTable('jobs').set({ name: 'n' }).where('id', '=', 'j').compile().sql).toBe('update "x_jobs" set "name" = ? where "id" = ?')
    expect(db.deleteFrom('schedules').where('id', '=', 's').compile().sql).toBe('delete from "x_schedules" where "id" = ?')
  })

  it('leaves an alias as written and prefixes only the table behind it', () => {
    const query = db
      .selectFrom('context_credentials as link')
      .innerJoin('credentials as credential', 'credential.id', 'link.credential_id')
      .select('credential.name')
      .compile()
    expect(query.sql).toBe(
      'select "credential"."name" from "x_context_credentials" as "link" inner join "x_credentials" as "credential" on "credential"."id" = "link"."credential_id"',
    )
  })

  it('passes names that are not core tables through, already prefixed ones included', () => {
    const models = compiler<Record<string, { id: string }>>('x_')
    expect(models.selectFrom('notes').select('id').compile().sql).toBe('select "id" from "notes"')
    expect(models.selectFrom('x_jobs').select('id').compile().sql).toBe('select "id" from "x_jobs"')
    expect(models.selectFrom('etl_jobs').select('id').compile().sql).toBe('select "id" from "etl_jobs"')
  })

  it('writes the names as they are with an empty prefix', () => {
    expect(compiler<CoreDatabase>('').selectFrom('jobs').select('id').compile().sql).toBe('select "id" from "jobs"')
  })
})
