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
    for (let start = 0; start < rows.length; start += 2000)
      await db
        .insertInto('etl_jobs')
        .values(rows.slice(start, start + 2000))
        .execute()
    const analyze = { sqlite: 'analyze', postgres: 'analyze etl_jobs', mysql: 'analyze table etl_jobs' }[target().engine]
    await exec(db, analyze)
  })

  async function plan(query: unknown): Promise<string> {
    captured.length = 0
    const repository = new (await import('../src/repositories/job-repository.js')).JobRepository({
      ...Store.context(store),
      db: recordingExecuted(db, captured),
    })
    await repository.list(query)
    const select = captured[0]!
    const prefix = target().engine === 'sqlite' ? 'explain query plan ' : 'explain '
    const result = await db.executeQuery(CompiledQuery.raw(`${prefix}${select.sql}`, [...select.parameters]))
    return JSON.stringify(result.rows)
  }

  /** The indexes the plan reads etl_jobs through, in each engine's plan format. */
  const indexesOnJobs = (text: string): string[] => {
    const pattern = {
      postgres: /Index (?:Only )?Scan(?: Backward)? using (\w+) on etl_jobs/g,
      mysql: /"table":"etl_jobs"[^}]*?"key":"(\w+)"/g,
      sqlite: /(?:SCAN|SEARCH) etl_jobs USING (?:COVERING )?INDEX (\w+)/g,
    }[target().engine]
    return [...text.matchAll(pattern)].map((match) => match[1]!)
  }

  it('reads each list through the index made for its order or filter', async () => {
    const first = await store.jobs.list({ order_by: '-updated_at', limit: 10 })
    const byStrategy = { where: { column: 'strategy_type', operator: '==', value: 'bulk' }, order_by: 'name', limit: 50 }
    const cases: [query: unknown, indexes: string[]][] = [
      [{ limit: 50 }, ['etl_jobs_name_idx']],
      [{ order_by: '-updated_at', limit: 50 }, ['etl_jobs_updated_idx']],
      // Either serves it: the planner weighs the filter's selectivity against the order.
      [byStrategy, ['etl_jobs_strategy_idx', 'etl_jobs_name_idx']],
      [{ where: { column: 'name', operator: '>=', value: 'job_010000' }, limit: 50 }, ['etl_jobs_name_idx']],
      [{ order_by: '-updated_at', limit: 10, cursor: first.next_cursor }, ['etl_jobs_updated_idx']],
    ]
    for (const [query, indexes] of cases) {
      const text = await plan(query)
      const used = indexesOnJobs(text)
      expect(used, `${JSON.stringify(query)}: ${text}`).toHaveLength(1)
      expect(indexes, `${JSON.stringify(query)}: ${text}`).toContain(used[0])
    }
  })
})
