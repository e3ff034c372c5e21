import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { seededRandom } from '../src/demo/simulate-day.js'
import { builtinComponentTypes } from '../src/schema/builtin-component-types.js'
import { componentRunsSchema, finishResultSchema, startExecutionSchema } from '../src/schema/execution-schemas.js'
import { fastParser, fastSafeParse, INSTALLED_ZOD_VERSION, NO, PINNED_ZOD_VERSION, useCodeGeneration } from '../src/db/speed/fast-parse.js'
import { COMMON_COMPONENT_KEYS, jobConfigSchema } from '../src/schema/job-config-schema.js'
import { triggerSchema } from '../src/schedules/trigger-schema.js'
import { exampleJobs, largeJob } from './helpers/job-graphs.js'
import { originFixture, originFixtureNames } from './helpers/origin-fixtures.js'

type Random = () => number

class Custom {
  a = 'x'
}
const protoKey = () => JSON.parse('{"__proto__": {"x": 1}, "a": "x"}') as unknown
const nullPrototype = () => Object.assign(Object.create(null) as Record<string, unknown>, { a: 'x' })
const symbolKeyed = () => ({ a: 'x', [Symbol('s')]: 1 })
const hidden = () => Object.defineProperty({ a: 'x' }, 'b', { value: 1, enumerable: false })

/** Values at the edges of what the schemas accept, and of what Zod treats specially. */
const EDGES: ReadonlyArray<() => unknown> = [
  () => undefined,
  () => null,
  () => '',
  () => 'x',
  () => 'read_orders',
  () => 'x'.repeat(100),
  () => 'x'.repeat(101),
  () => 'x'.repeat(200),
  () => 'x'.repeat(201),
  () => '1abc',
  () => 'SUCCEEDED',
  () => 'RUNNING',
  () => 'row',
  () => 'manual',
  () => '2024-01-01T00:00:00Z',
  () => '01890a5d-ac96-774b-bcce-b302099a8057',
  () => 0,
  () => -0,
  () => 1,
  () => -1,
  () => 1.5,
  () => 1000,
  () => 1001,
  () => 2 ** 53,
  () => Number.NaN,
  () => Number.POSITIVE_INFINITY,
  () => 2n,
  () => true,
  () => false,
  () => new Date(Date.UTC(2026, 0, 1)),
  () => new Date(Number.NaN),
  () => [],
  () => ['x'],
  () => [1, 'a', null],
  () => ({}),
  () => ({ a: 'x' }),
  () => ({ to: 'x' }),
  () => ({ to: 'x', in_port: 'in' }),
  () => ({ x_coord: 1, y_coord: 2 }),
  protoKey,
  nullPrototype,
  symbolKeyed,
  hidden,
  () => new Custom(),
  () => Symbol('v'),
]

const KEYS = ['a', 'b', 'c', 'to', 'in_port', 'name', 'comp_type', 'status', 'extra']

function edge(next: Random): unknown {
  return (EDGES[Math.floor(next() * EDGES.length)] as () => unknown)()
}

/** A random value: an edge, or an object or array of random values, `depth` levels deep at most. */
function randomValue(next: Random, depth = 3): unknown {
  const roll = next()
  if (depth === 0 || roll < 0.5) return edge(next)
  if (roll < 0.65) return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth - 1))
  const value: Record<string, unknown> = {}
  for (const key of KEYS) if (next() < 0.4) value[key] = randomValue(next, depth - 1)
  return value
}

function clone<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clone) as T
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, clone(item)])) as T
  }
  return value
}

/** `value` with 1–3 random changes somewhere inside: a member replaced by an edge or a random value, deleted, or added. */
function mutate(value: unknown, next: Random): unknown {
  const copy = clone(value)
  for (let n = 1 + Math.floor(next() * 3); n > 0; n--) {
    const containers: Array<Record<string, unknown> | unknown[]> = []
    const collect = (item: unknown): void => {
      const plain = item !== null && typeof item === 'object' && Object.getPrototypeOf(item) === Object.prototype
      if (Array.isArray(item) || (plain && Object.getOwnPropertyNames(item).length === Object.keys(item).length)) {
        containers.push(item as Record<string, unknown>)
        for (const member of Object.values(item as object)) collect(member)
      }
    }
    collect(copy)
    const target = containers[Math.floor(next() * containers.length)]
    if (!target) return copy
    const keys = Object.keys(target)
    const key = next() < 0.2 || keys.length === 0 ? (KEYS[Math.floor(next() * KEYS.length)] as string) : (keys[Math.floor(next() * keys.length)] as string)
    const roll = next()
    if (roll < 0.2) delete (target as Record<string, unknown>)[key]
    else (target as Record<string, unknown>)[key] = roll < 0.8 ? edge(next) : randomValue(next, 2)
  }
  return copy
}

