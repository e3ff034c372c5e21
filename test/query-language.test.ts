import { sql, type Kysely } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import type { DialectAdapter } from '../src/db/dialect-adapter.js'
import { ValidationError } from '../src/errors.js'
import { listQuery, listQuerySchema, type QueryEntity } from '../src/query/index.js'
import { describeEngines } from './helpers/engines.js'
import { seededRandom } from '../src/demo/simulate-day.js'

interface Item {
  id: string
  name: string
  score: number
  rating: number | null
  active: boolean
  created_at: Date
  note: string | null
}

const TABLE = 'qtest_items'
const entity: QueryEntity = {
  name: 'qtest',
  columns: {
    id: { column: 'id', type: 'string' },
    name: { column: 'name', type: 'string' },
    score: { column: 'score', type: 'integer' },
    rating: { column: 'rating', type: 'number', nullable: true },
    active: { column: 'active', type: 'boolean' },
    created_at: { column: 'created_at', type: 'timestamp' },
    note: { column: 'note', type: 'string', nullable: true },
  },
  defaultOrder: [{ column: 'name' }],
}

const INJECTION = "x'; DROP TABLE qtest_items; --"
const base = Date.UTC(2024, 0, 1)
const ITEMS: Item[] = Array.from({ length: 30 }, (_, i) => ({
  id: `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`,
  name: `n${String((i * 7) % 30).padStart(2, '0')}`,
  score: i % 4,
  rating: i % 5 === 0 ? null : (i % 6) / 2,
  active: i % 3 === 0,
  created_at: new Date(base + (i % 10) * 60_000 + i),
  note: i === 3 ? INJECTION : i === 4 ? '50%_off' : i === 5 ? '50 percent off' : i % 2 === 0 ? null : `note ${i}`,
}))

function expectedOrder(items: Item[], keys: Array<[keyof Item, 'asc' | 'desc']>): string[] {
  const all: Array<[keyof Item, 'asc' | 'desc']> = [...keys, ['id', keys[keys.length - 1]?.[1] ?? 'asc']]
  const value = (item: Item, key: keyof Item) => {
    const v = item[key]
    return v instanceof Date ? v.getTime() : typeof v === 'boolean' ? Number(v) : v
  }
  return [...items]
    .sort((a, b) => {
      for (const [key, direction] of all) {
        const x = value(a, key)
        const y = value(b, key)
        if (x === y) continue
        if (x === null) return 1
        if (y === null) return -1
        return ((x as number) < (y as number) ? -1 : 1) * (direction === 'asc' ? 1 : -1)
      }
      return 0
    })
    .map((item) => item.id)
}

const COMPARISONS: ReadonlyArray<[string, (a: number, b: number) => boolean]> = [
  ['==', (a, b) => a === b],
  ['!=', (a, b) => a !== b],
  ['<', (a, b) => a < b],
  ['>', (a, b) => a > b],
  ['<=', (a, b) => a <= b],
  ['>=', (a, b) => a >= b],
]

async function errorOf(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ValidationError)
  return error as ValidationError
}

