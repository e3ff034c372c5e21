import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, expect, it } from 'vitest'
import type { QueryEvent } from '../src/config/store-config.js'
import { LinkageError, NotFoundError, PersistenceError, ValidationError } from '../src/errors.js'
import { MASKED_SECRET } from '../src/schema/credential-schema.js'
import { SecretDecryptionError } from '../src/security/secret-errors.js'
import { Store } from '../src/store.js'
import { describeEngines, exec, type EngineTarget } from './helpers/engines.js'
import { TEST_PG_URL } from './helpers/engine-urls.js'
import { openSecretStore, writeKeyFile } from './helpers/secret-store.js'

const PASSWORD_MARKER = 'MARKER-pw-7f3a9c1e'
const PARAMETER_MARKER = 'MARKER-param-b42d88e0'
const ROTATED_MARKER = 'MARKER-updated-5e61aa04'

/** Everything the database holds, as the engine's own backup tool (or the file) shows it. */
function dumpDatabase(target: EngineTarget): string {
  const database = target.config().database ?? {}
  switch (target.engine) {
    case 'sqlite':
      return readdirSync(target.dir)
        .filter((name) => name.startsWith('etl.db'))
        .map((name) => readFileSync(join(target.dir, name)).toString('latin1'))
        .join('\n')
    case 'postgres':
      return execFileSync('pg_dump', ['--schema', String(database.schema), TEST_PG_URL], { encoding: 'utf8' })
    case 'mysql': {
      const url = new URL(String(database.url))
      const args = ['-h', url.hostname, '-P', url.port || '3306', '-u', decodeURIComponent(url.username)]
      if (url.password) args.push(`-p${decodeURIComponent(url.password)}`)
      return execFileSync('mysqldump', [...args, url.pathname.slice(1)], { encoding: 'utf8' })
    }
  }
}

