import { expect, it } from 'vitest'
import { uuidv7 } from '../src/schema/ids.js'
import { Store } from '../src/store.js'
import { describeEngines } from './helpers/engines.js'

/** DESIGN §2's example: a user table that references the core `job` model. */
const QUALITY = {
  models: {
    quality_check: {
      table_name: 'quality_checks',
      fields: [
        { name: 'id', type: 'integer', primary_key: true },
        { name: 'job_id', type: 'uuid', nullable: false, references: { model: 'job', on_delete: 'cascade' }, index: true },
        { name: 'rule', type: 'string', nullable: false, max_length: 200 },
        { name: 'passed', type: 'boolean', nullable: false, default: false },
        { name: 'details', type: 'json' },
        { name: 'checked_at', type: 'datetime' },
        { name: 'day', type: 'date' },
        { name: 'score', type: 'decimal', precision: 10, scale: 2 },
        { name: 'ratio', type: 'float' },
        { name: 'rows_seen', type: 'bigint' },
      ],
    },
    finding: {
      table_name: 'findings',
      fields: [
        { name: 'id', type: 'uuid', primary_key: true },
        { name: 'check_id', type: 'integer', references: { model: 'quality_check', on_delete: 'cascade' } },
        { name: 'note', type: 'text', nullable: false },
      ],
    },
  },
}

async function insertCoreJob(store: Store, name: string): Promise<string> {
  const { db, adapter } = Store.context(store)
  const id = uuidv7()
  const now = adapter.encodeTimestamp(new Date())
  await db
    .insertInto('jobs')
    .values({
      id,
      name,
      strategy_type: 'row',
      num_of_retries: 0,
      file_logging: adapter.encodeBoolean(false),
      current_version: 1,
      content_hash: 'x'.repeat(64),
      component_count: 0,
      created_at: now,
      updated_at: now,
    })
    .execute()
  return id
}