describeEngines('query language', (target) => {
  let db: Kysely<any>
  let adapter: DialectAdapter
  const list = (query: unknown) =>
    listQuery({ db, adapter }, entity, query, {
      key: TABLE,
      base: () => db.selectFrom(TABLE).selectAll(),
      decode: (row) => String(row.id),
    })
  const ids = async (query: unknown) => (await list(query)).items
  const all = async (query: Record<string, unknown>) => {
    const seen: string[] = []
    let cursor: string | null | undefined
    do {
      const page = await list({ ...query, ...(cursor ? { cursor } : {}) })
      seen.push(...page.items)
      cursor = page.next_cursor
    } while (cursor)
    return seen
  }

  beforeAll(async () => {
    ;({ db, adapter } = target().raw())
    const { types } = adapter
    await adapter
      .tableOptions(
        db.schema
          .createTable(TABLE)
          .addColumn('id', types.string(36), (c) => c.primaryKey())
          .addColumn('name', types.string(100), (c) => c.notNull())
          .addColumn('score', 'integer', (c) => c.notNull())
          .addColumn('rating', types.double)
          .addColumn('active', types.boolean, (c) => c.notNull())
          .addColumn('created_at', types.timestamp, (c) => c.notNull())
          .addColumn('note', types.text),
      )
      .execute()
    await db
      .insertInto(TABLE)
      .values(
        ITEMS.map((item) => ({
          ...item,
          active: adapter.encodeBoolean(item.active),
          created_at: adapter.encodeTimestamp(item.created_at),
        })),
      )
      .execute()
  })

  it('filters with every comparison operator like the same filter in JavaScript', async () => {
    const sorted = (items: Item[]) => expectedOrder(items, [['name', 'asc']])
    const cut = new Date(base + 5 * 60_000)
    const cases: Array<[unknown, (item: Item) => boolean]> = [
      [{ column: 'score', operator: '==', value: 2 }, (i) => i.score === 2],
      [{ column: 'score', operator: '!=', value: 2 }, (i) => i.score !== 2],
      [{ column: 'score', operator: '>', value: 1 }, (i) => i.score > 1],
      [{ column: 'score', operator: '<', value: 1 }, (i) => i.score < 1],
      [{ column: 'rating', operator: '>=', value: 1.5 }, (i) => i.rating !== null && i.rating >= 1.5],
      [{ column: 'rating', operator: '<=', value: 1 }, (i) => i.rating !== null && i.rating <= 1],
      [{ column: 'created_at', operator: '>=', value: cut.toISOString() }, (i) => i.created_at >= cut],
      [{ column: 'active', operator: '==', value: true }, (i) => i.active],
      [{ column: 'name', operator: 'in', value: ['n00', 'n07', 'zz'] }, (i) => ['n00', 'n07'].includes(i.name)],
      [{ column: 'note', operator: 'is_null', value: true }, (i) => i.note === null],
      [{ column: 'note', operator: 'is_null', value: false }, (i) => i.note !== null],
      [{ column: 'note', operator: 'contains', value: 'NOTE 1' }, (i) => (i.note ?? '').toLowerCase().includes('note 1')],
    ]
    for (const [where, predicate] of cases) {
      expect(await ids({ where, limit: 1000 }), JSON.stringify(where)).toEqual(sorted(ITEMS.filter(predicate)))
    }
  })

  it('combines rules with AND, OR and NOT, nested', async () => {
    const where = {
      logical_operator: 'OR',
      rules: [
        {
          logical_operator: 'AND',
          rules: [
            { column: 'score', operator: '==', value: 1 },
            { column: 'active', operator: '==', value: true },
          ],
        },
        { logical_operator: 'NOT', rules: [{ column: 'score', operator: 'in', value: [0, 1, 2] }] },
      ],
    }
    const expected = ITEMS.filter((i) => (i.score === 1 && i.active) || ![0, 1, 2].includes(i.score))
    expect(await ids({ where, limit: 1000 })).toEqual(expectedOrder(expected, [['name', 'asc']]))
  })

  it('gives the right rows when one query shape comes back with other values (the compiled page is reused)', async () => {
    // Each shape is a tree of rules whose values are drawn anew on every use: the first use
    // compiles the page statement, the others only bind their values to it.
    const next = seededRandom(7)
    const pick = <T>(items: readonly T[], draw: () => number): T => items[Math.floor(draw() * items.length)] as T
    type Use = (draw: () => number) => [unknown, (item: Item) => boolean]
    const leafShapes: Array<() => Use> = [
      () => {
        const [operator, test] = pick(COMPARISONS, next)
        return (draw) => {
          const value = Math.floor(draw() * 4)
          return [{ column: 'score', operator, value }, (i) => test(i.score, value)]
        }
      },
      () => (draw) => {
        const names = [pick(ITEMS, draw).name, pick(ITEMS, draw).name]
        return [{ column: 'name', operator: 'in', value: names }, (i) => names.includes(i.name)]
      },
      () => (draw) => {
        // On a NOT NULL column: `NOT (x LIKE …)` over a NULL would need SQL's three-valued logic here.
        const part = pick(['N1', '1', '%_', '0', '2'], draw)
        return [{ column: 'name', operator: 'contains', value: part }, (i) => i.name.toLowerCase().includes(part.toLowerCase())]
      },
      () => (draw) => {
        const at = new Date(base + Math.floor(draw() * 10) * 60_000)
        return [{ column: 'created_at', operator: '>=', value: at.toISOString() }, (i) => i.created_at >= at]
      },
      () => (draw) => {
        const value = draw() < 0.5
        return [{ column: 'active', operator: '==', value }, (i) => i.active === value]
      },
    ]
    const shape = (depth: number): Use => {
      if (depth > 1 || next() < 0.4) return pick(leafShapes, next)()
      const operator = pick(['AND', 'OR', 'NOT'] as const, next)
      const rules = Array.from({ length: 1 + Math.floor(next() * 3) }, () => shape(depth + 1))
      return (draw) => {
        const built = rules.map((rule) => rule(draw))
        const tests = built.map(([, test]) => test)
        const all = (i: Item) => tests.every((test) => test(i))
        const combined = operator === 'OR' ? (i: Item) => tests.some((test) => test(i)) : operator === 'AND' ? all : (i: Item) => !all(i)
        return [{ logical_operator: operator, rules: built.map(([where]) => where) }, combined]
      }
    }
    for (let n = 0; n < 40; n++) {
      const use = shape(0)
      for (let time = 0; time < 3; time++) {
        const [where, predicate] = use(next)
        const expected = expectedOrder(ITEMS.filter(predicate), [['created_at', 'desc']])
        const page = await list({ where, order_by: '-created_at', limit: 4, total: true })
        expect(page.items, JSON.stringify(where)).toEqual(expected.slice(0, 4))
        expect(page.total, JSON.stringify(where)).toBe(expected.length)
        expect(await all({ where, order_by: '-created_at', limit: 4 }), JSON.stringify(where)).toEqual(expected)
      }
    }
  })

  it('treats wildcards in a contains value literally', async () => {
    expect(await ids({ where: { column: 'note', operator: 'contains', value: '50%_' } })).toEqual([ITEMS[4]!.id])
  })

  it('walks every row exactly once with keyset cursors, in the requested order, ties broken by id in the direction of the last key', async () => {
    const orders: Array<[unknown, Array<[keyof Item, 'asc' | 'desc']>]> = [
      [undefined, [['name', 'asc']]],
      ['-created_at', [['created_at', 'desc']]],
      [
        [{ column: 'score' }, { column: 'created_at', direction: 'desc' }],
        [
          ['score', 'asc'],
          ['created_at', 'desc'],
        ],
      ],
      [[{ column: 'rating', direction: 'desc' }], [['rating', 'desc']]],
      [
        ['rating', '-score'],
        [
          ['rating', 'asc'],
          ['score', 'desc'],
        ],
      ],
      [{ column: 'active', direction: 'desc' }, [['active', 'desc']]],
    ]
    for (const [order_by, keys] of orders) {
      const got = await all({ ...(order_by === undefined ? {} : { order_by }), limit: 4 })
      expect(got, JSON.stringify(order_by)).toEqual(expectedOrder(ITEMS, keys))
    }
  })

  it('pages a filtered list by cursor and counts the total', async () => {
    const where = { column: 'score', operator: '!=', value: 0 }
    const first = await list({ where, order_by: '-created_at', limit: 5, total: true })
    const expected = expectedOrder(
      ITEMS.filter((i) => i.score !== 0),
      [['created_at', 'desc']],
    )
    expect(first.total).toBe(expected.length)
    expect(first.items).toEqual(expected.slice(0, 5))
    expect(await all({ where, order_by: '-created_at', limit: 5 })).toEqual(expected)
    const last = await list({ where, order_by: '-created_at', limit: 100 })
    expect(last.next_cursor).toBeNull()
  })

  it('pages by offset', async () => {
    const expected = expectedOrder(ITEMS, [['score', 'desc']])
    expect(await ids({ order_by: '-score', limit: 7, offset: 7 })).toEqual(expected.slice(7, 14))
  })

  it('rejects an edited cursor and a cursor reused with another filter', async () => {
    const page = await list({ limit: 3 })
    const cursor = page.next_cursor!
    const [body, tag] = cursor.split('.')
    const forged = Buffer.from(JSON.stringify(['a', ITEMS[0]!.id])).toString('base64url')
    for (const bad of [`${forged}.${tag}`, `${body}x.${tag}`, 'garbage', `${body}`]) {
      expect((await errorOf(list({ limit: 3, cursor: bad }))).issues[0]?.path).toBe('cursor')
    }
    const other = await errorOf(list({ limit: 3, cursor, where: { column: 'score', operator: '==', value: 1 } }))
    expect(other.issues[0]?.path).toBe('cursor')
    expect((await errorOf(list({ limit: 3, cursor, offset: 3 }))).issues[0]?.path).toBe('cursor')
  })

  it('rejects unknown columns, bad operators and mistyped values with their paths', async () => {
    const cases: Array<[unknown, string]> = [
      [
        {
          where: {
            logical_operator: 'AND',
            rules: [
              { column: 'name', operator: '==', value: 'a' },
              { column: 'password', operator: '==', value: 'a' },
            ],
          },
        },
        'where.rules[1].column',
      ],
      [{ where: { column: 'name', operator: 'LIKE', value: 'a' } }, 'where.operator'],
      [{ where: { column: 'score', operator: '==', value: '1' } }, 'where.value'],
      [{ where: { column: 'created_at', operator: '>', value: 'yesterday' } }, 'where.value'],
      [{ where: { column: 'score', operator: 'in', value: [1, 'two'] } }, 'where.value[1]'],
      [{ where: { column: 'score', operator: 'contains', value: '1' } }, 'where.operator'],
      [{ where: { logical_operator: 'XOR', rules: [] } }, 'where.logical_operator'],
      [{ where: { logical_operator: 'OR', rules: [{ column: 'name', operator: '==', value: 'a', extra: 1 }] } }, 'where.rules[0].extra'],
      [{ order_by: [{ column: 'name' }, { column: 'nope' }] }, 'order_by[1].column'],
      [{ order_by: 'name; drop table x' }, 'order_by'],
      [{ limit: 0 }, 'limit'],
      [{ limit: 5000 }, 'limit'],
    ]
    for (const [query, path] of cases) {
      expect((await errorOf(list(query))).issues[0]?.path, JSON.stringify(query)).toBe(path)
    }
  })

  it('binds SQL-injection strings as values and rejects them as column names; the table stays intact', async () => {
    expect(await ids({ where: { column: 'note', operator: '==', value: INJECTION } })).toEqual([ITEMS[3]!.id])
    expect(await ids({ where: { column: 'name', operator: 'in', value: [INJECTION, "' OR '1'='1"] } })).toEqual([])
    expect(await ids({ where: { column: 'note', operator: 'contains', value: "'; drop" } })).toEqual([ITEMS[3]!.id])
    for (const column of ['name; DROP TABLE qtest_items', 'name" OR "1"="1', '`name`', 'id)--']) {
      expect((await errorOf(list({ where: { column, operator: '==', value: 'x' } }))).issues[0]?.path).toBe('where.column')
      expect((await errorOf(list({ order_by: [{ column }] }))).issues[0]?.path).toBe('order_by[0].column')
    }
    const count = await sql<{ n: unknown }>`select count(*) as n from ${sql.table(TABLE)}`.execute(db)
    expect(Number(count.rows[0]?.n)).toBe(ITEMS.length)
  })

  it('exposes the query shape as a Zod schema for the CLI', () => {
    expect(listQuerySchema.safeParse({ where: { column: 'a', operator: '==', value: 1 }, limit: 10 }).success).toBe(true)
    expect(listQuerySchema.safeParse({ where: { column: 'a', operator: 'LIKE' } }).success).toBe(false)
  })
})