/** Every key in the order an object lists it, at every level: the fast path must build objects as Zod does. */
function keyOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keyOrder)
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.entries(value).map(([key, item]) => [key, keyOrder(item)])
  }
  return null
}

interface Tally {
  valid: number
  fast: number
}

/**
 * For every value: when the fast path vouches for it, Zod accepts it and gives the same
 * value, key for key and in the same order; `fastSafeParse` always gives Zod's result.
 */
function holdsToZod(schema: z.ZodType, values: Iterable<unknown>): Tally {
  const tally = { valid: 0, fast: 0 }
  for (const value of values) {
    const zod = schema.safeParse(value)
    const fast = fastParser(schema)(value)
    const label = describeValue(value)
    if (zod.success) tally.valid++
    if (fast !== NO) {
      tally.fast++
      expect(zod.success, label).toBe(true)
      expect(fast, label).toStrictEqual(zod.data)
      expect(keyOrder(fast), label).toEqual(keyOrder(zod.data))
    }
    const result = fastSafeParse(schema, value)
    expect(result.success, label).toBe(zod.success)
    if (result.success) expect(result.data, label).toStrictEqual(zod.data)
    else expect(result.error?.issues, label).toEqual(zod.error?.issues)
  }
  return tally
}

function describeValue(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' || typeof item === 'symbol' ? String(item) : item)) ?? String(value)
  } catch {
    return String(value)
  }
}

function* samples<T>(count: number, make: (next: Random, i: number) => T, seed: number): Generator<T> {
  const next = seededRandom(seed)
  for (let i = 0; i < count; i++) yield make(next, i)
}

enum Level {
  Low,
  High,
}

const recursive = z.object({
  name: z.string(),
  get children() {
    return z.array(recursive).optional()
  },
})

/** Small schemas, one per kind of part the fast path knows, and parts it leaves to Zod. */
const SYNTHETIC = {
  strict: z.strictObject({ a: z.string().min(1).max(100), b: z.number().optional(), c: z.boolean().default(false) }),
  loose: z.looseObject({ a: z.string(), b: z.int().min(0).max(1000).optional() }),
  strip: z.object({ a: z.string().optional(), b: z.unknown() }),
  defaults: z.strictObject({ a: z.string().default('d').optional(), b: z.array(z.string()).default([]), c: z.unknown().default(5) }),
  nullable: z.strictObject({ a: z.string().nullable(), b: z.null().optional() }),
  enums: z.strictObject({ status: z.enum(['SUCCEEDED', 'FAILED']).or(z.literal('RUNNING')), a: z.literal('x').optional() }),
  numbers: z.strictObject({ a: z.int().positive().optional(), b: z.number().min(0).max(1000).optional(), c: z.number().lt(1).gt(-1).optional() }),
  regex: z.record(z.string().regex(/^[a-z_]+$/), z.array(z.string().regex(/x/g)).max(2)),
  refined: z
    .strictObject({
      a: z
        .string()
        .refine((text) => text.length !== 1, 'not one')
        .optional(),
      b: z.unknown(),
    })
    .refine((value) => value.a !== undefined || value.b !== undefined, 'a or b'),
  routeTargets: z.array(z.union([z.string().min(1), z.strictObject({ to: z.string().min(1), in_port: z.string().optional() })])),
  // The first option transforms, which the fast path leaves to Zod: it must not answer with the second.
  inexactUnion: z.union([z.strictObject({ a: z.string().transform((text) => `${text}!`) }), z.looseObject({ a: z.string() })]),
  formats: z.strictObject({ a: z.email().optional(), b: z.iso.datetime().optional(), c: z.coerce.number().optional() }),
  trimmed: z.strictObject({ a: z.string().trim().optional() }),
  dates: z.array(z.union([z.date(), z.iso.datetime({ offset: true }).transform((text) => new Date(text))])),
  recursive,
} satisfies Record<string, z.ZodType>

