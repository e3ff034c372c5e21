import { beforeAll, expect, it } from 'vitest'
import type { Store } from '../src/store.js'
import { describeEngines } from './helpers/engines.js'
import { createJob } from './helpers/secret-store.js'
import { rejectedIssues } from './helpers/validation.js'

/**
 * Inputs the fuzzing suite found ending in an untyped exception or a wrong constraint
 * error: each must now be a validation error with its path, or be stored correctly.
 */
describeEngines('inputs found by fuzzing', (target) => {
  let store: Store
  let jobId: string

  beforeAll(async () => {
    store = await target().open()
    await store.migrate()
    jobId = await createJob(store, 'fuzzed')
  })

  it('refuses an interval whose end comes before its first occurrence, at end_date', async () => {
    const issues = await rejectedIssues(
      store.schedules.create({
        name: 'ends-early',
        job_id: jobId,
        trigger: { interval: { days: 2, end_date: new Date(Date.now() + 86_400_000).toISOString() } },
      }),
    )
    expect(issues[0]?.path).toBe('trigger.interval.end_date')
    await expect(store.schedules.getByName('ends-early')).rejects.toMatchObject({ error_type: 'not_found' })
  })

  it('refuses an interval longer than a date can carry, at the interval', async () => {
    const issues = await rejectedIssues(store.schedules.create({ name: 'forever', job_id: jobId, trigger: { interval: { minutes: 2 ** 53 } } }))
    expect(issues[0]?.path).toBe('trigger.interval')
  })

  it('refuses a job config nested 5,000 levels deep at its 101st level, and stores nothing', async () => {
    // Found by the HTTP fuzzer: it passed validation, then overflowed the stack while hashing.
    let deep: unknown = 'bottom'
    for (let i = 0; i < 5_000; i++) deep = { down: deep }
    const issues = await rejectedIssues(store.jobs.create({ name: 'deep', metadata: deep, components: [] }))
    // The job is level 1, metadata level 2: the 101st object is where it stops.
    expect(issues[0]).toMatchObject({ path: `metadata${'.down'.repeat(99)}`, message: 'Values may not be nested deeper than 100 levels' })
    await expect(store.jobs.getByName('deep')).rejects.toMatchObject({ error_type: 'not_found' })
  })

  it('answers a lookup by a name with a NUL as not found or a validation error, never a query error', async () => {
    // PostgreSQL cannot even compare such a text; found by the HTTP fuzzer (GET /jobs/%00).
    const error = await store.jobs.getByName('a\u0000b').catch((caught: unknown) => caught)
    expect(['not_found', 'validation_error']).toContain((error as { error_type?: string }).error_type)
  })

  it('refuses a BigInt in a job config at its path', async () => {
    const issues = await rejectedIssues(
      store.jobs.create({
        name: 'bigint',
        metadata: { user_id: 10n },
        components: [
          { comp_type: 'read_csv', name: 'read', filepath: 'a.csv', routes: { out: ['write'] } },
          { comp_type: 'write_csv', name: 'write', filepath: 'b.csv' },
        ],
      }),
    )
    expect(issues.map((issue) => issue.path)).toContain('metadata.user_id')
  })

  it('refuses a BigInt as a filter column at where.column', async () => {
    const issues = await rejectedIssues(store.jobs.list({ where: { column: 1n, operator: '==', value: 'x' } }))
    expect(issues[0]?.path).toBe('where.column')
  })

  it('leaves a record field given as undefined to its default', async () => {
    await store.models.define({
      models: {
        flag: {
          table_name: 'fuzz_flags',
          fields: [
            { name: 'id', type: 'integer', primary_key: true },
            { name: 'passed', type: 'boolean', nullable: false, default: false },
          ],
        },
      },
    })
    const inserted = await store.models.records('flag').insert({ id: 1, passed: undefined })
    expect(inserted).toMatchObject({ id: 1, passed: false })
  })

  it('refuses text no engine may store alike (NUL, unpaired surrogates) at its path', async () => {
    expect((await rejectedIssues(store.credentials.create({ name: 'nul\u0000name' })))[0]?.path).toBe('name')
    expect((await rejectedIssues(store.contexts.upsert({ name: 'ctx', environment: 'DEV', parameters: { key: { value: 'a\uD800b' } } })))[0]?.path).toBe(
      'parameters.key.value',
    )
    const execution = await store.executions.start({ jobId, environment: 'DEV' })
    expect((await rejectedIssues(store.executions.appendEvents(execution.id, [{ message: 'ok' }, { message: 'bad\u0000' }])))[0]?.path).toBe(
      'events[1].message',
    )
  })

  it('refuses a time outside the years 1000–9999 at its path', async () => {
    const execution = await store.executions.start({ jobId, environment: 'DEV' })
    const attempt = await store.executions.startAttempt(execution.id)
    const issues = await rejectedIssues(
      store.executions.recordComponentRuns(attempt.id, [{ component_name: 'read', started_at: new Date(Date.UTC(99999, 0, 1)) }]),
    )
    expect(issues[0]?.path).toBe('runs[0].started_at')
  })

  it('tells names apart by trailing spaces on every engine', async () => {
    const config = (name: string) => ({
      name,
      components: [
        { comp_type: 'read_csv', name: 'read', filepath: 'a.csv', routes: { out: ['write'] } },
        { comp_type: 'write_csv', name: 'write', filepath: 'b.csv' },
      ],
    })
    const plain = await store.jobs.create(config('padded'))
    const padded = await store.jobs.create(config('padded '))
    expect(padded.id).not.toBe(plain.id)
    const found = await store.jobs.list({ where: { column: 'name', operator: '==', value: 'padded ' } })
    expect(found.items.map((job) => job.id)).toEqual([padded.id])
  })
})
