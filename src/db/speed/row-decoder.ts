import type { DialectAdapter } from '../dialect-adapter.js'
import { type ColumnKind, DECODERS, type DecodedRow, type SomeTable } from '../table-declaration.js'

/** What a compiled decoder returns for `names` of `table`. */
export type DecodedColumnsOf<T extends SomeTable, N extends keyof T['columns']> = Pick<DecodedRow<T>, N>

/**
 * A decoder of the columns `names` of `table`, generated from the declaration as one
 * function that returns an object literal: it decodes exactly as `table.decode` does
 * (NULL stays `null`, whatever the kind) but at the speed of a hand-written decoder.
 * For the rows read by the hundred thousand (execution list pages and streams); other
 * reads use `table.decode`.
 *
 * Measured on Node 20 (2026-12-03, decoding 1,000,000 execution headers as SQLite returns
 * them, CPU time, median of 7, three runs): `table.decode` and reshaping 1,173–1,239 ms,
 * this 581–605 ms, the hand-written decoder it replaced 495–609 ms. The generic loop's
 * per-column closures and keyed stores cost the difference; a loop over the columns
 * without closures still took about twice the hand-written time.
 *
 * The generated text names only the declaration's own columns (JSON-quoted), never
 * anything a user gives. Where code generation is not allowed (a Content-Security-Policy,
 * `--disallow-code-generation-from-strings`), it decodes in a plain loop over the columns.
 *
 * @example
 * const decodeEvent = compileRowDecoder(executionEventsTable, executionEventsTable.columnNames)
 * decodeEvent(adapter, row) // { id, execution_id, at: Date, level, …, data: parsed JSON }
 */
export function compileRowDecoder<T extends SomeTable, const N extends keyof T['columns'] & string>(
  table: T,
  names: readonly N[],
): RowDecoder<DecodedColumnsOf<T, N>> {
  const kinds = names.map((name) => {
    const declared = table.columns[name]
    if (declared === undefined) throw new Error(`${table.name} declares no column ${name}`)
    return declared.kind
  })
  const reads = names.map((name, i) => `v${i} = row[${JSON.stringify(name)}]`)
  const fields = names.map((name, i) => `${JSON.stringify(name)}: v${i} === null || v${i} === undefined ? null : ${DECODE[kinds[i]!](`v${i}`)}`)
  const body = names.length === 0 ? 'return {}' : `const ${reads.join(', ')}\nreturn { ${fields.join(',\n')} }`
  try {
    return new Function('adapter', 'row', body) as RowDecoder<DecodedColumnsOf<T, N>>
  } catch {
    return loopDecoder(names, kinds) as RowDecoder<DecodedColumnsOf<T, N>>
  }
}

type RowDecoder<Decoded> = (adapter: DialectAdapter, row: Readonly<Record<string, unknown>>) => Decoded

function loopDecoder(names: readonly string[], kinds: readonly ColumnKind[]): RowDecoder<Record<string, unknown>> {
  return (adapter, row) => {
    const decoded: Record<string, unknown> = {}
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!
      const value = row[name]
      decoded[name] = value === null || value === undefined ? null : DECODERS[kinds[i]!](adapter, value)
    }
    return decoded
  }
}

/**
 * DECODERS (table-declaration.ts) written out as source text, so the generated decoder
 * calls no closure per column; test/row-decoder.test.ts checks the two agree for every kind.
 */
const DECODE: Readonly<Record<ColumnKind, (v: string) => string>> = {
  string: (v) => `String(${v})`,
  integer: (v) => `Number(${v})`,
  number: (v) => `Number(${v})`,
  boolean: (v) => `adapter.decodeBoolean(${v})`,
  timestamp: (v) => `adapter.decodeTimestamp(${v})`,
  json: (v) => `adapter.decodeJson(${v})`,
}
