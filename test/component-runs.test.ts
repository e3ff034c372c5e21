import { describe, expect, it } from 'vitest'
import { ValidationError } from '../src/errors.js'
import { parseComponentRuns, plainRuns } from '../src/schema/component-runs.js'
import { componentRunsSchema } from '../src/schema/execution-schemas.js'
import { parseOrThrow } from '../src/schema/zod-issues.js'
import { seededRandom } from '../src/demo/simulate-day.js'


const ABSENT = Symbol('absent')
const nullPrototype = Object.assign(Object.create(null) as Record<string, unknown>, { rows: 3 })
class Custom {
  rows = 1
}
const FIELDS: Record<string, readonly unknown[]> = {
  component_name: ['read_orders', 'a', 'x'.repeat(200), 'x'.repeat(201), '', 'a\u0000b', '\uD800', 5, null, ABSENT],
  status: [ABSENT, undefined, 'SUCCEEDED', 'FAILED', 'CANCELLED', 'RUNNING', 'QUEUED', 'succeeded', null],
  started_at: [ABSENT, undefined, new Date(), new Date(Number.NaN), new Date(Date.UTC(999, 0, 1)), '2024-01-01T00:00:00Z', '2024-01-01', 0],
  finished_at: [ABSENT, new Date(Date.UTC(2030, 5, 1)), new Date(Date.UTC(10_000, 0, 1)), '2024-01-01T00:00:00+02:00'],
  lines_received: [ABSENT, 0, 5, -1, 1.5, 2 ** 53, 2 ** 53 - 1, Number.NaN, Number.POSITIVE_INFINITY, '5', -0, null],
  lines_forwarded: [ABSENT, 0, 7, -3, 0.5, undefined],
  error_count: [ABSENT, 0, 2, -1, 1e20],
  processing_ms: [ABSENT, 0, 1.5, -0.1, Number.POSITIVE_INFINITY, Number.NaN, 1e308, '3', undefined],
  metrics: [
    ABSENT,
    {},
    { rows: 1, nested: { list: [1, 'a', null] } },
    { bad: Number.NaN },
    { text: 'a\u0000' },
    { big: 2n },
    [],
    null,
    new Date(),
    nullPrototype,
    { [Symbol('s')]: 1 },
    JSON.parse('{"__proto__": {"x": 1}, "y": 2}') as unknown,
    new Custom(),
    undefined,
  ],
}

const outcome = (parse: () => unknown) => {
  try {
    return { data: parse() }
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error
    return { issues: error.issues }
  }
}

describe('component run validation', () => {
  it('gives what the Zod schema gives, for plain runs, edge values and wrong shapes alike', () => {
    const next = seededRandom(21)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T
    const run = (): unknown => {
      const roll = next()
      if (roll < 0.03) return pick([null, [], 'run', 7, new Custom()])
      const value: Record<string, unknown> = {}
      for (const [key, values] of Object.entries(FIELDS)) {
        // Mostly valid values, so most runs get through and the rare bad one is the one checked.
        const chosen = next() < 0.75 ? (values[key === 'status' ? 2 : 1] ?? values[0]) : pick(values)
        if (chosen !== ABSENT) value[key] = chosen
      }
      if (next() < 0.03) value.extra = 1
      return value
    }
    let plain = 0
    for (let i = 0; i < 3000; i++) {
      const runs = Array.from({ length: 1 + Math.floor(next() * 4) }, run)
      const expected = outcome(() => parseOrThrow(componentRunsSchema, runs, 'runs'))
      expect(outcome(() => parseComponentRuns(runs)), JSON.stringify(runs, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))).toEqual(expected)
      const fast = plainRuns(runs)
      if (fast !== undefined) {
        // Shape only: unstorable values are checked after either path.
        plain++
        const zod = componentRunsSchema.safeParse(runs)
        expect(zod.success).toBe(true)
        expect(fast).toEqual(zod.data)
      }
    }
    // The hand-written path is the one taken for most runs, so the comparison above covers it.
    expect(plain).toBeGreaterThan(300)
  })

  it('takes the hand-written path for the runs pipelines send', () => {
    const runs = Array.from({ length: 50 }, (_, i) => ({
      component_name: `c${i}`,
      status: 'SUCCEEDED',
      started_at: new Date(),
      finished_at: new Date(),
      lines_received: i,
      lines_forwarded: i,
      error_count: 0,
      processing_ms: 1.5,
      metrics: { rows_per_s: i },
    }))
    expect(plainRuns(runs)).toEqual(componentRunsSchema.parse(runs))
  })
})
