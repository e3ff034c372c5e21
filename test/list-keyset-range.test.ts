import { beforeAll, expect, it } from 'vitest'
import { insertObjects } from './helpers/insert-objects.js'
import { uuidv7 } from '../src/schema/ids.js'
import { Store } from '../src/store.js'
import { describeEngines } from './helpers/engines.js'
import { createJob, openExecutionStore, succeededExecutionRow } from './helpers/execution-store.js'

/**
 * Keyset pages seek: the cursor condition carries a range bound on the first sort key
 * (on every engine, before the OR of the keys), so the index is entered at the
 * cursor (a deep page costs what page 1 costs) instead of being filtered from its start,
 * and paging stays exact when sort keys tie.
 */

const ROWS = 3_000

describeEngines('keyset pagination with a leading range bound', (target) => {
  let store: Store
  let jobId: string
  const statements: string[] = []

  beforeAll(async () => {
    store = await openExecutionStore(target(), { onQuery: (event) => statements.push(event.sql) })
    jobId = await createJob(store)
    const { adapter, table } = Store.context(store)
    const base = Date.now() - 86_400_000
    const rows = Array.from({ length: ROWS }, (_, i) => {
      // Three executions share each queued_at: ties are broken by id.
      const at = adapter.encodeTimestamp(new Date(base + Math.floor(i / 3) * 1000))
      return succeededExecutionRow(uuidv7(), jobId, at)
    })
    await Store.context(store).transaction((tx) => insertObjects(tx, table('executions'), rows))
  })

  it('walks every execution exactly once, newest first, across tied timestamps', async () => {
    const seen: { id: string; at: number }[] = []
    let cursor: string | null = null
    do {
      const page: { items: { id: string; queued_at: Date }[]; next_cursor: string | null } = await store.executions.list({
        where: { column: 'job_id', operator: '==', value: jobId },
        limit: 100,
        ...(cursor ? { cursor } : {}),
      })
      seen.push(...page.items.map((item) => ({ id: item.id, at: item.queued_at.getTime() })))
      cursor = page.next_cursor
    } while (cursor)
    expect(seen).toHaveLength(ROWS)
    expect(new Set(seen.map((row) => row.id)).size).toBe(ROWS)
    for (let i = 1; i < seen.length; i++) {
      const [previous, current] = [seen[i - 1]!, seen[i]!]
      expect(previous.at > current.at || (previous.at === current.at && previous.id > current.id)).toBe(true)
    }
  })

  it('bounds the first sort key of a cursor page so the index is entered at the cursor', async () => {
    const first = await store.executions.list({ limit: 10 })
    statements.length = 0
    await store.executions.list({ limit: 10, cursor: first.next_cursor ?? undefined })
    const page = statements.find((text) => /order by/i.test(text)) ?? ''
    expect(page).toMatch(/queued_at["`]? <= (\?|\$\d+) and \(/i)
  })
})
