import type { Store } from '../store.js'
import type { Component, ComponentLink } from '../repositories/job-rows.js'
import type { ComponentRunInput, EventInput } from '../schema/execution-schemas.js'

/**
 * A day of pipeline work, simulated through the public API only: schedules fire
 * (`schedules.due`), each fire starts an execution with an idempotency key, attempts
 * run their components (line counts, timings, events), flaky database components fail
 * some attempts and the job's retries take over, and a successful attempt publishes the
 * job's watermark atomically with its success. Times come from the store's clock, which
 * the demo moves through the day.
 */

/** A clock the simulation moves; the store reads it through `config.clock`. */
export class SimulatedClock {
  #now: Date

  constructor(start: Date) {
    this.#now = new Date(start)
  }

  readonly now = (): Date => new Date(this.#now)

  set(at: Date): void {
    this.#now = new Date(at)
  }

  advance(ms: number): Date {
    this.#now = new Date(this.#now.getTime() + Math.round(ms))
    return this.now()
  }
}

/** A seeded generator (mulberry32), so a given day simulates the same way every time. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

export interface DaySummary {
  readonly day: string
  readonly fires: number
  readonly executions: number
  readonly attempts: number
  readonly failedAttempts: number
  readonly componentRuns: number
  readonly events: number
}

export interface SimulateDayOptions {
  readonly store: Store
  readonly clock: SimulatedClock
  /** Midnight UTC of the day to simulate. */
  readonly day: Date
  readonly onProgress?: (done: number, total: number) => void
}

const STEP_MS = 5 * 60_000
const DAY_MS = 86_400_000
/** Chance that a component talking to a database (read_/write_ postgresql, mariadb, mongodb…) fails an attempt. */
const DATABASE_FAILURE_RATE = 0.12
const DATABASE_COMPONENT = /_(postgresql|mariadb|mongodb|sqlserver)$/

export async function simulateDay({ store, clock, day, onProgress }: SimulateDayOptions): Promise<DaySummary> {
  const random = seededRandom(day.getTime() / DAY_MS)
  const graphs = new Map<string, { components: readonly Component[]; links: readonly ComponentLink[] }>()
  const totals = { fires: 0, executions: 0, attempts: 0, failedAttempts: 0, componentRuns: 0, events: 0 }
  const steps = DAY_MS / STEP_MS
  for (let step = 0; step < steps; step++) {
    const tick = new Date(day.getTime() + step * STEP_MS)
    if (clock.now() < tick) clock.set(tick)
    for (const fire of await store.schedules.due(clock.now())) {
      totals.fires++
      const { schedule } = fire
      let graph = graphs.get(schedule.job_id)
      if (!graph) {
        const job = await store.jobs.get(schedule.job_id, { include: { components: true, links: true } })
        graph = { components: job.components ?? [], links: job.links ?? [] }
        graphs.set(schedule.job_id, graph)
      }
      const outcome = await runExecution(store, clock, random, {
        jobId: schedule.job_id,
        environment: schedule.environment,
        idempotencyKey: `${schedule.id}@${fire.fire_at.toISOString()}`,
        ...graph,
      })
      totals.executions++
      totals.attempts += outcome.attempts
      totals.failedAttempts += outcome.failedAttempts
      totals.componentRuns += outcome.componentRuns
      totals.events += outcome.events
    }
    onProgress?.(step + 1, steps)
  }
  return { day: day.toISOString().slice(0, 10), ...totals }
}

interface RunInput {
  readonly jobId: string
  readonly environment: string
  readonly idempotencyKey: string
  readonly components: readonly Component[]
  readonly links: readonly ComponentLink[]
}

