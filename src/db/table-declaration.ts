import type { ColumnType } from 'kysely'
import type { DialectAdapter } from './dialect-adapter.js'

/**
 * One declaration per core table: its columns, each with the kind of value it stores.
 * From it come the table's Kysely type (so the query builder checks column names), its
 * column list, a row decoder and the query language's column descriptions. A test
 * compares every declaration with the schema the migrations build (the committed
 * snapshots), so a column added by a migration and not declared here fails there.
 *
 * @example
 * export const contextsTable = declareTable('contexts', {
 *   id: column.string(),
 *   name: column.string(),
 *   environment: column.enum(['DEV', 'TEST', 'PROD'] as const),
 *   created_at: column.timestamp(),
 * })
 * type ContextRow = DecodedRow<typeof contextsTable>   // { id: string, …, created_at: Date }
 * contextsTable.decode(adapter, row)                    // one row as the driver returned it
 */

export type ColumnKind = 'string' | 'integer' | 'number' | 'boolean' | 'timestamp' | 'json'

/** What the drivers hand back for a column of each kind, before decoding. */
interface StoredValue {
  string: string
  /** PostgreSQL returns `bigint` columns as text. */
  integer: number | string | bigint
  number: number | string
  /** SQLite and MySQL store 0/1. */
  boolean: boolean | number
  /** SQLite: ISO text; PostgreSQL: text (the store's own parser); MySQL: `Date`. */
  timestamp: string | Date
  json: unknown
}

export interface ColumnDeclaration<Kind extends ColumnKind = ColumnKind, Decoded = unknown, Nullable extends boolean = boolean> {
  readonly kind: Kind
  readonly nullable: Nullable
  /** A string column's closed set of values (statuses). */
  readonly values?: readonly string[]
  /** Only carries the decoded type. */
  readonly decoded?: Decoded
}

function declare<Kind extends ColumnKind, Decoded>(kind: Kind, values?: readonly string[]) {
  const notNull: ColumnDeclaration<Kind, Decoded, false> = values ? { kind, nullable: false, values } : { kind, nullable: false }
  return Object.assign(notNull, { nullable: false as const, orNull: (): ColumnDeclaration<Kind, Decoded, true> => ({ ...notNull, nullable: true }) })
}

/** The column kinds. `.orNull()` makes one nullable. */
export const column = {
  string: () => declare<'string', string>('string'),
  /** A string column that holds only `values`. */
  enum: <const V extends readonly string[]>(values: V) => declare<'string', V[number]>('string', values),
  integer: () => declare<'integer', number>('integer'),
  number: () => declare<'number', number>('number'),
  boolean: () => declare<'boolean', boolean>('boolean'),
  timestamp: () => declare<'timestamp', Date>('timestamp'),
  /** JSON text (MySQL `longtext`, PostgreSQL `jsonb`/`text`), decoded to `T`. */
  json: <T = unknown>() => declare<'json', T>('json'),
}

type Columns = Readonly<Record<string, ColumnDeclaration>>

/** Any table's declaration, without its column types. */
export interface SomeTable {
  /** The unprefixed table name (`executions` for `etl_executions`). */
  readonly name: string
  readonly columns: Columns
  /** The column names, in declaration order. */
  readonly columnNames: readonly string[]
}

export interface TableDeclaration<Name extends string = string, C extends Columns = Columns> extends SomeTable {
  readonly name: Name
  readonly columns: C
  readonly columnNames: readonly (keyof C & string)[]
  /** A row as the driver returned it, every declared column decoded (others are left out). */
  decode(adapter: DialectAdapter, row: Readonly<Record<string, unknown>>): DecodedColumns<C>
}

type DecodedOf<C> = C extends ColumnDeclaration<ColumnKind, infer D, infer N> ? (N extends true ? D | null : D) : never
/** A string column stores its decoded type (an enum's values); the other kinds what the drivers return. */
type StoredOf<C> = C extends ColumnDeclaration<infer K, infer D, infer N> ? (K extends 'string' ? D : StoredValue[K]) | (N extends true ? null : never) : never

/** The decoded row of a table: timestamps as `Date`, booleans, numbers, parsed JSON. */
export type DecodedRow<T extends { readonly columns: Columns }> = DecodedColumns<T['columns']>
type DecodedColumns<C extends Columns> = { -readonly [K in keyof C]: DecodedOf<C[K]> }

/**
 * The table's type for Kysely: what selecting a column returns (the driver's value) and
 * what inserts and updates accept (anything the adapter encodes to: `encodeTimestamp`
 * and `encodeJson` return engine-specific values).
 */
export type KyselyTable<T extends { readonly columns: Columns }> = {
  [K in keyof T['columns']]: ColumnType<StoredOf<T['columns'][K]>, unknown, unknown>
}

export function declareTable<const Name extends string, const C extends Columns>(name: Name, columns: C): TableDeclaration<Name, C> {
  const entries = Object.entries(columns).map(([key, declaration]) => [key, decoderOf(declaration)] as const)
  return {
    name,
    columns,
    columnNames: Object.keys(columns) as (keyof C & string)[],
    decode(adapter, row) {
      const decoded: Record<string, unknown> = {}
      for (const [key, decode] of entries) decoded[key] = decode(adapter, row[key])
      return decoded as DecodedColumns<C>
    },
  }
}

/** Decodes one non-null value of a column's kind, as the driver returned it. */
export type Decoder = (adapter: DialectAdapter, value: unknown) => unknown

/** NULL stays `null` (not `"null"` or `NaN`), whatever the column's kind. */
function decoderOf(declaration: ColumnDeclaration): Decoder {
  const decode = DECODERS[declaration.kind]
  return (adapter, value) => (value === null || value === undefined ? null : decode(adapter, value))
}

/** Each kind's decoding of a non-null value: `table.decode` and the compiled row decoders' fallback use it. */
export const DECODERS: Readonly<Record<ColumnKind, Decoder>> = {
  string: (_adapter, value) => String(value),
  integer: (_adapter, value) => Number(value),
  number: (_adapter, value) => Number(value),
  boolean: (adapter, value) => adapter.decodeBoolean(value),
  timestamp: (adapter, value) => adapter.decodeTimestamp(value),
  json: (adapter, value) => adapter.decodeJson(value),
}
