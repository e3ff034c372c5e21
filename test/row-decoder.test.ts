import { afterEach, describe, expect, it, vi } from 'vitest'
import type { DialectAdapter } from '../src/db/dialect-adapter.js'
import { compileRowDecoder } from '../src/db/speed/row-decoder.js'
import { column, declareTable } from '../src/db/table-declaration.js'
import { decodeTimestampValue } from '../src/db/speed/timestamp-codecs.js'

const table = declareTable('decoded', {
  id: column.string(),
  status: column.enum(['A', 'B'] as const),
  count: column.integer(),
  ratio: column.number().orNull(),
  flag: column.boolean(),
  at: column.timestamp(),
  ended_at: column.timestamp().orNull(),
  data: column.json<{ n: number }>().orNull(),
  'odd "name"': column.string().orNull(),
})

// What the SQLite adapter hands over: 0/1 booleans, ISO text, JSON text.
const adapter = {
  decodeBoolean: (value: unknown) => value === 1 || value === true,
  decodeTimestamp: decodeTimestampValue,
  decodeJson: (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value),
} satisfies Pick<DialectAdapter, 'decodeBoolean' | 'decodeTimestamp' | 'decodeJson'> as unknown as DialectAdapter

const rows = [
  { id: 'x', status: 'A', count: '12', ratio: 0.5, flag: 1, at: '2026-01-31T10:00:00.000Z', ended_at: null, data: '{"n":1}', 'odd "name"': 'q' },
  { id: 'y', status: 'B', count: 0, ratio: null, flag: 0, at: '2026-02-01T00:00:00.123Z', ended_at: '2026-02-01T00:00:01.000Z', data: null },
]

describe('compiled row decoders', () => {
  it('decode every column as the declaration does, NULL and missing columns as null', () => {
    const decode = compileRowDecoder(table, table.columnNames)
    for (const row of rows) expect(decode(adapter, row)).toStrictEqual(table.decode(adapter, row))
    expect(decode(adapter, rows[1]!)).toMatchObject({ count: 0, ratio: null, flag: false, ended_at: new Date('2026-02-01T00:00:01.000Z'), 'odd "name"': null })
  })

  it('decode only the named columns, in the order named', () => {
    const decode = compileRowDecoder(table, ['at', 'id'])
    const decoded = decode(adapter, rows[0]!)
    expect(Object.keys(decoded)).toEqual(['at', 'id'])
    expect(decoded).toStrictEqual({ at: new Date('2026-01-31T10:00:00.000Z'), id: 'x' })
  })

  describe('where code generation is refused (a Content-Security-Policy, --disallow-code-generation-from-strings)', () => {
    afterEach(() => vi.unstubAllGlobals())

    it('decode the same rows in a plain loop', () => {
      vi.stubGlobal('Function', function refused() {
        throw new EvalError('Code generation from strings disallowed for this context')
      })
      const decode = compileRowDecoder(table, table.columnNames)
      vi.unstubAllGlobals()
      for (const row of rows) expect(decode(adapter, row)).toStrictEqual(table.decode(adapter, row))
    })
  })

  it('refuse a column the table does not declare', () => {
    expect(() => compileRowDecoder(table, ['missing' as 'id'])).toThrow('decoded declares no column missing')
  })
})
