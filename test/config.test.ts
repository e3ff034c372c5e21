import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveConfig, describeConfig } from '../src/config/store-config.js'
import { ValidationError } from '../src/errors.js'
import { openStore } from '../src/store.js'
import { validationIssues } from './helpers/validation.js'

describe('configuration', () => {
  it('defaults to the embedded SQLite file', () => {
    const config = resolveConfig(undefined, {})
    expect(config.database.url).toBe('sqlite://./.etlp/etl.db')
    expect(config.target).toEqual({ engine: 'sqlite', filename: './.etlp/etl.db' })
    expect(config.database).toMatchObject({ pool_size: 5, max_overflow: 10, pool_timeout: 30, pool_recycle: 3600, table_prefix: 'etl_' })
    expect(config.database).toMatchObject({ busy_timeout: 10_000, wal_checkpoint_mb: 16 })
  })

  it('accepts the seed’s database JSON', () => {
    const config = resolveConfig(
      { database: { url: 'postgresql://user:password@localhost/etl_db', pool_size: 10, max_overflow: 20, pool_timeout: 30, pool_recycle: 3600 } },
      {},
    )
    expect(config.target.engine).toBe('postgres')
    expect(config.database.pool_size + config.database.max_overflow).toBe(30)
  })

  it('names the path of an unknown key and of a bad value', () => {
    expect(validationIssues(() => resolveConfig({ database: { url: 'sqlite://:memory:', pol_size: 3 } as never }, {}))[0]?.path).toBe('database')
    expect(validationIssues(() => resolveConfig({ database: { pool_size: -1 } }, {})).map((issue) => issue.path)).toEqual(['database.pool_size'])
    expect(validationIssues(() => resolveConfig({ database: { pool_timeout: 'soon' as never } }, {}))[0]?.path).toBe('database.pool_timeout')
    expect(validationIssues(() => resolveConfig({ database: { wal_checkpoint_mb: 0 } }, {}))[0]?.path).toBe('database.wal_checkpoint_mb')
    expect(validationIssues(() => resolveConfig({ databse: {} } as never, {}))[0]?.message).toMatch(/databse/)
  })

  it('rejects an unknown URL scheme and a schema outside PostgreSQL', () => {
    expect(validationIssues(() => resolveConfig({ database: { url: 'oracle://x/y' } }, {}))[0]?.path).toBe('database.url')
    expect(validationIssues(() => resolveConfig({ database: { url: 'sqlite://:memory:', schema: 'etl' } }, {}))[0]?.path).toBe('database.schema')
    expect(validationIssues(() => resolveConfig({ database: { url: 'postgres://h/db', schema: 'bad name' } }, {}))[0]?.path).toBe('database.schema')
  })

  it('lets ETLP_DATABASE_URL override the URL and reads mariadb:// as MySQL', () => {
    const config = resolveConfig({ database: { url: 'sqlite://:memory:' } }, { ETLP_DATABASE_URL: 'mariadb://root@127.0.0.1/test' })
    expect(config.target).toEqual({ engine: 'mysql', connectionString: 'mysql://root@127.0.0.1/test' })
  })

  it('reads a JSON file and reports a broken one as a validation_error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'etlp-config-'))
    const good = join(dir, 'good.json')
    writeFileSync(good, JSON.stringify({ database: { url: 'sqlite://:memory:', table_prefix: 'x_' } }))
    expect(resolveConfig(good, {}).database.table_prefix).toBe('x_')
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, '{ not json')
    expect(() => resolveConfig(bad, {})).toThrow(ValidationError)
    expect(() => resolveConfig(join(dir, 'missing.json'), {})).toThrow(ValidationError)
  })

  it('never shows the password', () => {
    const config = resolveConfig({ database: { url: 'postgres://etl:hunter2secret@db.example/etl' } }, {})
    const shown = JSON.stringify(describeConfig(config))
    expect(shown).not.toContain('hunter2secret')
    expect(shown).toContain('postgres://etl:***@db.example/etl')
  })

  it('creates the directory of a new SQLite file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'etlp-dir-'))
    const store = await openStore({ database: { url: `sqlite://${join(dir, 'nested', 'deeper', 'etl.db')}` } })
    await store.migrate()
    await store.close()
    expect(existsSync(join(dir, 'nested', 'deeper', 'etl.db'))).toBe(true)
  })
})
