import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MissingMasterKeyError } from '../src/security/secret-errors.js'
import { runCli } from './helpers/cli.js'
import { describeEngines } from './helpers/engines.js'
import { writeKeyFile } from './helpers/secret-store.js'

const MARKER = 'MARKER-cli-3d9e1f77'
const NO_KEY = { ETLP_MASTER_KEY: '' }

describe('etlp on the embedded SQLite default without a key', () => {
  it('generates a 0600 key file beside the database with a warning, once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'etlp-keys-'))
    const url = ['--database-url', `sqlite://${join(dir, 'etl.db')}`]
    expect((await runCli([...url, 'migrate', 'up'], NO_KEY)).code).toBe(0)
    const added = await runCli([...url, 'credentials', 'add', 'warehouse', '--user', 'etl', '--password-env', 'PW'], { ...NO_KEY, PW: MARKER })
    expect(added.code, added.stderr).toBe(0)
    expect(added.stderr).toMatch(/warning: no master key configured; generated .*etl\.db\.key \(mode 0600\)/)
    const keyFile = join(dir, 'etl.db.key')
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    const shown = await runCli([...url, '--json', 'credentials', 'show', 'warehouse', '--reveal'], NO_KEY)
    expect(shown.stderr).toBe('')
    expect((JSON.parse(shown.stdout) as { password: string }).password).toBe(MARKER)
    const listed = await runCli([...url, 'credentials', 'list'], NO_KEY)
    expect(listed.stdout).toContain('********')
    expect(listed.stdout).not.toContain(MARKER)
    expect(readFileSync(join(dir, 'etl.db')).toString('latin1')).not.toContain(MARKER)
  })

  it('rotates to a new generated key in place: the key file is replaced and still opens everything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'etlp-keys-'))
    const url = ['--database-url', `sqlite://${join(dir, 'etl.db')}`]
    await runCli([...url, 'migrate', 'up'], NO_KEY)
    await runCli([...url, 'credentials', 'add', 'warehouse', '--password-env', 'PW'], { ...NO_KEY, PW: MARKER })
    const before = readFileSync(join(dir, 'etl.db.key'), 'utf8')
    const newKey = join(dir, 'next.key')
    const rotated = await runCli([...url, '--json', 'keys', 'rotate', '--new-key-file', newKey], NO_KEY)
    expect(rotated.code, rotated.stderr).toBe(0)
    expect(rotated.stderr).toMatch(/\[#+\] 100% 1\/1/)
    expect(JSON.parse(rotated.stdout)).toMatchObject({ reencrypted: 1, generated: true })
    expect(readFileSync(join(dir, 'etl.db.key'), 'utf8')).toBe(readFileSync(newKey, 'utf8'))
    expect(readFileSync(join(dir, 'etl.db.key'), 'utf8')).not.toBe(before)
    const shown = await runCli([...url, '--json', 'credentials', 'show', 'warehouse', '--reveal'], NO_KEY)
    expect((JSON.parse(shown.stdout) as { password: string }).password).toBe(MARKER)
  })
})

describeEngines(
  'a server store without a master key',
  (target) => {
    it('stores what is not secret, and refuses the first secret with a typed error', async () => {
      const previous = process.env.ETLP_MASTER_KEY
      delete process.env.ETLP_MASTER_KEY
      try {
        const store = await target().open()
        await store.migrate()
        await store.credentials.create({ name: 'no-password', user: 'etl' })
        const error = await store.credentials.create({ name: 'with-password', password: MARKER }).catch((caught: unknown) => caught)
        expect(error).toBeInstanceOf(MissingMasterKeyError)
        expect((error as MissingMasterKeyError).toJSON().persistence_error).toMatchObject({
          error_type: 'validation_error',
          issues: [{ path: 'security.master_key_file' }],
        })
        expect(JSON.stringify((error as MissingMasterKeyError).toJSON())).not.toContain(MARKER)
      } finally {
        if (previous !== undefined) process.env.ETLP_MASTER_KEY = previous
      }
    })
  },
  ['postgres', 'mysql'],
)

