import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { NotFoundError } from '../errors.js'
import type { ExecutionStats } from '../repositories/execution-stats.js'
import type { ListedExecution } from '../repositories/execution-list.js'
import type { Store } from '../store.js'
import { simulateDay, type DaySummary, type SimulatedClock } from './simulate-day.js'

/** The example jobs shipped with the package (`examples/jobs/*.json`, the origin's format). */
export const EXAMPLE_JOBS_DIR = fileURLToPath(new URL('../../examples/jobs/', import.meta.url))

const DAY_MS = 86_400_000

/** How the demo schedules the example jobs, in file order. */
const TRIGGERS = [
  { cron: { expression: '0 2 * * *', timezone: 'Europe/Berlin' } },
  { interval: { hours: 1 } },
  { cron: { expression: '15 */4 * * *', timezone: 'UTC' } },
] as const

export interface DemoReport {
  readonly day: DaySummary
  readonly imported: readonly string[]
  readonly jobs: ReadonlyArray<{ name: string; version: number; components: number; stats: ExecutionStats }>
  readonly overall: ExecutionStats
  readonly recentFailures: readonly ListedExecution[]
}

export interface DemoOptions {
  readonly store: Store
  readonly clock: SimulatedClock
  readonly onStage?: (stage: string) => void
  readonly onProgress?: (done: number, total: number) => void
}

/**
 * What `npm start` runs: imports the example jobs (once), schedules them (once),
 * simulates the day after the last simulated one (yesterday on a new store), and
 * gathers the report. Running it again adds another day.
 */
export async function runDemo({ store, clock, onStage, onProgress }: DemoOptions): Promise<DemoReport> {
  onStage?.('migrating')
  await store.migrate()
  onStage?.('importing example jobs')
  const imported: string[] = []
  const jobIds: string[] = []
  for (const file of readdirSync(EXAMPLE_JOBS_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    const config = JSON.parse(readFileSync(`${EXAMPLE_JOBS_DIR}${file}`, 'utf8')) as { name: string }
    const existing = await store.jobs.getByName(config.name).catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined
      throw error
    })
    if (existing) jobIds.push(existing.id)
    else {
      jobIds.push((await store.jobs.create(config)).id)
      imported.push(config.name)
    }
  }
  const day = await nextDay(store, clock)
  clock.set(day)
  onStage?.(`simulating ${day.toISOString().slice(0, 10)}`)
  await ensureSchedules(store, jobIds, day)
  const summary = await simulateDay({ store, clock, day, ...(onProgress ? { onProgress } : {}) })
  onStage?.('reporting')
  const jobs = await Promise.all(
    jobIds.map(async (id) => {
      const job = await store.jobs.get(id)
      return { name: job.name, version: job.current_version, components: job.component_count, stats: await store.executions.stats({ jobId: id }) }
    }),
  )
  const recentFailures = (
    await store.executions.list({
      where: { column: 'status', operator: '==', value: 'FAILED' },
      order_by: [{ column: 'queued_at', direction: 'desc' }],
      limit: 5,
    })
  ).items
  return { day: summary, imported, jobs, overall: await store.executions.stats(), recentFailures }
}

/** The day after the newest execution, or yesterday (UTC) on a store with no history. */
async function nextDay(store: Store, clock: SimulatedClock): Promise<Date> {
  const [latest] = (await store.executions.list({ order_by: [{ column: 'queued_at', direction: 'desc' }], limit: 1 })).items
  const base = latest ? latest.queued_at.getTime() + DAY_MS : clock.now().getTime() - DAY_MS
  return new Date(Math.floor(base / DAY_MS) * DAY_MS)
}

async function ensureSchedules(store: Store, jobIds: readonly string[], day: Date): Promise<void> {
  for (const [i, jobId] of jobIds.entries()) {
    const name = `demo_${i + 1}`
    const exists = await store.schedules.getByName(name).then(
      () => true,
      (error: unknown) => {
        if (error instanceof NotFoundError) return false
        throw error
      },
    )
    if (!exists) {
      await store.schedules.create({ name, job_id: jobId, environment: 'PROD', trigger: TRIGGERS[i % TRIGGERS.length] as never }, day)
    }
  }
}