async function runExecution(store: Store, clock: SimulatedClock, random: () => number, input: RunInput) {
  const execution = await store.executions.start({
    jobId: input.jobId,
    environment: input.environment,
    trigger: 'schedule',
    idempotencyKey: input.idempotencyKey,
    params: { run_date: clock.now().toISOString().slice(0, 10) },
  })
  const counts = { attempts: 0, failedAttempts: 0, componentRuns: 0, events: 0 }
  if (execution.status !== 'QUEUED') return counts
  clock.advance(500 + random() * 3000)
  for (;;) {
    const attempt = await store.executions.startAttempt(execution.id, { workerId: 'demo-worker-1' })
    counts.attempts++
    const result = simulateAttempt(clock, random, input.components, input.links)
    await store.executions.recordComponentRuns(attempt.id, result.runs)
    await store.executions.appendEvents(execution.id, result.events)
    counts.componentRuns += result.runs.length
    counts.events += result.events.length
    if (result.failure === undefined) {
      await store.state.set(input.jobId, 'watermark', clock.now().toISOString(), { attemptId: attempt.id })
      await store.executions.finishAttempt(attempt.id, { status: 'SUCCEEDED' })
      return counts
    }
    counts.failedAttempts++
    const after = await store.executions.finishAttempt(attempt.id, { status: 'FAILED', error: result.failure })
    if (after.status !== 'QUEUED') return counts
    clock.advance(30_000 + random() * 60_000) // back-off before the retry
  }
}

interface AttemptResult {
  readonly runs: ComponentRunInput[]
  readonly events: EventInput[]
  readonly failure?: { type: string; message: string; details: Record<string, unknown> }
}

/** Runs the graph in dependency order, passing line counts along the links. */
function simulateAttempt(clock: SimulatedClock, random: () => number, components: readonly Component[], links: readonly ComponentLink[]): AttemptResult {
  const received = new Map<string, number>()
  const runs: ComponentRunInput[] = []
  const events: EventInput[] = [{ level: 'info', message: 'attempt started', at: clock.now() }]
  for (const component of dependencyOrder(components, links)) {
    const started = clock.now()
    const isSource = !links.some((link) => link.dst === component.name)
    const input = isSource ? Math.round(2_000 + random() * 48_000) : (received.get(component.name) ?? 0)
    const processingMs = 200 + input * (0.02 + random() * 0.05)
    const finished = clock.advance(processingMs)
    if (DATABASE_COMPONENT.test(component.comp_type) && random() < DATABASE_FAILURE_RATE) {
      const message = `${component.comp_type}: connection reset by peer after ${Math.round(processingMs)} ms`
      runs.push({ component_name: component.name, status: 'FAILED', started_at: started, finished_at: finished, processing_ms: processingMs, error_count: 1 })
      events.push({ level: 'error', message, component_name: component.name, at: finished, data: { comp_type: component.comp_type } })
      return { runs, events, failure: { type: 'DatabaseError', message, details: { component: component.name } } }
    }
    const forwarded = forwardedLines(component.comp_type, input, random)
    const errors = component.comp_type === 'type_conversion' || component.comp_type === 'schema_mapping' ? Math.floor(random() * 4) : 0
    runs.push({
      component_name: component.name,
      started_at: started,
      finished_at: finished,
      lines_received: isSource ? 0 : input,
      lines_forwarded: forwarded,
      error_count: errors,
      processing_ms: processingMs,
      metrics: { rows_per_second: Math.round((Math.max(input, forwarded) / processingMs) * 1000) },
    })
    if (errors > 0) events.push({ level: 'warning', message: `${errors} rows could not be converted`, component_name: component.name, at: finished })
    for (const link of links.filter((candidate) => candidate.src === component.name)) {
      const share = component.comp_type === 'split' ? Math.round(forwarded / Math.max(1, countOut(links, component.name))) : forwarded
      received.set(link.dst, (received.get(link.dst) ?? 0) + share)
    }
  }
  events.push({ level: 'info', message: 'attempt succeeded', at: clock.now() })
  return { runs, events }
}

function forwardedLines(compType: string, input: number, random: () => number): number {
  if (compType === 'filter') return Math.round(input * (0.6 + random() * 0.3))
  if (compType === 'aggregation') return Math.max(1, Math.round(input / (40 + random() * 20)))
  return input
}

function countOut(links: readonly ComponentLink[], name: string): number {
  return links.filter((link) => link.src === name).length
}

function dependencyOrder(components: readonly Component[], links: readonly ComponentLink[]): Component[] {
  const remaining = new Map(components.map((component) => [component.name, component]))
  const ordered: Component[] = []
  while (remaining.size > 0) {
    const ready = [...remaining.values()].filter((component) => !links.some((link) => link.dst === component.name && remaining.has(link.src)))
    const next = ready.length > 0 ? ready : [...remaining.values()].slice(0, 1) // a cycle: break it
    for (const component of next) {
      ordered.push(component)
      remaining.delete(component.name)
    }
  }
  return ordered
}
