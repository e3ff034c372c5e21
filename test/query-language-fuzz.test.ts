import { beforeAll, expect, it } from 'vitest'
import type { Kysely } from 'kysely'
import type { DialectAdapter } from '../src/db/dialect-adapter.js'
import { ValidationError } from '../src/errors.js'
import { listQuery, type QueryEntity } from '../src/query/index.js'
import { describeEngines } from './helpers/engines.js'

const TABLE = 'qfuzz_items'
const entity: QueryEntity = {
  name: 'qfuzz',
  columns: {
    id: { column: 'id', type: 'string' },
    name: { column: 'name', type: 'string' },
    score: { column: 'score', type: 'integer' },
    at: { column: 'at', type: 'timestamp', nullable: true },
  },
}

/** A small deterministic PRNG (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ATOMS: unknown[] = [
  'name',
  'score',
  'at',
  'id',
  'nope',
  "name'; drop table qfuzz_items; --",
  '"name"',
  '',
  '==',
  'in',
  'contains',
  'is_null',
  'LIKE',
  'AND',
  'OR',
  'NOT',
  0,
  -1,
  1.5,
  2 ** 60,
  NaN,
  true,
  false,
  null,
  '2024-01-01T00:00:00Z',
  'yesterday',
  "' OR 1=1 --",
  '%_!',
  '\u0000',
  'x'.repeat(300),
]

function generate(next: () => number, depth = 0): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T
  const roll = next()
  if (roll < 0.15 || depth > 4) return pick(ATOMS)
  if (roll < 0.25) return Array.from({ length: Math.floor(next() * 4) }, () => generate(next, depth + 1))
  if (roll < 0.55) {
    const leaf: Record<string, unknown> = { column: pick(ATOMS), operator: pick(ATOMS), value: next() < 0.3 ? [pick(ATOMS), pick(ATOMS)] : pick(ATOMS) }
    if (next() < 0.1) delete leaf[pick(['column', 'operator', 'value'])]
    if (next() < 0.05) leaf[String(pick(ATOMS))] = 1
    return leaf
  }
  return { logical_operator: pick(ATOMS), rules: Array.from({ length: Math.floor(next() * 4) }, () => generate(next, depth + 1)) }
}

describeEngines('query language fuzzing', (target) => {
  let db: Kysely<any>
  let adapter: DialectAdapter

  beforeAll(async () => {
    ;({ db, adapter } = target().raw())
    await adapter
      .tableOptions(
        db.schema
          .createTable(TABLE)
          .addColumn('id', adapter.types.string(36), (c) => c.primaryKey())
          .addColumn('name', adapter.types.string(100), (c) => c.notNull())
          .addColumn('score', 'integer', (c) => c.notNull())
          .addColumn('at', adapter.types.timestamp),
      )
      .execute()
    await db
      .insertInto(TABLE)
      .values(
        Array.from({ length: 20 }, (_, i) => ({
          id: `id-${String(i).padStart(2, '0')}`,
          name: `n${i}`,
          score: i % 5,
          at: i % 3 ? adapter.encodeTimestamp(new Date(Date.UTC(2024, 0, i + 1))) : null,
        })),
      )
      .execute()
  })

  it('answers a NUL character in a filter value with a validation_error or rows', async () => {
    const run = () =>
      listQuery(
        { db, adapter },
        entity,
        { where: { column: 'name', operator: '==', value: 'a\u0000b' } },
        { key: TABLE, base: () => db.selectFrom(TABLE).selectAll(), decode: (row) => row.id },
      )
    const outcome = await run().then(
      (page) => page.items,
      (error: unknown) => error,
    )
    if (!Array.isArray(outcome)) expect(outcome).toBeInstanceOf(ValidationError)
  })

  it('answers 1,500 generated queries with rows or a validation_error, never anything else', async () => {
    const next = random(20240501)
    let valid = 0
    for (let i = 0; i < 1500; i++) {
      const query: Record<string, unknown> = { where: generate(next) }
      if (next() < 0.3)
        query.order_by = next() < 0.5 ? String(ATOMS[Math.floor(next() * ATOMS.length)]) : [{ column: 'score', direction: next() < 0.5 ? 'asc' : 'sideways' }]
      if (next() < 0.2) query.limit = ATOMS[Math.floor(next() * ATOMS.length)]
      if (next() < 0.1) query.cursor = 'eyJ4IjoxfQ.AAAA'
      try {
        const page = await listQuery({ db, adapter }, entity, query, { key: TABLE, base: () => db.selectFrom(TABLE).selectAll(), decode: (row) => row.id })
        expect(Array.isArray(page.items)).toBe(true)
        valid++
      } catch (error) {
        if (!(error instanceof ValidationError)) throw new Error(`query ${JSON.stringify(query)} failed with ${String(error)}`, { cause: error })
        expect(error.issues.length).toBeGreaterThan(0)
      }
    }
    expect(valid).toBeGreaterThan(0)
    const count = await db
      .selectFrom(TABLE)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst()
    expect(Number(count?.n)).toBe(20)
  })
})
