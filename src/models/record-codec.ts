import { z } from 'zod'
import type { DialectAdapter } from '../db/dialect-adapter.js'
import type { QueryEntity, QueryValueType } from '../query/index.js'
import { isUuid } from '../schema/ids.js'
import type { FieldDefinition, ModelDefinition } from './model-definition.js'

/** A record of a declared model: field name → value (dates as `YYYY-MM-DD`, datetimes as `Date`). */
export type ModelRecord = Record<string, unknown>

const DATE = /^\d{4}-\d{2}-\d{2}$/
const DECIMAL = /^-?\d{1,30}(\.\d{1,30})?$/

function validDate(value: string): boolean {
  const parsed = new Date(`${value}T00:00:00Z`)
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value)
}

function valueSchema(field: FieldDefinition): z.ZodType {
  switch (field.type) {
    case 'integer':
      return z.int().min(-2_147_483_648).max(2_147_483_647)
    case 'bigint':
      return z.int()
    case 'float':
      return z.number().finite()
    case 'decimal':
      return z.union([z.number().finite(), z.string().regex(DECIMAL, 'Expected a decimal number')])
    case 'string':
      return z.string().max(field.max_length ?? 255)
    case 'text':
      return z.string()
    case 'boolean':
      return z.boolean()
    case 'date':
      return z.string().regex(DATE, 'Expected a date (YYYY-MM-DD)').refine(validDate, 'Not a calendar date')
    case 'datetime':
      return z.union([z.date(), z.iso.datetime({ offset: true }).transform((text) => new Date(text))])
    case 'uuid':
      return z.string().refine(isUuid, 'Expected a UUID')
    case 'json':
      return z.json()
  }
}

/** Zod schemas generated from a declaration: one for new records, one for changes. */
export interface RecordSchemas {
  readonly insert: z.ZodType<ModelRecord>
  readonly patch: z.ZodType<ModelRecord>
  readonly key: z.ZodType
}

export function recordSchemas(model: ModelDefinition): RecordSchemas {
  const insert: Record<string, z.ZodType> = {}
  const patch: Record<string, z.ZodType> = {}
  let key: z.ZodType = z.never()
  for (const field of model.fields) {
    const base = field.nullable ? valueSchema(field).nullable() : valueSchema(field)
    const generated = field.auto_increment || (field.primary_key && field.type === 'uuid')
    insert[field.name] = field.nullable || field.default !== null || generated ? base.optional() : base
    if (field.primary_key) key = valueSchema(field)
    else patch[field.name] = base.optional()
  }
  return {
    insert: z.strictObject(insert) as unknown as z.ZodType<ModelRecord>,
    patch: z.strictObject(patch) as unknown as z.ZodType<ModelRecord>,
    key,
  }
}

/** Parsed values → database values (booleans, times and JSON through the adapter). */
export function encodeRecord(model: ModelDefinition, adapter: DialectAdapter, values: ModelRecord): ModelRecord {
  const row: ModelRecord = {}
  for (const field of model.fields) {
    const value = values[field.name]
    // Left out and `undefined` alike: the column keeps its default (or its current value on update).
    if (!Object.hasOwn(values, field.name) || value === undefined) continue
    row[field.name] = value === null ? null : encodeValue(field, adapter, value)
  }
  return row
}

function encodeValue(field: FieldDefinition, adapter: DialectAdapter, value: unknown): unknown {
  switch (field.type) {
    case 'boolean':
      return adapter.encodeBoolean(value as boolean)
    case 'datetime':
      return adapter.encodeTimestamp(value as Date)
    case 'json':
      return adapter.encodeJson(value)
    case 'decimal':
      return String(value)
    default:
      return value
  }
}

/** A database row → a record with the declared types, whatever the engine returned. */
export function decodeRecord(model: ModelDefinition, adapter: DialectAdapter, row: Record<string, unknown>): ModelRecord {
  const record: ModelRecord = {}
  for (const field of model.fields) {
    const value = row[field.name]
    record[field.name] = value === null || value === undefined ? null : decodeValue(field, adapter, value)
  }
  return record
}

function decodeValue(field: FieldDefinition, adapter: DialectAdapter, value: unknown): unknown {
  switch (field.type) {
    case 'integer':
    case 'bigint':
    case 'float':
      return Number(value)
    case 'decimal':
      return canonicalDecimal(String(value))
    case 'boolean':
      return adapter.decodeBoolean(value)
    case 'datetime':
      return adapter.decodeTimestamp(value)
    case 'json':
      return adapter.decodeJson(value)
    default:
      return value
  }
}

/** `12.250000` (PostgreSQL, MySQL) and `12.25` (SQLite) read back alike: no trailing zeros. */
function canonicalDecimal(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text
}

const QUERY_TYPES: Readonly<Record<FieldDefinition['type'], QueryValueType | undefined>> = {
  integer: 'integer',
  bigint: 'integer',
  float: 'number',
  decimal: 'number',
  string: 'string',
  text: 'string',
  boolean: 'boolean',
  date: 'string',
  datetime: 'timestamp',
  uuid: 'string',
  json: undefined,
}

/** The query-language view of a model: every declared field but JSON ones, keyed by the primary key. */
export function modelQueryEntity(model: ModelDefinition): QueryEntity {
  const columns: Record<string, { column: string; type: QueryValueType; nullable: boolean }> = {}
  for (const field of model.fields) {
    const type = QUERY_TYPES[field.type]
    if (type) columns[field.name] = { column: field.name, type, nullable: field.nullable }
  }
  return { name: model.name, columns, idColumn: model.primary_key, defaultOrder: [{ column: model.primary_key }] }
}
