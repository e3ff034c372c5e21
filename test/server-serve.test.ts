import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterEach, expect, it } from 'vitest'
import { Store } from '../src/store.js'
import { CLI } from './helpers/cli.js'
import { describeEngines, type EngineTarget } from './helpers/engines.js'

/** `etlp serve` as a child process, its output collected as it comes. */
interface ServeProcess {
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
  readonly output: { stdout: string; stderr: string }
  /** Resolves with the first match of `pattern` in the stream; rejects if the process exits first. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpMatchArray>
}

/** Children a failed test left running are killed after it. */
const started = new Set<ChildProcess>()
afterEach(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  started.clear()
})

function startServe(args: readonly string[], env: NodeJS.ProcessEnv = {}): ServeProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ETLP_DATABASE_URL: '', CORS_ALLOW_ORIGINS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  started.add(child)
  const output = { stdout: '', stderr: '' }
  const waiters = new Set<() => void>()
  const notify = () => waiters.forEach((waiter) => waiter())
  child.stdout?.on('data', (chunk) => ((output.stdout += chunk), notify()))
  child.stderr?.on('data', (chunk) => ((output.stderr += chunk), notify()))
  let done = false
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => ((done = true), notify(), resolve(code))))
  const waitFor = (stream: 'stdout' | 'stderr', pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output[stream])
        if (match) resolve(match)
        else if (done) reject(new Error(`etlp serve exited before ${String(pattern)} appeared on ${stream}:\n${output.stdout}\n${output.stderr}`))
        else return
        waiters.delete(check)
      }
      waiters.add(check)
      check()
    })
  return { child, exited, output, waitFor }
}

async function listening(serveProcess: ServeProcess): Promise<string> {
  return (await serveProcess.waitFor('stderr', /listening on (http:\/\/\S+)/))[1] as string
}

