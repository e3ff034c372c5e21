import { createHash } from 'node:crypto'
import { ValidationError, type ValidationIssue } from '../errors.js'
import { parseOrThrow } from '../schema/zod-issues.js'
import {
  IDENTIFIER,
  MAX_IDENTIFIER_LENGTH,
  modelConfigSchema,
  type FieldConfig,
  type FieldType,
  type ModelConfigEntry,
  type OnDeleteAction,
} from './model-config-schema.js'

/**
 * Core models a declared field may reference, and their (unprefixed) tables. Their
 * primary key is always `id`, a UUIDv7 string.
 */
export const CORE_MODELS: Readonly<Record<string, string>> = {
  job: 'jobs',
  job_version: 'job_versions',
  component: 'components',
  component_link: 'component_links',
  execution: 'executions',
  attempt: 'execution_attempts',
  component_run: 'component_runs',
  context: 'contexts',
  credential: 'credentials',
  schedule: 'schedules',
}

/**
 * Every core table (checked when the prefix is empty). A table missing here is still
 * safe: `plan` refuses to take over any existing table that was never declared.
 */
const CORE_TABLES = [
  ...Object.values(CORE_MODELS),
  'migrations',
  'store_info',
  'model_definitions',
  'execution_payloads',
  'execution_events',
  'job_state',
  'job_state_pending',
  'encryption_keys',
  'encryption_key_wraps',
  'context_parameters',
  'context_credentials',
  'audit_log',
  'audit_head',
]

const KEY_TYPES: readonly FieldType[] = ['integer', 'bigint', 'string', 'uuid']
const UNINDEXABLE: readonly FieldType[] = ['text', 'json']
const NO_DEFAULT: readonly FieldType[] = ['text', 'json', 'uuid', 'datetime']
const DATE = /^\d{4}-\d{2}-\d{2}$/
/** InnoDB keys hold at most 3,072 bytes: 768 four-byte characters. */
const MAX_INDEXED_LENGTH = 768

export interface ReferenceDefinition {
  /** The declared or core model name. */
  readonly model: string
  readonly core: boolean
  /** The table as it is in the database (core tables with their prefix). */
  readonly table: string
  readonly column: string
  readonly on_delete: OnDeleteAction
  /** The key an included row is attached under: `job_id` → `job`, `owner` → `owner_ref`. */
  readonly relation: string
}

export interface FieldDefinition {
  readonly name: string
  readonly type: FieldType
  readonly primary_key: boolean
  /** An integer primary key the database numbers. */
  readonly auto_increment: boolean
  readonly nullable: boolean
  readonly default: string | number | boolean | null
  readonly max_length: number | null
  readonly precision: number | null
  readonly scale: number | null
  readonly references: ReferenceDefinition | null
}

export interface IndexDefinition {
  readonly name: string
  readonly columns: readonly string[]
  readonly unique: boolean
}

/** A validated, normalised model: what the planner diffs and the bookkeeping table records. */
export interface ModelDefinition {
  readonly name: string
  readonly table: string
  readonly fields: readonly FieldDefinition[]
  readonly primary_key: string
  readonly indexes: readonly IndexDefinition[]
}

/**
 * Validates a model configuration (the seed's JSON shape) and normalises it. Every
 * problem is reported with its path, e.g. `models.quality_check.fields[2].type`.
 *
 * @example
 * const models = resolveModelConfig({ models: { tag: { fields: [{ name: 'id', type: 'integer', primary_key: true }] } } }, 'etl_')
 */
export function resolveModelConfig(input: unknown, tablePrefix: string): ModelDefinition[] {
  const config = parseOrThrow(modelConfigSchema, input)
  const issues: ValidationIssue[] = []
  const tables = new Map<string, string>()
  const declared = new Map(Object.entries(config.models))
  const models: ModelDefinition[] = []
  for (const [name, model] of declared) {
    const path = `models.${name}`
    if (!IDENTIFIER.test(name) || name.length > MAX_IDENTIFIER_LENGTH) {
      issues.push({ path, message: 'A model name must be a plain identifier: letters, digits and _ (at most 55)' })
      continue
    }
    const table = model.table_name ?? name
    const tablePath = model.table_name === undefined ? path : `${path}.table_name`
    const lower = table.toLowerCase()
    if (tablePrefix !== '' && lower.startsWith(tablePrefix.toLowerCase())) {
      issues.push({ path: tablePath, message: `Table names starting with the core prefix "${tablePrefix}" are reserved` })
    } else if (CORE_TABLES.some((core) => `${tablePrefix}${core}`.toLowerCase() === lower)) {
      issues.push({ path: tablePath, message: `"${table}" is the name of a core table` })
    }
    const other = tables.get(lower)
    if (other !== undefined) issues.push({ path: tablePath, message: `Table "${table}" is already used by model ${other}` })
    tables.set(lower, name)
    models.push(resolveModel(name, table, model, path, declared, tablePrefix, issues))
  }
  if (issues.length > 0) throw new ValidationError(issues)
  return models
}

