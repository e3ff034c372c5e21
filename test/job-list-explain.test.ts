import { CompiledQuery, type Kysely } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import { uuidv7 } from '../src/schema/ids.js'
import { Store } from '../src/store.js'
import { recordingExecuted } from './helpers/executed-queries.js'
import { describeEngines, exec } from './helpers/engines.js'

/** `jobs.list` over 20,000 seeded jobs is planned with an index, never a scan of the jobs table. */
const JOBS = 20_000

describeEngines('job list plans', (target) => {
  let store: Store
  let db: Kysely<any>
  const captured: CompiledQuery[] = []

  beforeAll(async () => {
    store = await target().open()
    await store.migrate()
    db = Store.context(store).db
    const { adapter } = Store.context(store)
    const base = Date.UTC(2024, 0, 1)
    const rows = Array.from({ length: JOBS }, (_, i) => ({
      id: uuidv7(),
      name: `job_${String(i).padStart(6, '0')}`,
      description: null,
      strategy_type: ['row', 'bulk', 'bigdata'][i % 3],
      num_of_retries: i % 4,
      file_logging: adapter.encodeBoolean(false),
      tags: null,
      current_version: 1,
      content_hash: '0'.repeat(64),
      component_count: 0,
      created_at: adapter.encodeTimestamp(new Date(base + i * 1000)),
      updated_at: adapter.encodeTimestamp(new Date(base + i * 1000)),
      created_by: null,
      updated_by: null,
    }))
    for (let start = 0; start < rows.length; start += 2000) await db.insertInto('etl_jobs').values(rows.slice(start, start + 2000)).execute()
    const analyze = { sqlite: 'analyze', postgres: 'analyze etl_jobs', mysql: 'analyze table etl_jobs' }[target().engine]
    await exec(db, analyze)
  })

  async function plan(query: unknown): Promise<string> {
    captured.length = 0
    const repository = new (await import('../src/repositories/job-repository.js')).JobRepository({ ...Store.context(store), db: recordingExecuted(db, captured) })
    await repository.list(query)
    const select = captured[0]!
    const prefix = target().engine === 'sqlite' ? 'explain query plan ' : 'explain '
    const result = await db.executeQuery(CompiledQuery.raw(`${prefix}${select.sql}`, [...select.parameters]))
    return JSON.stringify(result.rows)
  }

  const scansJobs = (text: string) => {
    switch (target().engine) {
      case 'postgres':
        return /Seq Scan on etl_jobs/.test(text)
      case 'mysql':
        return /"table":"etl_jobs"[^}]*"type":"ALL"/.test(text)
      case 'sqlite':
        return /"detail":"SCAN etl_jobs"/.test(text)
    }
  }

  it('uses an index for the default order, a time order, a filter and a cursor page', async () => {
    const first = await store.jobs.list({ order_by: '-updated_at', limit: 10 })
    const queries: unknown[] = [
      { limit: 50 },
      { order_by: '-updated_at', limit: 50 },
      { where: { column: 'strategy_type', operator: '==', value: 'bulk' }, order_by: 'name', limit: 50 },
      { where: { column: 'name', operator: '>=', value: 'job_010000' }, limit: 50 },
      { order_by: '-updated_at', limit: 10, cursor: first.next_cursor },
    ]
    for (const query of queries) {
      const text = await plan(query)
      expect(scansJobs(text), `${JSON.stringify(query)}: ${text}`).toBe(false)
    }
  })
})
