import { isDeepStrictEqual } from 'node:util'
import { PersistenceError, ValidationError } from '../../src/errors.js'
import { Store } from '../../src/store.js'
import { catalogSnapshot } from '../helpers/catalog.js'
import type { EngineTarget } from '../helpers/engines.js'
import { createJob } from '../helpers/execution-store.js'
import type { ScenarioFigures } from './fault-figures.js'
import { INJECTION_CORPUS } from './hostile-inputs.js'

const INJECTION_MODEL = {
  models: {
    injection_note: {
      fields: [
        { name: 'id', type: 'uuid', primary_key: true },
        { name: 'label', type: 'string', max_length: 200 },
        { name: 'body', type: 'text', nullable: true },
      ],
    },
  },
}

/**
 * Scenario 5 (SQL injection): every corpus string goes into every kind of string field
 * (job, component, payload, tags, execution keys, params, runs, events, model records),
 * into filter values (`==`, `in`, `contains`) and into identifiers (filter columns,
 * order_by, model and field names). Values must be stored and found literally;
 * identifiers must be refused with a path; the schema must be unchanged afterwards.
 */
export async function injectionScenario(store: Store, target: EngineTarget): Promise<{ figures: ScenarioFigures; failures: string[] }> {
  await store.models.define(INJECTION_MODEL)
  const notes = store.models.records('injection_note')
  const jobId = await createJob(store)
  const db = Store.context(store).db
  const before = await catalogSnapshot(db, target.engine)
  const failures: string[] = []
  let tries = 0
  let stored = 0
  let untyped = 0

  /** `store`: must succeed literally; `refuse`: must be a validation error with paths; `either`: one of those. */
  const attempt = async (what: string, work: () => Promise<boolean>, expect: 'store' | 'refuse' | 'either' = 'store') => {
    tries++
    try {
      const ok = await work()
      if (expect === 'refuse') failures.push(`${what}: accepted, expected a validation error`)
      else if (!ok) failures.push(`${what}: stored, but not literally`)
      else stored++
    } catch (error) {
      if (expect !== 'store' && error instanceof ValidationError && error.issues.every((issue) => issue.path.length > 0)) return
      if (!(error instanceof PersistenceError)) untyped++
      failures.push(`${what}: ${error instanceof PersistenceError ? error.error_type : 'untyped'} ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  for (const [i, text] of INJECTION_CORPUS.entries()) {
    const label = `corpus[${i}] ${JSON.stringify(text.slice(0, 40))}`
    // A name that is blank once trimmed is refused (with its path), as the origin refuses it.
    const blank = text.trim() === ''
    const config = {
      name: text,
      description: text,
      ...(text.length <= 100 ? { tags: [text] } : {}),
      components: [
        { comp_type: 'read_csv', name: text, description: text, filepath: text, note: text, routes: { out: [{ to: 'sink', in_port: 'in' }] } },
        { comp_type: 'filter', name: 'sink', rule: { column: text.slice(0, 128), operator: '==', value: text }, routes: { pass: [{ to: 'out' }] } },
        { comp_type: 'write_csv', name: 'out', filepath: text },
      ],
    }
    await attempt(
      `${label} job config`,
      async () => {
        const job = await store.jobs.create(config)
        return isDeepStrictEqual(await store.jobs.export(job.id), JSON.parse(JSON.stringify(config)))
      },
      blank ? 'refuse' : 'store',
    )
    if (!blank) {
      await attempt(`${label} filter ==`, async () => {
        const page = await store.jobs.list({ where: { column: 'name', operator: '==', value: text } })
        return page.items.length === 1 && page.items[0]?.name === text
      })
      await attempt(`${label} filter in`, async () => {
        const page = await store.jobs.list({ where: { column: 'name', operator: 'in', value: [text, 'no such job'] } })
        return page.items.length === 1 && page.items[0]?.name === text
      })
      await attempt(`${label} filter contains`, async () => {
        const page = await store.jobs.list({ where: { column: 'name', operator: 'contains', value: text }, limit: 1000 })
        return page.items.some((job) => job.name === text) && page.items.every((job) => job.name.toLowerCase().includes(text.toLowerCase()))
      })
    }
    await attempt(`${label} filter column`, () => store.jobs.list({ where: { column: text, operator: '==', value: 'x' } }).then(() => true), 'refuse')
    await attempt(`${label} order_by column`, () => store.jobs.list({ order_by: [{ column: text }] }).then(() => true), 'refuse')
    // A plain identifier (`_`, `etl_jobs`) is a legal model or field name; anything else is refused.
    const plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(text) && text.length <= 55
    await attempt(
      `${label} model name`,
      () => store.models.plan({ models: { [text]: { fields: [{ name: 'id', type: 'integer', primary_key: true }] } } }).then(() => true),
      plain ? 'either' : 'refuse',
    )
    await attempt(
      `${label} field name`,
      () => store.models.plan({ models: { m: { fields: [{ name: text, type: 'integer', primary_key: true }] } } }).then(() => true),
      plain ? 'either' : 'refuse',
    )
    await attempt(`${label} execution`, async () => {
      const execution = await store.executions.start({ jobId, idempotencyKey: `${i}:${text}`.slice(0, 200), params: { [text]: text } })
      const again = await store.executions.start({ jobId, idempotencyKey: `${i}:${text}`.slice(0, 200) })
      const run = await store.executions.startAttempt(execution.id)
      await store.executions.recordComponentRuns(run.id, [{ component_name: text, metrics: { [text]: text } }])
      await store.executions.appendEvents(execution.id, [{ message: text, component_name: text, data: { text } }])
      const detail = await store.executions.get(execution.id, { include: { componentRuns: true, events: true } })
      const runs = detail.component_runs ?? []
      const events = detail.events ?? []
      return (
        again.id === execution.id &&
        detail.idempotency_key === `${i}:${text}`.slice(0, 200) &&
        runs[0]?.component_name === text &&
        isDeepStrictEqual(runs[0]?.metrics, { [text]: text }) &&
        detail.params !== undefined &&
        isDeepStrictEqual(detail.params, { [text]: text }) &&
        events[0]?.message === text
      )
    })
    await attempt(`${label} model record`, async () => {
      const record = await notes.insert({ label: text, body: text })
      const found = await notes.find({ where: { column: 'label', operator: '==', value: text } })
      const loaded = await notes.get(record.id)
      return loaded.label === text && loaded.body === text && found.items.length === 1 && found.items[0]?.id === record.id
    })
  }

  const after = await catalogSnapshot(db, target.engine)
  if (!isDeepStrictEqual(before, after)) failures.push('the schema changed')
  const jobs = await store.jobs.list({ total: true, limit: 1 })
  const named = INJECTION_CORPUS.filter((text) => text.trim() !== '').length + 1
  if (jobs.total !== named) failures.push(`expected ${named} jobs, found ${jobs.total}`)

  return {
    failures,
    figures: {
      scenario: '5 SQL-injection corpus',
      engine: target.engine,
      tries,
      faults: INJECTION_CORPUS.length,
      acknowledged: stored,
      lost: failures.filter((failure) => failure.includes('not literally')).length,
      duplicated: 0,
      partial: failures.includes('the schema changed') ? 1 : 0,
      untyped,
      note: `${INJECTION_CORPUS.length} strings in every string field, filter value and identifier; schema unchanged: ${isDeepStrictEqual(before, after)}`,
    },
  }
}