/** A valid value of each, which the random values are mutated from half of the time. */
const EXAMPLES: Record<keyof typeof SYNTHETIC, unknown> = {
  strict: { a: 'x', b: 1 },
  loose: { a: 'x', b: 5, extra: [1] },
  strip: { a: 'x', b: null, extra: 1 },
  defaults: { b: ['x'] },
  nullable: { a: null },
  enums: { status: 'RUNNING', a: 'x' },
  numbers: { a: 1, b: 1000, c: 0 },
  regex: { a_b: ['x'] },
  refined: { a: 'xy' },
  routeTargets: ['x', { to: 'x', in_port: 'in' }],
  inexactUnion: { a: 'x', b: 1 },
  formats: { a: 'a@example.com' },
  trimmed: { a: ' x ' },
  dates: [new Date(Date.UTC(2026, 0, 1)), '2024-01-01T00:00:00Z'],
  recursive: { name: 'a', children: [{ name: 'b' }] },
}

describe('fast parse', () => {
  it('is written against the installed Zod: an upgrade fails here instead of turning the fast path off unnoticed', () => {
    // On a mismatch every parse goes to safeParse. Check the parsers against the new
    // internals (this file's comparisons), then move PINNED_ZOD_VERSION and package.json together.
    expect(INSTALLED_ZOD_VERSION).toBe(PINNED_ZOD_VERSION)
  })

  // Object parsers are generated code where `new Function` is allowed, closures where not: both are held to Zod.
  it('gives what Zod gives with closures in place of generated code', () => {
    useCodeGeneration(false)
    try {
      for (const [name, schema] of Object.entries(SYNTHETIC)) {
        const example = EXAMPLES[name as keyof typeof SYNTHETIC]
        holdsToZod(
          schema,
          samples(500, (next) => (next() < 0.5 ? randomValue(next) : mutate(example, next)), name.length),
        )
      }
      const tally = holdsToZod(
        componentRunsSchema,
        samples(500, (next) => [mutate({ component_name: 'a', started_at: new Date(0), metrics: { n: 1 } }, next)], 3),
      )
      expect(tally.fast).toBeGreaterThan(0)
    } finally {
      useCodeGeneration(true)
    }
  })

  for (const [name, schema] of Object.entries(SYNTHETIC)) {
    it(`gives what Zod gives: ${name}`, () => {
      const example = EXAMPLES[name as keyof typeof SYNTHETIC]
      const tally = holdsToZod(
        schema,
        samples(2000, (next) => (next() < 0.5 ? randomValue(next) : mutate(example, next)), name.length),
      )
      expect(tally.valid).toBeGreaterThan(20)
    })
  }

  it('leaves to Zod what it does not know, and takes the plain rest itself', () => {
    expect(fastParser(SYNTHETIC.formats)({ a: 'a@example.com' })).toBe(NO)
    expect(fastParser(SYNTHETIC.formats)({})).toEqual({})
    expect(fastParser(SYNTHETIC.trimmed)({ a: ' x ' })).toBe(NO)
    expect(fastParser(SYNTHETIC.inexactUnion)({ a: 'x', b: 1 })).toBe(NO)
    expect(fastParser(SYNTHETIC.dates)([new Date(0)])).toEqual([new Date(0)])
    expect(fastParser(SYNTHETIC.dates)(['2024-01-01T00:00:00Z'])).toBe(NO)
    expect(fastParser(SYNTHETIC.routeTargets)(['a', { to: 'b' }])).toEqual(['a', { to: 'b' }])
    // A numeric enum's object also maps names to numbers: only the numbers are its values.
    expect(fastParser(z.enum(Level))(1)).toBe(1)
    expect(fastParser(z.enum(Level))('High')).toBe(NO)
    expect(z.enum(Level).safeParse('High').success).toBe(false)
  })

  it('takes a schema that contains itself, and leaves a union around it to Zod when it refuses', () => {
    const tree = { name: 'a', children: [{ name: 'b', children: [{ name: 'c' }] }] }
    expect(fastParser(recursive)(tree)).toStrictEqual(recursive.parse(tree))
    expect(fastParser(recursive)({ name: 'a', children: [{ name: 1 }] })).toBe(NO)
    const either = z.union([recursive, z.object({ name: z.string(), children: z.number() })])
    expect(fastParser(either)(tree)).toStrictEqual(either.parse(tree))
    expect(fastParser(either)({ name: 'a', children: 5 })).toBe(NO)
    expect(either.parse({ name: 'a', children: 5 })).toEqual({ name: 'a', children: 5 })
  })

  it('gives what Zod gives for component runs, and takes the runs pipelines send', () => {
    const base = {
      component_name: 'read_orders',
      status: 'SUCCEEDED',
      started_at: new Date(Date.UTC(2026, 0, 1)),
      finished_at: new Date(Date.UTC(2026, 0, 1, 0, 1)),
      lines_received: 10,
      lines_forwarded: 9,
      error_count: 1,
      processing_ms: 12.5,
      metrics: { rows_per_s: 333, nested: { list: [1, 'a', null] } },
    }
    const tally = holdsToZod(
      componentRunsSchema,
      samples(3000, (next) => Array.from({ length: 1 + Math.floor(next() * 3) }, () => (next() < 0.4 ? clone(base) : mutate(base, next))), 21),
    )
    // Nearly every valid batch is taken by the fast path, so the comparison covers it; the
    // rest have times as text (a transform) or objects Zod treats its own way.
    expect(tally.valid).toBeGreaterThan(300)
    expect(tally.fast).toBeGreaterThan(tally.valid * 0.95)
    expect(fastParser(componentRunsSchema)([base, { component_name: 'b' }])).toStrictEqual(componentRunsSchema.parse([base, { component_name: 'b' }]))
  })

  it('gives what Zod gives for execution starts and finishes', () => {
    const start = { jobId: '01890a5d-ac96-774b-bcce-b302099a8057', params: { day: '2026-01-31' }, environment: 'prod', idempotencyKey: 'k1', trigger: 'api' }
    const startTally = holdsToZod(
      startExecutionSchema,
      samples(3000, (next) => (next() < 0.2 ? { jobId: start.jobId } : mutate(start, next)), 5),
    )
    expect(startTally.fast).toBeGreaterThan(startTally.valid * 0.95)
    expect(fastParser(startExecutionSchema)(start)).toStrictEqual(startExecutionSchema.parse(start))
    const finish = { status: 'FAILED', error: { type: 'timeout', message: 'took too long', details: { ms: 5 } } }
    const finishTally = holdsToZod(
      finishResultSchema,
      samples(3000, (next) => (next() < 0.2 ? { status: 'SUCCEEDED' } : mutate(finish, next)), 6),
    )
    expect(finishTally.fast).toBeGreaterThan(finishTally.valid * 0.95)
    expect(fastParser(finishResultSchema)(finish)).toStrictEqual(finishResultSchema.parse(finish))
  })

  it('leaves a superRefine to Zod: schedule triggers parse as Zod parses them, valid or not', () => {
    // A superRefine keeps no predicate for the fast path to call; it threw a TypeError here.
    for (const trigger of [{ cron: { hour: 3, timezone: 'UTC' } }, { interval: {} }, { interval: { minutes: 15 } }, { cron: { hour: 99 } }]) {
      const zod = triggerSchema.safeParse(trigger)
      const fast = fastSafeParse(triggerSchema, trigger)
      expect(fast.success).toBe(zod.success)
      if (zod.success && fast.success) expect(fast.data).toStrictEqual(zod.data)
    }
  })

  it('gives what Zod gives for job configs and component payloads', () => {
    const jobs = [...exampleJobs().map(({ config }) => config), ...originFixtureNames().map(originFixture), largeJob('large', 20, 5)]
    const configs = [...samples(1500, (next, i) => (i % 10 === 0 ? clone(jobs[i % jobs.length]) : mutate(jobs[i % jobs.length], next)), 8)]
    const tally = holdsToZod(jobConfigSchema, configs)
    expect(tally.valid).toBeGreaterThan(150)
    // The configs with a transform or format somewhere are few; the rest go the fast way.
    expect(tally.fast).toBeGreaterThan(tally.valid * 0.9)

    const payloads = new Map(builtinComponentTypes.map((type) => [type.comp_type, type.payload]))
    let checked = 0
    for (const config of configs) {
      const components = (config as { components?: unknown }).components
      if (!Array.isArray(components)) continue
      for (const component of components) {
        if (component === null || typeof component !== 'object') continue
        const payload = payloads.get((component as { comp_type?: string }).comp_type ?? '')
        if (!payload) continue
        const rest = Object.fromEntries(Object.entries(component).filter(([key]) => !COMMON_COMPONENT_KEYS.includes(key)))
        holdsToZod(payload, [rest])
        checked++
      }
    }
    expect(checked).toBeGreaterThan(1000)
  })
})