/** A GET on a connection of its own (no pooled keep-alive connection), as status and body. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { agent: false, headers }, (response) => {
      let body = ''
      response.on('data', (chunk) => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
    })
    request.on('error', reject)
    request.end()
  })
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)

describeEngines(
  'etlp serve',
  (target) => {
    const sqliteFile = (name: string) => join(target().dir, name)

    it('migrates a new database, answers /health and /ready, and on SIGTERM exits 0 with the store closed', async () => {
      const file = sqliteFile('served.db')
      const serving = startServe(['--database-url', `sqlite://${file}`, 'serve', '--port', '0'])
      const url = await listening(serving)
      expect(serving.output.stderr).toMatch(/applied migration 0009_api_tokens/)

      expect(await get(`${url}/health`)).toEqual({ status: 200, body: JSON.stringify({ status: 'ok' }) })
      const ready = await get(`${url}/ready`)
      expect(ready.status).toBe(200)
      expect(JSON.parse(ready.body)).toEqual({ status: 'ready', engine: 'sqlite' })
      const unauthenticated = await get(`${url}/no-such-route`)
      expect(unauthenticated.status).toBe(401)

      serving.child.kill('SIGTERM')
      expect(await serving.exited).toBe(0)
      expect(serving.output.stderr).toMatch(/etlp serve: stopped/)
      const log = jsonLines(serving.output.stdout)
      expect(log.some((line) => line.signal === 'SIGTERM' && String(line.msg).startsWith('shutting down'))).toBe(true)
      expect(log.some((line) => String(line.msg).startsWith('Server listening at'))).toBe(true)

      // A closed store leaves no write-ahead log behind; another process opens the file.
      expect(existsSync(`${file}-wal`)).toBe(false)
      const again = await target().open({ database: { url: `sqlite://${file}` } })
      expect((await again.migrator.status()).every((migration) => migration.state === 'applied')).toBe(true)
    })

    it('stops on SIGINT too, allows the origins of CORS_ALLOW_ORIGINS or --cors-origins, and runs tokenless requests as --anonymous', async () => {
      const file = sqliteFile('cors.db')
      const env = { CORS_ALLOW_ORIGINS: 'http://a.example, http://b.example,' }
      const fromEnv = startServe(['--database-url', `sqlite://${file}`, 'serve', '--port', '0', '--log-level', 'silent'], env)
      const envUrl = await listening(fromEnv)
      const allowed = await allowedOrigin(envUrl, 'http://b.example')
      const refused = await allowedOrigin(envUrl, 'http://c.example')
      fromEnv.child.kill('SIGINT')
      expect(await fromEnv.exited).toBe(0)
      expect(fromEnv.output.stdout).toBe('')
      expect([allowed, refused]).toEqual(['http://b.example', null])

      const fromOption = startServe(
        ['--database-url', `sqlite://${file}`, 'serve', '--port', '0', '--cors-origins', 'http://c.example', '--anonymous', '{"id":"gui","roles":["viewer"]}'],
        env,
      )
      const optionUrl = await listening(fromOption)
      const origins = [await allowedOrigin(optionUrl, 'http://c.example'), await allowedOrigin(optionUrl, 'http://b.example')]
      // With an anonymous principal a request without a token gets past authentication: 404, not 401.
      const anonymous = await get(`${optionUrl}/no-such-route`)
      fromOption.child.kill('SIGTERM')
      expect(await fromOption.exited).toBe(0)
      expect(origins).toEqual(['http://c.example', null])
      expect(anonymous.status).toBe(404)
    })

    it('with --no-migrate, refuses to start while migrations are pending', async () => {
      const result = startServe(['--database-url', `sqlite://${sqliteFile('unmigrated.db')}`, 'serve', '--port', '0', '--no-migrate'])
      expect(await result.exited).toBe(1)
      expect(JSON.parse(result.output.stderr)).toMatchObject({
        persistence_error: { error_type: 'migration_error', migration: '0001_store_info', message: expect.stringContaining('etlp migrate up') },
      })
    })

    it('refuses a bad --anonymous principal and a bad --port before listening', async () => {
      const url = `sqlite://${sqliteFile('options.db')}`
      const anonymous = startServe(['--database-url', url, 'serve', '--port', '0', '--anonymous', '{"id":"x","roles":["superuser"]}'])
      expect(await anonymous.exited).toBe(1)
      expect(JSON.parse(anonymous.output.stderr)).toMatchObject({
        persistence_error: { error_type: 'validation_error', issues: [{ path: 'principal.roles[0]' }] },
      })
      const port = startServe(['--database-url', url, 'serve', '--port', 'eighty'])
      expect(await port.exited).toBe(1)
      expect(JSON.parse(port.output.stderr)).toMatchObject({ persistence_error: { issues: [{ path: 'port' }] } })
    })
  },
  ['sqlite'],
)

async function allowedOrigin(url: string, origin: string): Promise<string | null> {
  const response = await fetch(`${url}/health`, { headers: { origin } })
  await response.text()
  return response.headers.get('access-control-allow-origin')
}

describeEngines(
  'etlp serve on a database server',
  (target) => {
    it('lets a request in flight at SIGTERM finish with 200, takes no new one, and exits 0', async () => {
      const store = await target().open()
      await store.migrate()
      const { id, token } = await store.tokens.create({ principal: { id: 'held', roles: ['viewer'] } })
      const serving = startServe(['--config', target().configFile(), 'serve', '--port', '0'])
      const url = await listening(serving)

      // The token's first use writes its last_used_at: a row lock held here keeps that
      // request waiting inside the server, for as long as this transaction stays open.
      const context = Store.context(store)
      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      let locked!: () => void
      const lockTaken = new Promise<void>((resolve) => (locked = resolve))
      let blocker: string | undefined
      const holding = context.db.transaction().execute(async (trx) => {
        await sql`select id from ${sql.table(context.table('api_tokens'))} where id = ${id} for update`.execute(trx)
        if (target().engine === 'mysql') {
          const own = await sql<{ trx_id: string }>`select trx_id from information_schema.innodb_trx where trx_mysql_thread_id = connection_id()`.execute(trx)
          blocker = String(own.rows[0]?.trx_id)
        }
        locked()
        await released
      })
      await lockTaken
      try {
        // Settled at once, so that a connection reset is an answer to assert on, not an unhandled rejection.
        const held = get(`${url}/ready`, { authorization: `Bearer ${token}` }).catch((error: NodeJS.ErrnoException) => ({ status: error.code, body: '' }))
        await untilWaitingOnLock(target(), store, blocker)

        serving.child.kill('SIGTERM')
        await serving.waitFor('stdout', /shutting down/)
        // Refused, reset before its request was read, or answered 503: not served either way.
        const newcomer = await get(`${url}/health`).then(
          (response) => response.status,
          (error: NodeJS.ErrnoException) => error.code,
        )
        expect(['ECONNREFUSED', 'ECONNRESET', 503]).toContain(newcomer)

        release()
        await holding
        const answer = await held
        expect(answer.status).toBe(200)
        expect(JSON.parse(answer.body)).toMatchObject({ status: 'ready' })
        expect(await serving.exited).toBe(0)
      } finally {
        release()
        await holding
      }
      expect((await store.tokens.get(id)).last_used_at).toBeInstanceOf(Date)
    })
  },
  ['postgres', 'mysql'],
)

/**
 * Polls the server's own catalog until a statement on the tokens table waits for a row
 * lock: on MariaDB, a lock wait on the holding transaction `blocker` (a prepared
 * statement's text is not in innodb_trx, so the query cannot be matched by its text).
 */
async function untilWaitingOnLock(target: EngineTarget, store: Store, blocker: string | undefined): Promise<void> {
  const { db } = Store.context(store)
  const waiting =
    target.engine === 'postgres'
      ? sql<{ n: number }>`select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%api_tokens%'`
      : sql<{ n: number }>`select count(*) as n from information_schema.innodb_lock_waits where blocking_trx_id = ${blocker}`
  // InnoDB refreshes its information_schema tables only when they were last read over
  // 100 ms ago: polled faster, innodb_lock_waits never changes.
  const pause = target.engine === 'mysql' ? 250 : 20
  while (Number((await waiting.execute(db)).rows[0]?.n ?? 0) === 0) await new Promise((resolve) => setTimeout(resolve, pause))
}