describeEngines('etlp credentials, contexts, schedules and keys', (target) => {
  it('manages secrets, schedules and a key rotation end to end', async () => {
    const key = writeKeyFile(target().dir)
    const configFile = join(target().dir, 'cli-config.json')
    writeFileSync(configFile, JSON.stringify({ ...target().config({ table_prefix: 'cli_' }), security: { master_key_file: key.path } }))
    const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(['--config', configFile, ...args], { ...NO_KEY, ...env })
    expect((await cli(['migrate', 'up'])).code).toBe(0)

    const added = await cli(['credentials', 'add', 'warehouse', '--user', 'etl', '--host', 'db', '--port', '5432', '--password-env', 'PW'], { PW: MARKER })
    expect(added.code, added.stderr).toBe(0)
    const set = await cli(['contexts', 'set', 'sales', '--param', 'batch=500', '--secret-env', 'token=TOKEN', '--credentials', 'PROD=warehouse'], {
      TOKEN: `${MARKER}-token`,
    })
    expect(set.code, set.stderr).toBe(0)
    const resolved = await cli(['--json', 'contexts', 'show', 'sales', '--environment', 'PROD', '--reveal'])
    expect(JSON.parse(resolved.stdout)).toMatchObject({
      parameters: { batch: 500, token: `${MARKER}-token` },
      credentials: { name: 'warehouse', password: MARKER },
    })
    const listed = await cli(['contexts', 'list'])
    expect(listed.stdout).toMatch(/sales\s+DEV\s+2\s+PROD=warehouse/)
    const refused = await cli(['credentials', 'delete', 'warehouse'])
    expect(refused.code).toBe(1)
    expect(JSON.parse(refused.stderr)).toMatchObject({ persistence_error: { error_type: 'linkage_error' } })

    const job = await cli(['jobs', 'import', 'examples/jobs'])
    expect(job.code, job.stderr).toBe(0)
    const jobs = JSON.parse((await cli(['--json', 'jobs', 'list'])).stdout) as { items: Array<{ name: string }> }
    const jobName = String(jobs.items[0]?.name)
    const scheduled = await cli(['--json', 'schedules', 'add', 'nightly', '--job', jobName, '--cron', '30 2 * * *', '--timezone', 'Europe/Berlin'])
    expect(scheduled.code, scheduled.stderr).toBe(0)
    const bad = await cli(['schedules', 'add', 'broken', '--job', jobName, '--cron', '30 2 * * *', '--timezone', 'Mars/Olympus'])
    expect(JSON.parse(bad.stderr)).toMatchObject({ persistence_error: { issues: [{ path: 'trigger.cron.timezone' }] } })
    expect((await cli(['schedules', 'pause', 'nightly'])).stdout).toContain('paused')
    expect((await cli(['--json', 'schedules', 'due', '--now', '2100-01-01T00:00:00Z'])).stdout.trim()).toBe('[]')
    expect((await cli(['schedules', 'resume', 'nightly'])).code).toBe(0)
    const due = JSON.parse((await cli(['--json', 'schedules', 'due', '--now', '2100-01-01T00:00:00Z'])).stdout) as unknown[]
    expect(due).toHaveLength(1)
    expect((await cli(['schedules', 'list'])).stdout).toMatch(/nightly/)

    const newKeyFile = join(target().dir, 'cli-next.key')
    const rotated = await cli(['keys', 'rotate', '--new-key-file', newKeyFile])
    expect(rotated.code, rotated.stderr).toBe(0)
    expect(rotated.stdout).toContain(`Now point security.master_key_file at ${newKeyFile}`)
    expect(existsSync(newKeyFile)).toBe(true)
    const stale = await cli(['credentials', 'show', 'warehouse', '--reveal'])
    expect(JSON.parse(stale.stderr)).toMatchObject({ persistence_error: { error_type: 'access_denied' } })
    expect(stale.stderr).not.toContain(MARKER)
    writeFileSync(configFile, JSON.stringify({ ...target().config({ table_prefix: 'cli_' }), security: { master_key_file: newKeyFile } }))
    const fresh = await cli(['--json', 'credentials', 'show', 'warehouse', '--reveal'])
    expect((JSON.parse(fresh.stdout) as { password: string }).password).toBe(MARKER)
  }, 180_000)
})