describeEngines('declarative model records', (target) => {
  it('stores every field type and reads it back identically, referencing a core job', async () => {
    const store = await target().open()
    await store.migrate()
    await store.models.define(QUALITY)
    const jobId = await insertCoreJob(store, 'orders_daily')
    const checks = store.models.records('quality_check')
    const checkedAt = new Date('2024-05-01T12:34:56.789Z')
    const hostile = `'); drop table quality_checks; -- \\ "x"`
    const stored = await checks.insert({
      job_id: jobId,
      rule: hostile,
      details: { columns: ['email'], nested: { ok: true } },
      checked_at: checkedAt.toISOString(),
      day: '2024-02-29',
      score: '12.25',
      ratio: 0.5,
      rows_seen: 9_007_199_254_740_991,
    })
    expect(stored).toEqual({
      id: expect.any(Number),
      job_id: jobId,
      rule: hostile,
      passed: false,
      details: { columns: ['email'], nested: { ok: true } },
      checked_at: checkedAt,
      day: '2024-02-29',
      score: '12.25',
      ratio: 0.5,
      rows_seen: 9_007_199_254_740_991,
    })
    expect(await checks.get(stored.id)).toEqual(stored)
    const found = await checks.find({ where: { column: 'rule', operator: '==', value: hostile } })
    expect(found.items).toEqual([stored])

    // A reference to a job that does not exist is a foreign-key constraint error.
    await expect(checks.insert({ job_id: uuidv7(), rule: 'r' })).rejects.toMatchObject({ error_type: 'constraint_error', constraint_kind: 'foreign_key' })
    await expect(checks.insert({ job_id: jobId, rule: 'r', day: '2024-02-30' })).rejects.toMatchObject({ issues: [{ path: 'day' }] })
    await expect(checks.insert({ job_id: jobId, rule: 'r', extra: 1 })).rejects.toMatchObject({ error_type: 'validation_error' })
  })

  it('includes referenced rows in one query per relation, and loads them lazily', async () => {
    const store = await target().open()
    await store.migrate()
    await store.models.define(QUALITY)
    const jobs = [await insertCoreJob(store, 'a'), await insertCoreJob(store, 'b')]
    const checks = store.models.records('quality_check')
    const findings = store.models.records('finding')
    const made: Array<Record<string, unknown>> = []
    for (let i = 0; i < 6; i++) made.push(await checks.insert({ job_id: jobs[i % 2], rule: `rule ${i}`, passed: i % 3 === 0 }))
    for (const check of made) await findings.insert({ check_id: check.id, note: `note ${check.id}` })
    await findings.insert({ check_id: null, note: 'orphan' })

    const statements: string[] = []
    const watched = await target().open({ onQuery: (event: { sql: string }) => statements.push(event.sql) } as never)
    const page = await watched.models.records('finding').find({ order_by: 'note', limit: 100 }, { include: ['check'] })
    expect(page.items).toHaveLength(7)
    const orphan = page.items.find((item) => item.note === 'orphan')
    expect(orphan?.check).toBeNull()
    const first = page.items.find((item) => item.check_id === made[0]?.id)
    expect(first?.check).toEqual(made[0])
    const selects = statements.filter((statement) => /^select/i.test(statement.trim()))
    // The model definitions, the page, and one IN (…) query for the relation.
    expect(selects.filter((statement) => statement.includes('quality_checks'))).toHaveLength(1)

    const withJob = await checks.get(made[1]?.id, { include: ['job'] })
    expect(withJob.job).toMatchObject({ id: jobs[1], name: 'b' })
    expect(await findings.related(first ?? {}, 'check')).toEqual(made[0])
    await expect(checks.get(made[0]?.id, { include: ['nope'] })).rejects.toMatchObject({ issues: [{ path: 'include[0]' }] })
  })

  it('upserts by key and reports row paths from insertMany', async () => {
    const store = await target().open()
    await store.migrate()
    await store.models.define(QUALITY)
    const jobId = await insertCoreJob(store, 'c')
    const checks = store.models.records('quality_check')
    const inserted = await checks.upsert({ id: 41, job_id: jobId, rule: 'first' })
    expect(inserted).toMatchObject({ id: 41, rule: 'first' })
    expect(await checks.upsert({ id: 41, job_id: jobId, rule: 'second', passed: true })).toMatchObject({ id: 41, rule: 'second', passed: true })
    // The database keeps numbering after the explicit key (PostgreSQL's identity sequence is moved past it).
    const numbered = await checks.insert({ job_id: jobId, rule: 'numbered' })
    expect(numbered.id as number).toBeGreaterThan(41)
    await checks.delete(numbered.id)
    const mine = { column: 'job_id', operator: '==', value: jobId }
    expect(await checks.count({ where: mine })).toBe(1)

    const rows = [
      { job_id: jobId, rule: 'ok' },
      { job_id: jobId, rule: 'ok' },
      { job_id: jobId, rule: 7 },
    ]
    await expect(checks.insertMany(rows)).rejects.toMatchObject({ issues: [{ path: 'rows[2].rule' }] })
    expect(await checks.count({ where: mine }), 'a bad row rolls back the whole batch').toBe(1)
    expect(await checks.insertMany(rows.slice(0, 2), { chunkSize: 1 })).toEqual({ inserted: 2 })
    // Records written through a transaction-bound store roll back with it.
    await expect(
      store.transaction(async (tx) => {
        await tx.models.records('quality_check').insert({ job_id: jobId, rule: 'ok' })
        throw new Error('abort')
      }),
    ).rejects.toThrow('abort')
    expect(await checks.count({ where: { logical_operator: 'AND', rules: [mine, { column: 'rule', operator: '==', value: 'ok' }] } })).toBe(2)
  })

  it('never puts a hostile value into the SQL text: values travel as parameters', async () => {
    const statements: string[] = []
    const store = await target().open({ onQuery: (event: { sql: string }) => statements.push(event.sql) } as never)
    await store.migrate()
    await store.models.define(QUALITY)
    const jobId = await insertCoreJob(store, 'hostile')
    const marker = `zz'); drop table etl_jobs; --`
    const checks = store.models.records('quality_check')
    const row = await checks.insert({ job_id: jobId, rule: marker, details: { note: marker } })
    await checks.update(row.id, { rule: `${marker}2` })
    await checks.find({
      where: {
        logical_operator: 'OR',
        rules: [
          { column: 'rule', operator: 'contains', value: marker },
          { column: 'rule', operator: 'in', value: [marker] },
        ],
      },
    })
    await checks.count({ where: { column: 'rule', operator: '==', value: marker } })
    await checks.upsert({ id: row.id, job_id: jobId, rule: marker })
    await checks.insertMany([{ job_id: jobId, rule: marker }])
    for await (const _ of checks.stream({ where: { column: 'rule', operator: '!=', value: marker } })) void _
    expect(statements.length).toBeGreaterThan(8)
    expect(statements.filter((statement) => statement.includes('zz'))).toEqual([])
  })
})
