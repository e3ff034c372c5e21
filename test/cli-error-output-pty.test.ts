import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, runCli } from './helpers/cli.js'

// util-linux `script` gives the command a real pseudo-terminal, so stderr.isTTY is true
// there as it is for a person at a shell.
const hasScript = spawnSync('script', ['--version']).status === 0

/** Runs etlp under a pseudo-terminal; returns everything the terminal showed (CRLF made LF). */
function onTerminal(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; screen: string }> {
  const quoted = [process.execPath, CLI, ...args].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ')
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', quoted, '/dev/null'], {
      env: { ...process.env, ETLP_DATABASE_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let screen = ''
    child.stdout.on('data', (chunk) => (screen += chunk))
    child.stderr.on('data', (chunk) => (screen += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? -1, screen: screen.replaceAll('\r\n', '\n') }))
  })
}

describe.skipIf(!hasScript)('etlp errors on a real terminal', () => {
  let dir: string
  let database: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'etlp-cli-error-'))
    database = `sqlite://${join(dir, 'store.db')}`
    const migrated = await runCli(['--database-url', database, 'migrate', 'up'])
    expect(migrated.code, migrated.stderr).toBe(0)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('shows a missing job as one human line and exits 1', async () => {
    const { code, screen } = await onTerminal(['--database-url', database, 'jobs', 'show', 'nope'], { NO_COLOR: '1' })
    expect(screen).toBe('not_found: Job named "nope" not found\n')
    expect(code).toBe(1)
  })

  it('colours the error type on a terminal when NO_COLOR is unset', async () => {
    const { screen } = await onTerminal(['--database-url', database, 'jobs', 'show', 'nope'], { NO_COLOR: '' })
    expect(screen).toBe('\u001b[31mnot_found\u001b[0m: Job named "nope" not found\n')
  })

  it('prints the JSON report on a terminal with --json', async () => {
    const { code, screen } = await onTerminal(['--database-url', database, '--json', 'jobs', 'show', 'nope'], {})
    expect(JSON.parse(screen)).toEqual({
      persistence_error: { error_type: 'not_found', table_name: 'etl_jobs', message: 'Job named "nope" not found' },
    })
    expect(code).toBe(1)
  })

  it('prints the JSON report when stderr is a pipe', async () => {
    const { code, stderr } = await runCli(['--database-url', database, 'jobs', 'show', 'nope'])
    expect(JSON.parse(stderr).persistence_error).toMatchObject({ error_type: 'not_found' })
    expect(code).toBe(1)
  })
})