describeEngines('credentials and contexts with encrypted secrets', (target) => {
  let store: Store
  const events: QueryEvent[] = []
  const errors: PersistenceError[] = []
  let keyFile: string

  beforeAll(async () => {
    keyFile = writeKeyFile(target().dir).path
    store = await openSecretStore(target(), keyFile, { onQuery: (event: QueryEvent) => events.push(event) })
  })

  const capture = async (work: Promise<unknown>): Promise<PersistenceError> => {
    const error = await work.then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(PersistenceError)
    errors.push(error as PersistenceError)
    return error as PersistenceError
  }

  it('stores a password that get and list mask and reveal returns', async () => {
    const created = await store.credentials.create({
      name: 'warehouse',
      user: 'etl',
      host: 'db.internal',
      port: 5432,
      database: 'dw',
      pool: { pool_size: 4 },
      password: PASSWORD_MARKER,
    })
    expect(created).toMatchObject({ name: 'warehouse', user: 'etl', port: 5432, password: MASKED_SECRET, pool: { pool_size: 4 } })
    expect((await store.credentials.list()).items.map((c) => c.password)).toEqual([MASKED_SECRET])
    expect(await store.credentials.reveal(created.id)).toBe(PASSWORD_MARKER)
    const updated = await store.credentials.update(created.id, { password: ROTATED_MARKER })
    expect(updated.password).toBe(MASKED_SECRET)
    expect(await store.credentials.reveal(created.id)).toBe(ROTATED_MARKER)
  })

  it('keeps secure context parameters encrypted and resolves one environment', async () => {
    await store.credentials.create({ name: 'reporting', user: 'report', password: `${PASSWORD_MARKER}-2` })
    const context = await store.contexts.upsert({
      name: 'sales',
      environment: 'DEV',
      parameters: { api_token: { value: PARAMETER_MARKER, is_secure: true }, batch: { value: 500 } },
      credentials: { PROD: 'warehouse', DEV: 'reporting' },
    })
    expect(context.parameters).toEqual({
      api_token: { value: MASKED_SECRET, is_secure: true },
      batch: { value: 500, is_secure: false },
    })
    expect(Object.keys(context.credentials).sort()).toEqual(['DEV', 'PROD'])
    const masked = await store.contexts.resolve('sales', 'PROD')
    expect(masked.parameters).toEqual({ api_token: MASKED_SECRET, batch: 500 })
    expect(masked.credentials?.password).toBe(MASKED_SECRET)
    const revealed = await store.contexts.resolve(context.id, 'PROD', { reveal: true })
    expect(revealed.parameters).toEqual({ api_token: PARAMETER_MARKER, batch: 500 })
    expect(revealed.credentials).toMatchObject({ name: 'warehouse', password: ROTATED_MARKER })
  })

  it('replaces parameters and the credentials map atomically on upsert', async () => {
    const before = await store.contexts.getByName('sales')
    await capture(store.contexts.upsert({ name: 'sales', environment: 'TEST', parameters: {}, credentials: { PROD: 'nope' } }))
    expect(await store.contexts.getByName('sales')).toEqual(before)
    const after = await store.contexts.upsert({
      name: 'sales',
      environment: 'TEST',
      parameters: { api_token: { value: PARAMETER_MARKER, is_secure: true } },
      credentials: { PROD: 'warehouse' },
    })
    expect(after.id).toBe(before.id)
    expect(after.environment).toBe('TEST')
    expect(Object.keys(after.parameters)).toEqual(['api_token'])
    expect(Object.keys(after.credentials)).toEqual(['PROD'])
    expect((await store.contexts.resolve('sales', 'PROD', { reveal: true })).parameters.api_token).toBe(PARAMETER_MARKER)
  })

  it('lists through the shared query language and deletes a context with its parameters', async () => {
    const page = await store.credentials.list({ where: { column: 'host', operator: '==', value: 'db.internal' }, total: true })
    expect(page.items.map((credential) => credential.name)).toEqual(['warehouse'])
    expect(page.total).toBe(1)
    const scratch = await store.contexts.upsert({ name: 'scratch', environment: 'PROD', parameters: { s: { value: 'x', is_secure: true } } })
    expect((await store.contexts.list({ where: { column: 'environment', operator: '==', value: 'PROD' } })).items.map((c) => c.name)).toEqual(['scratch'])
    await store.contexts.delete(scratch.id)
    await expect(store.contexts.get(scratch.id)).rejects.toBeInstanceOf(NotFoundError)
  })

  it('refuses to delete credentials a context uses, naming the context', async () => {
    const warehouse = await store.credentials.getByName('warehouse')
    const error = await capture(store.credentials.delete(warehouse.id))
    expect(error).toBeInstanceOf(LinkageError)
    expect(error.message).toContain('sales (PROD)')
    const reporting = await store.credentials.getByName('reporting')
    await store.credentials.delete(reporting.id)
    await expect(store.credentials.get(reporting.id)).rejects.toBeInstanceOf(NotFoundError)
  })

  it('rejects bad input with the path of the offending value', async () => {
    const error = await capture(store.credentials.create({ name: 'x', port: 70_000, password: PASSWORD_MARKER }))
    expect((error as ValidationError).issues[0]?.path).toBe('port')
    const context = await capture(
      store.contexts.upsert({ name: 'y', environment: 'STAGE' as 'DEV', parameters: { k: { value: PARAMETER_MARKER, secure: true } as never } }),
    )
    expect((context as ValidationError).issues.map((issue) => issue.path).sort()).toEqual(['environment', 'parameters.k'])
    await capture(store.credentials.create({ name: 'warehouse', password: PASSWORD_MARKER }))
  })

  it('fails to decrypt a ciphertext copied to another row, with a typed error naming the key', async () => {
    const victim = await store.credentials.create({ name: 'victim', password: 'victim-password' })
    const warehouse = await store.credentials.getByName('warehouse')
    const db = target().raw().db
    const table = Store.context(store).table('credentials')
    const [source] = (await exec(db, `select password_ciphertext as c, password_key_id as k from ${table} where name = 'warehouse'`)) as Array<{
      c: string
      k: string
    }>
    await Store.context(store)
      .db.updateTable('credentials')
      .set({ password_ciphertext: source?.c, password_key_id: source?.k })
      .where('id', '=', victim.id)
      .execute()
    const error = await capture(store.credentials.reveal(victim.id))
    expect(error).toBeInstanceOf(SecretDecryptionError)
    expect((error as SecretDecryptionError).key_id).toBe(source?.k)
    expect(JSON.stringify(error.toJSON())).toContain(String(source?.k))
    expect(await store.credentials.reveal(warehouse.id)).toBe(ROTATED_MARKER)
  })

  it('refuses a wrong master key with a typed error naming the key ids', async () => {
    const other = await openSecretStore(target(), writeKeyFile(target().dir).path)
    const warehouse = await other.credentials.getByName('warehouse')
    const error = await capture(other.credentials.reveal(warehouse.id))
    expect(error).toBeInstanceOf(SecretDecryptionError)
    expect(error.message).toMatch(/master key mk_[0-9a-f]{16}/)
  })

  it('leaves no marker in the database, its dump, the statement log or any error JSON', async () => {
    const dump = dumpDatabase(target())
    expect(dump).toContain('warehouse')
    const surfaces = [dump, JSON.stringify(events), ...errors.map((error) => JSON.stringify(error.toJSON()))]
    for (const marker of [PASSWORD_MARKER, PARAMETER_MARKER, ROTATED_MARKER]) {
      for (const surface of surfaces) expect(surface).not.toContain(marker)
    }
    expect(errors.length).toBeGreaterThanOrEqual(6)
  })
})