function resolveModel(
  name: string,
  table: string,
  model: ModelConfigEntry,
  path: string,
  declared: ReadonlyMap<string, ModelConfigEntry>,
  tablePrefix: string,
  issues: ValidationIssue[],
): ModelDefinition {
  const seen = new Map<string, number>()
  const keys = model.fields.filter((field) => field.primary_key === true)
  if (keys.length !== 1) issues.push({ path: `${path}.fields`, message: 'A model needs exactly one primary_key field' })
  const fields = model.fields.map((field, i) => {
    const fieldPath = `${path}.fields[${i}]`
    const lower = field.name.toLowerCase()
    if (seen.has(lower)) issues.push({ path: `${fieldPath}.name`, message: `Duplicate field "${field.name}" (also fields[${seen.get(lower)}])` })
    else seen.set(lower, i)
    return resolveField(field, fieldPath, declared, tablePrefix, issues)
  })
  const fieldNames = new Set(fields.map((field) => field.name))
  for (const [i, field] of fields.entries()) {
    const relation = field.references?.relation
    if (relation !== undefined && fieldNames.has(relation)) {
      issues.push({ path: `${path}.fields[${i}].references`, message: `Its relation name "${relation}" is also a field name` })
    }
  }
  const indexes = new Map<string, IndexDefinition>()
  const addIndex = (columns: readonly string[], unique: boolean, indexPath: string) => {
    for (const [j, column] of columns.entries()) {
      const field = fields.find((candidate) => candidate.name === column)
      if (!field) issues.push({ path: `${indexPath}[${j}]`, message: `Unknown field "${column}"` })
      else if (UNINDEXABLE.includes(field.type)) issues.push({ path: `${indexPath}[${j}]`, message: `A ${field.type} field cannot be indexed` })
      else if ((field.max_length ?? 0) > MAX_INDEXED_LENGTH) {
        issues.push({ path: `${indexPath}[${j}]`, message: `An indexed string may have at most ${MAX_INDEXED_LENGTH} characters (MySQL's key limit)` })
      }
    }
    const index = { name: indexName(table, columns, unique), columns: [...columns], unique }
    indexes.set(index.name, index)
  }
  model.fields.forEach((field, i) => {
    if (field.primary_key) return
    if (field.unique) addIndex([field.name], true, `${path}.fields[${i}].unique`)
    else if (field.index) addIndex([field.name], false, `${path}.fields[${i}].index`)
  })
  model.indexes?.forEach((index, i) => addIndex(index.fields, index.unique === true, `${path}.indexes[${i}].fields`))
  model.unique?.forEach((set, i) => addIndex(set, true, `${path}.unique[${i}]`))
  return {
    name,
    table,
    fields,
    primary_key: keys[0]?.name ?? '',
    indexes: [...indexes.values()].sort((a, b) => a.name.localeCompare(b.name)),
  }
}

function resolveField(
  field: FieldConfig,
  path: string,
  declared: ReadonlyMap<string, ModelConfigEntry>,
  tablePrefix: string,
  issues: ValidationIssue[],
): FieldDefinition {
  const primaryKey = field.primary_key === true
  if (field.max_length !== undefined && field.type !== 'string') issues.push({ path: `${path}.max_length`, message: 'Only string fields have a max_length' })
  if ((field.precision !== undefined || field.scale !== undefined) && field.type !== 'decimal') {
    issues.push({ path: `${path}.precision`, message: 'Only decimal fields have a precision and scale' })
  }
  const precision = field.type === 'decimal' ? (field.precision ?? 18) : null
  const scale = field.type === 'decimal' ? (field.scale ?? 6) : null
  if (precision !== null && scale !== null && scale > precision) issues.push({ path: `${path}.scale`, message: 'The scale cannot exceed the precision' })
  if (primaryKey) {
    if (!KEY_TYPES.includes(field.type)) issues.push({ path: `${path}.type`, message: `A primary key must be one of ${KEY_TYPES.join(', ')}` })
    if (field.nullable === true) issues.push({ path: `${path}.nullable`, message: 'A primary key cannot be nullable' })
    if (field.default !== undefined) issues.push({ path: `${path}.default`, message: 'A primary key has no default' })
    if ((field.max_length ?? 0) > MAX_INDEXED_LENGTH)
      issues.push({ path: `${path}.max_length`, message: `A string key may have at most ${MAX_INDEXED_LENGTH} characters` })
  }
  if ((field.unique || field.index) && UNINDEXABLE.includes(field.type)) {
    issues.push({ path: `${path}.${field.unique ? 'unique' : 'index'}`, message: `A ${field.type} field cannot be indexed` })
  }
  if (field.default !== undefined) checkDefault(field, `${path}.default`, issues)
  const references = field.references ? resolveReference(field, `${path}.references`, declared, tablePrefix, issues) : null
  return {
    name: field.name,
    type: field.type,
    primary_key: primaryKey,
    auto_increment: primaryKey && (field.type === 'integer' || field.type === 'bigint'),
    nullable: !primaryKey && field.nullable !== false,
    default: field.default ?? null,
    max_length: field.type === 'string' ? (field.max_length ?? 255) : null,
    precision,
    scale,
    references,
  }
}

