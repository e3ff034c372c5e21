import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'kysely'
import { expect } from 'vitest'
import { Store } from '../../src/store.js'
import type { EngineTarget } from '../helpers/engines.js'
import { TEST_PG_URL } from '../helpers/engine-urls.js'
import { createJob, openExecutionStore } from '../helpers/execution-store.js'
import { delay, spawnFixture, type Child } from './child-process.js'
import type { ScenarioFigures } from './fault-figures.js'
import { ensureServersRunning, restartServer } from './server-faults.js'

export type LoadFault = 'restart' | 'kill-connections'

export interface UnderLoadOptions {
  readonly fault: LoadFault
  /** How many times the fault is injected. */
  readonly times: number
  readonly writers: number
  /** Acknowledged executions each writer must add after a fault (proof it carried on). */
  readonly progressAfterFault: number
}

const RUNS_PER_EXECUTION = 5
const PROGRESS_DEADLINE_MS = 120_000

/**
 * Scenarios 1 and 3 under load: writer processes record executions (each one transaction
 * with an idempotency key) while the server is restarted, or while the server kills
 * their connections. They must see typed, retryable errors, carry on with no manual
 * step, and at the end every acknowledged execution is stored exactly once, complete.
 */
export async function underLoadScenario(target: EngineTarget, options: UnderLoadOptions): Promise<ScenarioFigures & { errorTypes: Record<string, number> }> {
  const engine = target.engine
  if (engine === 'sqlite') throw new Error('server faults need a server')
  const setup = await openExecutionStore(target)
  const jobId = await createJob(setup)
  const application = `etlp_fault_${process.pid}_${Date.now()}`
  const configFile = target.configFile({
    pool_timeout: 5,
    ...(engine === 'postgres' ? { url: `${TEST_PG_URL}${TEST_PG_URL.includes('?') ? '&' : '?'}application_name=${application}` } : {}),
  })
  const stopFile = join(target.dir, `stop-${application}`)
  const writers: Child[] = Array.from({ length: options.writers }, (_, n) => spawnFixture('fault-restart-writer.mjs', [configFile, jobId, `w${n}`, stopFile]))
  const acks = (child: Child) => child.lines.filter((line) => line.startsWith('ack ')).length
  const waitForProgress = async (from: number[], count: number) => {
    const deadline = Date.now() + PROGRESS_DEADLINE_MS
    while (writers.some((child, n) => acks(child) < (from[n] ?? 0) + count)) {
      if (Date.now() > deadline) throw new Error(`writers made no progress: ${writers.map((child) => child.lines.slice(-3).join(' | ')).join(' // ')}`)
      if (writers.some((child) => child.process.exitCode !== null)) throw new Error(`a writer died: ${writers.map((child) => child.stderr()).join('\n')}`)
      await delay(100)
    }
  }

  let injected = 0
  try {
    await waitForProgress(
      writers.map(() => 0),
      2,
    )
    for (let i = 0; i < options.times; i++) {
      const before = writers.map(acks)
      if (options.fault === 'restart') await restartServer(engine, 1500)
      else await withRetries(() => killWriterConnections(setup, engine, application))
      injected++
      await waitForProgress(before, options.progressAfterFault)
    }
  } finally {
    if (options.fault === 'restart') await ensureServersRunning()
    writeFileSync(stopFile, 'stop')
    await Promise.all(writers.map((child) => Promise.race([child.exited, delay(60_000).then(() => child.process.kill('SIGKILL'))])))
  }

  // A fresh store: the setup store's connections did not survive a restart.
  const check = await target.open()
  const { db } = Store.context(check)
  const rows = await db
    .selectFrom('executions as e')
    .leftJoin('component_runs as r', 'r.execution_id', 'e.id')
    .where('e.job_id', '=', jobId)
    .groupBy(['e.id', 'e.idempotency_key', 'e.status'])
    .select(['e.id as id', 'e.idempotency_key as key', 'e.status as status', (eb) => eb.fn.count('r.attempt_id').as('runs')])
    .execute()
  const byKey = new Map<string, Array<{ id: string; status: string; runs: number }>>()
  for (const row of rows) {
    const list = byKey.get(String(row.key)) ?? []
    list.push({ id: String(row.id), status: String(row.status), runs: Number(row.runs) })
    byKey.set(String(row.key), list)
  }
  const acknowledged = new Map<string, string>()
  const errorTypes: Record<string, number> = {}
  let untyped = 0
  let retries = 0
  for (const child of writers) {
    for (const line of child.lines) {
      const [kind, key, detail] = line.split(' ')
      if (kind === 'ack' && key !== undefined && detail !== undefined) acknowledged.set(key, detail)
      if (kind === 'retry' || kind === 'error') {
        retries++
        const type = `${kind === 'retry' ? 'retryable ' : ''}${detail ?? key ?? '?'}`
        errorTypes[type] = (errorTypes[type] ?? 0) + 1
        if (detail === 'untyped' || key === 'untyped') untyped++
      }
    }
  }
  const complete = (entry: { status: string; runs: number }) => entry.status === 'SUCCEEDED' && entry.runs === RUNS_PER_EXECUTION
  let lost = 0
  for (const [key, id] of acknowledged) {
    const stored = byKey.get(key) ?? []
    if (stored.length !== 1 || stored[0]?.id !== id || !complete(stored[0])) lost++
  }
  const duplicated = [...byKey.values()].filter((list) => list.length > 1).length
  const partial = rows.filter((row) => !complete({ status: String(row.status), runs: Number(row.runs) })).length
  await sql`select 1`.execute(db)
  return {
    scenario: options.fault === 'restart' ? '1 server restart under load' : '3 connections killed under load',
    engine,
    tries: acknowledged.size + retries,
    faults: injected,
    acknowledged: acknowledged.size,
    lost,
    duplicated,
    partial,
    untyped,
    errorTypes,
    note: `${options.writers} writer processes; errors seen: ${
      Object.entries(errorTypes)
        .map(([type, count]) => `${count} ${type}`)
        .join(', ') || 'none'
    }`,
  }
}

async function killWriterConnections(store: Store, engine: 'postgres' | 'mysql', application: string): Promise<void> {
  const { db } = Store.context(store)
  if (engine === 'postgres') {
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${application}`.execute(db)
    return
  }
  // Every connection to this test file's own database, except this one.
  const rows = await sql<{ id: number }>`select id from information_schema.processlist where db = database() and id <> connection_id()`.execute(db)
  for (const row of rows.rows)
    await sql
      .raw(`kill ${Number(row.id)}`)
      .execute(db)
      .catch(() => {})
}

/** The test's own store may hold a connection that the previous kill closed: try again. */
async function withRetries(work: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      if (attempt >= 3) throw error
      await delay(200)
    }
  }
}

/** What every under-load scenario must show: nothing lost, duplicated or half-written, and only typed, retryable errors. */
export function expectNothingLost(figures: Awaited<ReturnType<typeof underLoadScenario>>): void {
  expect(figures).toMatchObject({ lost: 0, duplicated: 0, partial: 0, untyped: 0 })
  expect(Object.keys(figures.errorTypes).every((type) => type.startsWith('retryable '))).toBe(true)
}
