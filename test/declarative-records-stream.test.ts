import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { expect, it } from 'vitest'
import { describeEngines } from './helpers/engines.js'

setFlagsFromString('--expose-gc')
const collect = runInNewContext('gc') as () => void

const ROWS = 100_000
const PAYLOAD = 500
/** All rows held at once would be more than ROWS × PAYLOAD bytes (50 MB) of live heap. */
const MAX_GROWTH = 25 * 1024 * 1024

const MODELS = {
  models: {
    reading: {
      table_name: 'readings',
      fields: [
        { name: 'id', type: 'integer', primary_key: true },
        { name: 'sensor', type: 'string', max_length: 20, nullable: false },
        { name: 'value', type: 'float', nullable: false },
        { name: 'payload', type: 'text', nullable: false },
      ],
    },
  },
}

/** The rows, one at a time; every 10,000 it calls `sample`, while insertMany is consuming them. */
function* readings(sample: () => void): Generator<Record<string, unknown>> {
  for (let i = 1; i <= ROWS; i++) {
    if (i % 10_000 === 0) sample()
    yield { id: i, sensor: `s${i % 10}`, value: i / 2, payload: String(i % 10).repeat(PAYLOAD) }
  }
}

function liveHeap(): number {
  collect()
  return process.memoryUsage().heapUsed
}

describeEngines('declarative records at volume', (target) => {
  it('writes 100,000 rows through insertMany and reads them back through stream in flat memory', async () => {
    const store = await target().open()
    await store.migrate()
    await store.models.define(MODELS)
    const records = store.models.records('reading')

    const base = liveHeap()
    let peak = 0
    const sample = () => (peak = Math.max(peak, liveHeap() - base))
    const started = performance.now()
    // Sampled during the insert: rows insertMany held on to would show here.
    expect(await records.insertMany(readings(sample))).toEqual({ inserted: ROWS })
    const inserted = performance.now()
    sample()

    let count = 0
    let sum = 0
    let previous = 0
    for await (const row of records.stream()) {
      count++
      sum += row.value as number
      expect(row.id as number).toBeGreaterThan(previous)
      previous = row.id as number
      if (count % 10_000 === 0) sample()
    }
    const streamed = performance.now()
    expect(count).toBe(ROWS)
    expect(sum).toBe((ROWS * (ROWS + 1)) / 4)
    expect(peak).toBeLessThan(MAX_GROWTH)
    expect(await records.count({ where: { column: 'sensor', operator: '==', value: 's3' } })).toBe(ROWS / 10)
    console.log(
      `[${target().engine}] insertMany ${ROWS} rows: ${Math.round(inserted - started)} ms, stream: ${Math.round(streamed - inserted)} ms, ` +
        `peak live-heap growth ${(peak / 1024 / 1024).toFixed(1)} MB, rss ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`,
    )
  }, 240_000)
})