function checkDefault(field: FieldConfig, path: string, issues: ValidationIssue[]): void {
  const value = field.default
  const fail = (message: string) => issues.push({ path, message })
  if (NO_DEFAULT.includes(field.type)) return void fail(`A ${field.type} field cannot have a default`)
  switch (field.type) {
    case 'integer':
    case 'bigint':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail('Expected an integer default')
      return
    case 'float':
    case 'decimal':
      if (typeof value !== 'number') fail('Expected a number default')
      return
    case 'boolean':
      if (typeof value !== 'boolean') fail('Expected true or false')
      return
    case 'date':
      if (typeof value !== 'string' || !DATE.test(value)) fail('Expected a date default (YYYY-MM-DD)')
      return
    case 'string':
      // Defaults are part of the DDL, where no engine takes parameters: keep them inert.
      if (typeof value !== 'string') fail('Expected a string default')
      else if (/['"\\\u0000-\u001f]/.test(value)) fail('A string default cannot contain quotes, backslashes or control characters')
      else if (value.length > (field.max_length ?? 255)) fail('The default is longer than max_length')
      return
  }
}

function resolveReference(
  field: FieldConfig,
  path: string,
  declared: ReadonlyMap<string, ModelConfigEntry>,
  tablePrefix: string,
  issues: ValidationIssue[],
): ReferenceDefinition | null {
  const reference = field.references
  if (!reference) return null
  const onDelete = reference.on_delete ?? 'no_action'
  if (onDelete === 'set_null' && field.nullable === false) issues.push({ path: `${path}.on_delete`, message: 'set_null needs a nullable field' })
  const relation = field.name.endsWith('_id') && field.name.length > 3 ? field.name.slice(0, -3) : `${field.name}_ref`
  const target = reference.core === true ? undefined : declared.get(reference.model)
  if (target) {
    const key = target.fields.find((candidate) => candidate.primary_key === true)
    if (key && (key.type !== field.type || (key.type === 'string' && (key.max_length ?? 255) !== (field.max_length ?? 255)))) {
      issues.push({ path: `${path}.model`, message: `The field must have the type of ${reference.model}.${key.name} (${key.type})` })
    }
    return {
      model: reference.model,
      core: false,
      table: target.table_name ?? reference.model,
      column: key?.name ?? 'id',
      on_delete: onDelete,
      relation,
    }
  }
  const coreTable = CORE_MODELS[reference.model]
  if (coreTable === undefined) {
    issues.push({
      path: `${path}.model`,
      message: `Unknown model "${reference.model}": declare it, or use a core model (${Object.keys(CORE_MODELS).join(', ')})`,
    })
    return null
  }
  if (field.type !== 'uuid') issues.push({ path: `${path}.model`, message: `Core model ids are uuid: the field must be of type uuid` })
  return { model: reference.model, core: true, table: `${tablePrefix}${coreTable}`, column: 'id', on_delete: onDelete, relation }
}

/** `{table}_{columns}_idx` / `_key`, shortened with a hash past the engines' identifier limits. */
export function indexName(table: string, columns: readonly string[], unique: boolean): string {
  const name = `${table}_${columns.join('_')}_${unique ? 'key' : 'idx'}`
  if (name.length <= 60) return name
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8)
  return `${name.slice(0, 47)}_${hash}_${unique ? 'key' : 'idx'}`
}

export function foreignKeyName(table: string, column: string): string {
  const name = `${table}_${column}_fkey`
  if (name.length <= 60) return name
  return `${name.slice(0, 46)}_${createHash('sha256').update(name).digest('hex').slice(0, 8)}_fkey`
}

/** A stable hash of a definition: equal hashes, nothing to migrate. */
export function definitionChecksum(model: ModelDefinition): string {
  return createHash('sha256').update(JSON.stringify(model)).digest('hex')
}
