import { spawn, type ChildProcess } from 'node:child_process'
import { statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { beforeAll, expect, it } from 'vitest'
import { Store } from '../src/store.js'
import { describeEngines } from './helpers/engines.js'
import { createJob, openExecutionStore } from './helpers/execution-store.js'

/**
 * Several real processes against one database. Sized for a 2-core machine: 8 workers ×
 * 2,000 executions on the servers; the SQLite writers run 10 s (the issue says 30 s).
 */

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

interface Finished {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

function runNode(script: string, args: readonly string[]): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn(process.execPath, [fixture(script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk) => (stdout += chunk))
  child.stderr?.on('data', (chunk) => (stderr += chunk))
  const done = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
  return { child, done }
}

async function startMany(store: Store, jobId: string, count: number): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => store.executions.start({ jobId, trigger: 'schedule' })))
    ids.push(...batch.map((execution) => execution.id))
  }
  return ids
}

describeEngines(
  'execution workers (claiming)',
  (target) => {
    it('eight worker processes claim 2,000 queued executions: each exactly once, all finished', async () => {
      const store = await openExecutionStore(target())
      const jobId = await createJob(store)
      const queued = await startMany(store, jobId, 2000)
      const config = target().configFile({ pool_size: 2, max_overflow: 0 })
      const workers = Array.from({ length: 8 }, (_, i) => runNode('execution-claim-worker.mjs', [config, `worker-${i}`]).done)
      const results = await Promise.all(workers)
      for (const result of results) expect(result.code, result.stderr).toBe(0)
      const claimed = results.flatMap((result) => JSON.parse(result.stdout) as string[])
      expect(claimed).toHaveLength(2000)
      expect(new Set(claimed)).toEqual(new Set(queued))
      const stats = await store.executions.stats({ jobId })
      expect(stats.by_status.SUCCEEDED).toBe(2000)
      expect(stats.total).toBe(2000)
    }, 300_000)
  },
  // The issue asks for the servers; SQLite (one writer at a time) is held to the same promise.
  ['postgres', 'mysql', 'sqlite'],
)

describeEngines('execution workers (idempotency and leases)', (target) => {
  let store: Store

  beforeAll(async () => {
    store = await openExecutionStore(target())
  })

  it('two processes starting with the same idempotency key at once get one execution', async () => {
    const jobId = await createJob(store)
    const config = target().configFile()
    const key = `nightly-${Date.now()}`
    const startAt = String(Date.now() + 1500)
    const results = await Promise.all([0, 1].map(() => runNode('execution-start-once.mjs', [config, jobId, key, startAt]).done))
    for (const result of results) expect(result.code, result.stderr).toBe(0)
    expect(results[0]?.stdout).toMatch(/^[0-9a-f-]{36}$/)
    expect(results[1]?.stdout).toBe(results[0]?.stdout)
    const page = await store.executions.list({ where: { column: 'idempotency_key', operator: '==', value: key }, total: true })
    expect(page.total).toBe(1)
    // Out of the way of the next test's claims.
    await store.executions.finish(results[0]?.stdout ?? '', { status: 'CANCELLED' })
  })

  it('reaps the attempt of a worker killed with SIGKILL, requeueing then failing per num_of_retries', async () => {
    const jobId = await createJob(store, 1)
    const execution = await store.executions.start({ jobId })
    const config = target().configFile()
    for (const expected of ['QUEUED', 'FAILED'] as const) {
      const worker = runNode('execution-stalled-worker.mjs', [config, `doomed-${expected}`, '300'])
      const line = await new Promise<string>((resolve, reject) => {
        worker.child.stdout?.on('data', (chunk: Buffer) => resolve(chunk.toString()))
        worker.done.then((result) => reject(new Error(`worker exited early: ${result.stderr}`)), reject)
      })
      const claimed = JSON.parse(line) as { execution: string; attempt: string }
      expect(claimed.execution).toBe(execution.id)
      worker.child.kill('SIGKILL')
      await worker.done
      // The lease ran out 300 ms after the claim: reap as of a time safely past it.
      const reaped = await store.executions.reapExpired(new Date(Date.now() + 1000))
      expect(reaped.reaped).toContainEqual({ execution_id: execution.id, attempt_id: claimed.attempt, status: expected })
    }
    const detail = await store.executions.get(execution.id, { include: { attempts: true } })
    expect(detail).toMatchObject({ status: 'FAILED', attempt_count: 2, error: { type: 'lease_expired' } })
    expect(detail.attempts?.map((attempt) => attempt.status)).toEqual(['FAILED', 'FAILED'])
  })
})

describeEngines(
  'execution workers (SQLite writers)',
  (target) => {
    // 10 s in `npm test`; ETLP_SQLITE_WRITERS_MS=30000 runs the full 30 s.
    const writeForMs = String(Number(process.env.ETLP_SQLITE_WRITERS_MS ?? 10_000))
    it('four writer processes on one SQLite file surface no error, lose no acknowledged write and keep the log small', async () => {
      const store = await openExecutionStore(target())
      const jobId = await createJob(store)
      // With a 1 MiB limit the writers pass it many times over (an execution with its runs
      // and events writes some 200 KB of log).
      const config = target().configFile({ wal_checkpoint_mb: 1 })
      const walFile = `${String(target().config().database?.url).slice('sqlite://'.length)}-wal`
      const logSizes: number[] = []
      const sampler = setInterval(() => logSizes.push(statSync(walFile, { throwIfNoEntry: false })?.size ?? 0), 20)
      const results = await Promise.all([0, 1, 2, 3].map(() => runNode('execution-sqlite-writer.mjs', [config, jobId, writeForMs]).done)).finally(() =>
        clearInterval(sampler),
      )
      for (const result of results) {
        expect(result.stderr).toBe('')
        expect(result.code).toBe(0)
      }
      const acknowledged = results.flatMap((result) => JSON.parse(result.stdout) as string[])
      expect(acknowledged.length).toBeGreaterThan(0)
      const context = Store.context(store)
      const stored = await context.db.selectFrom('executions').select('id').where('job_id', '=', jobId).where('status', '=', 'SUCCEEDED').execute()
      const storedIds = new Set(stored.map((row) => String(row.id)))
      expect(acknowledged.filter((id) => !storedIds.has(id))).toEqual([])
      const runs = await context.db
        .selectFrom('component_runs')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst()
      expect(Number(runs?.n)).toBe(acknowledged.length * 50)
      // SQLite's own passive checkpoint let these writers grow the log to 35 MB in 6 s, and
      // on a loaded machine the checkpoint after a commit alone let it reach 28.9 MiB. The
      // hard bound holds whatever the load: four limits, plus the one transaction (an
      // execution's 50 runs, well under 1 MiB) that crossed it. How often the log sits near
      // the 1 MiB limit depends on the machine's load, so it is printed, not asserted.
      const mib = (bytes: number) => bytes / 1024 / 1024
      logSizes.sort((a, b) => a - b)
      const usual = mib(logSizes[Math.floor(logSizes.length * 0.9)] ?? 0)
      const largest = mib(logSizes.at(-1) ?? 0)
      expect(largest).toBeLessThanOrEqual(5)
      console.log(
        `4 SQLite writers, ${writeForMs} ms: ${acknowledged.length} executions acknowledged, all stored, 0 errors; log ≤ ${usual.toFixed(1)} MiB 90 % of the time, at most ${largest.toFixed(1)} MiB`,
      )
    }, 120_000)
  },
  ['sqlite'],
)
