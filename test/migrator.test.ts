import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { MigrationError } from '../src/errors.js'
import { coreMigrations } from '../src/migrations/index.js'
import type { Migration } from '../src/migrations/migration.js'
import { catalogSnapshot } from './helpers/catalog.js'
import { runCli } from './helpers/cli.js'
import { describeEngines, exec } from './helpers/engines.js'

function probeMigration(name: string, column: string): Migration {
  return {
    name,
    up: ({ schema, table, adapter, types }) => [
      adapter
        .tableOptions(
          schema
            .createTable(table(`probe_${name}`))
            .addColumn('id', 'integer', (c) => c.primaryKey())
            .addColumn(column, types.string(50)),
        )
        .compile(),
    ],
    down: ({ schema, table }) => [schema.dropTable(table(`probe_${name}`)).compile()],
  }
}

describeEngines('migrator', (target) => {
  it('applies every core migration once and reports them applied', async () => {
    const store = await target().open()
    const applied = await store.migrate()
    expect(applied.map((result) => result.name)).toEqual(coreMigrations.map((migration) => migration.name))
    expect(await store.migrate()).toEqual([])
    const status = await store.migrator.status()
    expect(status.every((entry) => entry.state === 'applied')).toBe(true)
    expect(await store.storeId()).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('leaves the same catalog after up → down → up', async () => {
    const store = await target().open({ database: { table_prefix: 'rt_' } })
    const { db } = target().raw()
    await store.migrate()
    const first = await catalogSnapshot(db, target().engine)
    await store.migrator.down({ to: '0' })
    const empty = await catalogSnapshot(db, target().engine)
    expect(empty.some((line) => line.includes('rt_store_info'))).toBe(false)
    await store.migrator.up()
    expect(await catalogSnapshot(db, target().engine)).toEqual(first)
  })

  it('plans the SQL without running it', async () => {
    const store = await target().open({ database: { table_prefix: 'plan_' } })
    const plan = await store.migrator.plan()
    expect(plan[0]?.name).toBe('0001_store_info')
    expect(plan[0]?.sql.join('\n')).toMatch(/create table .?plan_store_info/i)
    expect((await store.migrator.status()).every((entry) => entry.state === 'pending')).toBe(true)
  })

  it('refuses to start when an applied migration was edited, naming it', async () => {
    const prefix = { database: { table_prefix: 'edit_' } }
    const store = await target().open(prefix, { migrations: [probeMigration('0001_probe', 'label')] })
    await store.migrate()
    const opening = target().open(prefix, { migrations: [probeMigration('0001_probe', 'renamed')] })
    await expect(opening).rejects.toBeInstanceOf(MigrationError)
    await expect(opening).rejects.toMatchObject({ migration: '0001_probe', error_type: 'migration_error' })
  })

  it('refuses a database migrated by newer code', async () => {
    const prefix = { database: { table_prefix: 'newer_' } }
    const newer = await target().open(prefix, {
      migrations: [probeMigration('0001_a', 'x'), probeMigration('0002_b', 'y')],
    })
    await newer.migrate()
    await expect(target().open(prefix, { migrations: [probeMigration('0001_a', 'x')] })).rejects.toMatchObject({
      error_type: 'migration_error',
      migration: '0002_b',
    })
  })

  it('reports a failing migration as a migration_error and records nothing for it', async () => {
    const prefix = { database: { table_prefix: 'bad_' } }
    const broken: Migration = {
      name: '0002_broken',
      up: ({ raw }) => [raw(sql`select * from no_such_table_anywhere`)],
      down: () => [],
    }
    const store = await target().open(prefix, { migrations: [probeMigration('0001_ok', 'x'), broken] })
    await expect(store.migrate()).rejects.toMatchObject({ error_type: 'migration_error', migration: '0002_broken' })
    const status = await store.migrator.status()
    expect(status.find((entry) => entry.name === '0002_broken')?.state).toBe('pending')
  })

  it('applies each migration exactly once when four processes migrate at once', async () => {
    const file = target().configFile({ table_prefix: 'conc_' })
    const results = await Promise.all([1, 2, 3, 4].map(() => runCli(['--config', file, 'migrate', 'up', '--json'])))
    for (const result of results) expect(result.code, result.stderr).toBe(0)
    const appliedPerProcess = results.map((result) => (JSON.parse(result.stdout) as unknown[]).length)
    expect(appliedPerProcess.reduce((a, b) => a + b, 0)).toBe(coreMigrations.length)
    const { db } = target().raw()
    const rows = await exec(db, 'select name from conc_migrations')
    expect(rows).toHaveLength(coreMigrations.length)
  })
})

describe('migrator ordering', () => {
  it('keeps core migrations numbered and in order', () => {
    const names = coreMigrations.map((migration) => migration.name)
    expect([...names].sort()).toEqual(names)
    expect(new Set(names).size).toBe(names.length)
    for (const name of names) expect(name).toMatch(/^\d{4}_[a-z0-9_]+$/)
  })
})
