// W4: a page of 50 executions filtered by job and status, newest first, over the
// seeded executions; the same page with the filter's total; then a deep page (1,000 at
// full size) by cursor and by offset.
import { compareLatency } from '../lib/harness.mjs'

const LIMIT = 50

/** The keyset position of page `page` (its last row's predecessor), found by offset once. */
async function cursorFor(impl, query, page) {
  if (impl.pageCursor) return impl.pageCursor(query, page)
  const previous = await impl.listPage({ ...query, offset: (page - 2) * query.limit })
  const last = previous[query.limit - 1]
  return { queued_at: last.queued_at, id: last.id }
}

export async function listPage({ impls, floor, sizes, seeded }) {
  const query = { jobId: seeded.targetJobId, status: 'SUCCEEDED', limit: LIMIT }
  const deep = Math.max(2, Math.min(1000, Math.floor(seeded.targetMatches / LIMIT) - 1))
  const cursors = new Map()
  for (const impl of impls) cursors.set(impl.name, { second: await cursorFor(impl, query, 2), deep: await cursorFor(impl, query, deep) })
  const expect = (items, what) => {
    if (items.length < LIMIT) throw new Error(`W4 ${what}: only ${items.length} rows`)
  }
  // Page 1 and the cursor pages take a millisecond or less: up to 300 of them, or 300 ms, a
  // round. They are compared with each other (the deep page no slower than page 1), so they
  // run in the same rounds, one after the other: a database that settles or a machine that
  // gets busier between two separate phases would otherwise favour one of them. Page 2 by
  // cursor tells what the cursor's condition costs apart from the depth.
  const options = { rounds: sizes.rounds, iterations: 300, budgetMs: 300 }
  const byCursorTo = (which) => (impl) => {
    const cursor = cursors.get(impl.name)[which]
    return impl.listPage(impl.pageCursor ? { ...query, cursor } : { ...query, after: cursor })
  }
  const pages = { first: (impl) => impl.listPage(query), second: byCursorTo('second'), cursor: byCursorTo('deep') }
  const variants = impls.flatMap((impl) =>
    Object.keys(pages).map((page) => ({
      name: `${impl.name}/${page}`,
      impl,
      page,
      statements: () => impl.statements(),
      ...(impl.transactions ? { transactions: () => impl.transactions() } : {}),
    })),
  )
  const both = await compareLatency(variants, {
    ...options,
    operation: async (variant) => expect(await pages[variant.page](variant.impl), `${variant.page} page`),
  })
  const rowsOf = (page) => both.filter((row) => row.name.endsWith(`/${page}`)).map((row) => ({ ...row, name: row.name.slice(0, -page.length - 1) }))
  const first = rowsOf('first')
  const secondByCursor = rowsOf('second')
  const byCursor = rowsOf('cursor')
  const byOffset = await compareLatency(impls, {
    ...options,
    iterations: sizes.w4Offset,
    budgetMs: Infinity,
    operation: async (impl) => expect(await impl.listPage({ ...query, offset: (deep - 1) * LIMIT }), 'offset page'),
  })
  // Page 1 with the filter's total (what a UI's "page 1 of N" needs). The floor also runs
  // the window form (`count(*) over ()`) as "floor-window"; the ratio is to the faster.
  const windowed =
    floor && impls.includes(floor) ? [{ ...floor, name: 'floor-window', listPageWithTotal: (q) => floor.listPageWithTotal(q, { window: true }) }] : []
  const withTotal = await compareLatency([...impls.filter((impl) => impl.listPageWithTotal), ...windowed], {
    ...options,
    operation: async (impl) => {
      const { items, total } = await impl.listPageWithTotal(query)
      expect(items, 'page with total')
      if (total !== seeded.targetMatches) throw new Error(`W4 page with total: ${impl.name} counted ${total} of ${seeded.targetMatches}`)
    },
  })
  const of = `${seeded.count.toLocaleString('en-US')} executions`
  return [
    { workload: `W4 page 1 (job+status, ${of})`, rows: first, higherIsBetter: false },
    { workload: `W4 page 1 + total`, rows: withTotal, higherIsBetter: false, floors: ['floor', 'floor-window'] },
    { workload: `W4 page 2 by cursor`, rows: secondByCursor, higherIsBetter: false },
    { workload: `W4 page ${deep} by cursor`, rows: byCursor, higherIsBetter: false },
    { workload: `W4 page ${deep} by offset`, rows: byOffset, higherIsBetter: false },
  ]
}
