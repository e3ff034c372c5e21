import { sql } from 'kysely'
import { Store } from '../../src/store.js'
import type { EngineTarget } from '../helpers/engines.js'
import { createJob, openExecutionStore } from '../helpers/execution-store.js'
import { delay, spawnFixture } from './child-process.js'
import type { ScenarioFigures } from './fault-figures.js'

export interface WriterKillOptions {
  /** How many times a writer is SIGKILLed. */
  readonly kills: number
  /** Component runs per batch (one transaction each). */
  readonly batchSize: number
  /** Components per saved job graph (when the jobs repository is there). */
  readonly graphSize: number
}

interface Tally {
  acknowledged: Set<string>
  inFlight: number
  kills: number
  integrityFailures: string[]
}

/**
 * Scenario 2: a writer process is SIGKILLed at a random moment while it records batches
 * of component runs or saves large job graphs (alternately). Afterwards no partial batch
 * or graph is visible, every acknowledged one is complete, and SQLite's file is intact.
 */
export async function writerKillScenario(target: EngineTarget, options: WriterKillOptions): Promise<ScenarioFigures[]> {
  const store = await openExecutionStore(target)
  const jobId = await createJob(store)
  const configFile = target.configFile()
  const hasJobs = typeof (store as unknown as { jobs?: unknown }).jobs === 'object'
  const batches: Tally = { acknowledged: new Set(), inFlight: 0, kills: 0, integrityFailures: [] }
  const graphs: Tally = { acknowledged: new Set(), inFlight: 0, kills: 0, integrityFailures: [] }

  for (let k = 0; k < options.kills; k++) {
    const graphMode = hasJobs && k % 2 === 1
    const tally = graphMode ? graphs : batches
    const tag = `k${k}_${process.pid}`
    const child = graphMode
      ? spawnFixture('fault-graph-writer.mjs', [configFile, String(options.graphSize), tag])
      : spawnFixture('fault-batch-writer.mjs', [configFile, jobId, String(options.batchSize), tag])
    await child.waitFor((line) => line === 'ready')
    await delay(20 + Math.random() * 600)
    child.process.kill('SIGKILL')
    const how = await child.exited
    if (how !== 'SIGKILL') throw new Error(`writer ended by itself (${how}) instead of being killed: ${child.stderr()}`)
    tally.kills++
    for (const line of child.lines) if (line.startsWith('ack ')) tally.acknowledged.add(line.slice(4))
    if (child.lines.at(-1)?.startsWith('begin ')) tally.inFlight++
    if (target.engine === 'sqlite') {
      const check = await integrityCheck(store)
      if (check !== 'ok') tally.integrityFailures.push(check)
    }
  }

  const figures: ScenarioFigures[] = [await verifyBatches(store, jobId, batches, options.batchSize, target.engine)]
  if (hasJobs) figures.push(await verifyGraphs(store, graphs, options.graphSize, target.engine))
  return figures
}

async function integrityCheck(store: Store): Promise<string> {
  const result = await sql<Record<string, unknown>>`pragma integrity_check`.execute(Store.context(store).db)
  return result.rows.map((row) => Object.values(row).join(' ')).join('; ')
}

async function verifyBatches(store: Store, jobId: string, tally: Tally, size: number, engine: string): Promise<ScenarioFigures> {
  const { db } = Store.context(store)
  const rows = await db
    .selectFrom('component_runs as r')
    .innerJoin('executions as e', 'e.id', 'r.execution_id')
    .where('e.job_id', '=', jobId)
    .groupBy('r.attempt_id')
    .select(['r.attempt_id as attempt_id', (eb) => eb.fn.countAll().as('n')])
    .execute()
  const counts = new Map(rows.map((row) => [String(row.attempt_id), Number(row.n)]))
  const partial = [...counts.values()].filter((n) => n !== size).length
  const lost = [...tally.acknowledged].filter((id) => counts.get(id) !== size).length
  return killFigures('2 writer killed: run batches', engine, tally, { lost, partial }, `${size} runs/batch, ${tally.inFlight} kills mid-batch`)
}

async function verifyGraphs(store: Store, tally: Tally, size: number, engine: string): Promise<ScenarioFigures> {
  const { db } = Store.context(store)
  const rows = await db
    .selectFrom('jobs as j')
    .leftJoin('components as c', 'c.job_id', 'j.id')
    .where('j.name', 'like', 'graph_k%')
    .groupBy('j.name')
    .select(['j.name as name', (eb) => eb.fn.count('c.id').as('n')])
    .execute()
  const counts = new Map(rows.map((row) => [String(row.name), Number(row.n)]))
  const linkRows = await db
    .selectFrom('jobs as j')
    .innerJoin('component_links as l', 'l.job_id', 'j.id')
    .where('j.name', 'like', 'graph_k%')
    .groupBy('j.name')
    .select(['j.name as name', (eb) => eb.fn.countAll().as('n')])
    .execute()
  const links = new Map(linkRows.map((row) => [String(row.name), Number(row.n)]))
  // A complete chain: every component, and one link between each neighbouring pair.
  const complete = (name: string) => counts.get(name) === size && links.get(name) === size - 1
  const partial = [...counts.keys()].filter((name) => !complete(name)).length
  const lost = [...tally.acknowledged].filter((name) => !complete(name)).length
  return killFigures('2 writer killed: job graphs', engine, tally, { lost, partial }, `${size} components/graph, ${tally.inFlight} kills mid-save`)
}

/** A writer-kill row: every kill is a fault; SQLite's integrity check failures count as partial state. */
function killFigures(scenario: string, engine: string, tally: Tally, found: { lost: number; partial: number }, note: string): ScenarioFigures {
  const integrity = engine === 'sqlite' ? `, integrity_check ok ${tally.kills - tally.integrityFailures.length}/${tally.kills}` : ''
  return {
    scenario,
    engine,
    tries: tally.kills,
    faults: tally.kills,
    acknowledged: tally.acknowledged.size,
    lost: found.lost,
    duplicated: 0,
    partial: found.partial + tally.integrityFailures.length,
    untyped: 0,
    note: `${note}${integrity}`,
  }
}
