import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { SecretDecryptionError } from '../src/security/secret-errors.js'
import { Store } from '../src/store.js'
import { describeEngines } from './helpers/engines.js'
import { openSecretStore, writeKeyFile } from './helpers/secret-store.js'

const ROTATOR = fileURLToPath(new URL('./fixtures/rotate-keys.mjs', import.meta.url))
const CREDENTIALS = 50
const CONTEXTS = 10
const PARAMETERS = 995
const SECRETS = CREDENTIALS + CONTEXTS * PARAMETERS

/** Runs the rotation in a child process and SIGKILLs it once half the secrets are re-encrypted. */
function rotateAndKillHalfway(configFile: string, newKeyFile: string): Promise<{ signal: string | null; done: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ROTATOR, configFile, newKeyFile, '100'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let buffer = ''
    let stderr = ''
    let done = 0
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      const lines = buffer.split('\n')
      buffer = lines.pop() ?? ''
      for (const line of lines) {
        const progress = JSON.parse(line) as { done?: number; total?: number }
        if (progress.done !== undefined && progress.total !== undefined && progress.done >= progress.total / 2 && done === 0) {
          done = progress.done
          child.kill('SIGKILL')
        }
      }
    })
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code, signal) => (signal === null && code !== 0 ? reject(new Error(stderr)) : resolve({ signal, done })))
  })
}

async function expectEverySecret(store: Store): Promise<void> {
  for (let i = 0; i < CREDENTIALS; i++) {
    const credential = await store.credentials.getByName(`db-${i}`)
    expect(await store.credentials.reveal(credential.id)).toBe(`password-${i}`)
  }
  for (let c = 0; c < CONTEXTS; c++) {
    const { parameters } = await store.contexts.resolve(`context-${c}`, 'DEV', { reveal: true })
    expect(Object.keys(parameters)).toHaveLength(PARAMETERS)
    for (let p = 0; p < PARAMETERS; p++) expect(parameters[`p${p}`]).toBe(`secret-${c}-${p}`)
  }
}

async function secretsUnderKey(store: Store, keyId: string): Promise<number> {
  const { db } = Store.context(store)
  const count = async (name: 'credentials' | 'context_parameters', column: 'password_key_id' | 'value_key_id') =>
    Number(
      (
        await db
          .selectFrom(name)
          .select((eb) => eb.fn.countAll().as('n'))
          .where(column, '=', keyId)
          .executeTakeFirst()
      )?.n,
    )
  return (await count('credentials', 'password_key_id')) + (await count('context_parameters', 'value_key_id'))
}

describeEngines('key rotation', (target) => {
  it(`finishes a rotation of ${SECRETS} secrets killed half-way; afterwards only the new key is needed`, async () => {
    const oldKey = writeKeyFile(target().dir)
    const newKey = writeKeyFile(target().dir)
    const store = await openSecretStore(target(), oldKey.path)
    for (let i = 0; i < CREDENTIALS; i++) await store.credentials.create({ name: `db-${i}`, user: 'etl', password: `password-${i}` })
    for (let c = 0; c < CONTEXTS; c++) {
      const parameters = Object.fromEntries(Array.from({ length: PARAMETERS }, (_, p) => [`p${p}`, { value: `secret-${c}-${p}`, is_secure: true }]))
      await store.contexts.upsert({ name: `context-${c}`, environment: 'DEV', parameters })
    }
    const [oldDataKey] = await store.keys.list()
    expect(await secretsUnderKey(store, String(oldDataKey?.id))).toBe(SECRETS)

    const configFile = join(target().dir, 'rotation-config.json')
    writeFileSync(configFile, JSON.stringify({ ...target().config(), security: { master_key_file: oldKey.path } }))
    const killed = await rotateAndKillHalfway(configFile, newKey.path)
    expect(killed.signal).toBe('SIGKILL')
    const left = await secretsUnderKey(store, String(oldDataKey?.id))
    expect(left).toBeGreaterThan(0)
    expect(left).toBeLessThan(SECRETS)

    // Half-way, the store still decrypts everything with either master key.
    await expectEverySecret(await openSecretStore(target(), oldKey.path))
    await expectEverySecret(await openSecretStore(target(), newKey.path))

    const result = await store.keys.rotate({ newKey: readFileSync(newKey.path, 'utf8') })
    expect(result.reencrypted).toBe(left)
    expect(await store.keys.list()).toEqual([{ id: result.key_id, status: 'current', master_key_ids: [result.master_key_id] }])

    const fresh = await openSecretStore(target(), newKey.path)
    expect(fresh.keys.masterKeyId()).toBe(result.master_key_id)
    await expectEverySecret(fresh)
    const stale = await openSecretStore(target(), oldKey.path)
    await expect(stale.credentials.reveal((await stale.credentials.getByName('db-0')).id)).rejects.toBeInstanceOf(SecretDecryptionError)
  }, 180_000)

  it('rotates the data key alone when no new master key is given', async () => {
    const key = writeKeyFile(target().dir)
    const store = await openSecretStore(target(), key.path, { database: { ...target().config().database, table_prefix: 'solo_' } })
    const credential = await store.credentials.create({ name: 'solo', password: 'solo-password' })
    const [before] = await store.keys.list()
    const progress: number[] = []
    const result = await store.keys.rotate({ onProgress: ({ done }) => progress.push(done) })
    expect(result.retired_key_ids).toEqual([before?.id])
    expect(result.master_key_id).toBe(before?.master_key_ids[0])
    expect(progress).toEqual([0, 1])
    expect(await store.credentials.reveal(credential.id)).toBe('solo-password')
  })
})
