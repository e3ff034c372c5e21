import type { CompiledQuery } from 'kysely'
import type { LiveTable } from '../db/schema-dialect.js'
import { ValidationError, type ValidationIssue } from '../errors.js'
import {
  addColumnStatements,
  alterColumnStatements,
  createModelStatements,
  dropColumnStatement,
  dropTableStatement,
  createIndexStatement,
  columnType,
  type DdlContext,
} from './model-ddl.js'
import { dropIndexStatement } from '../migrations/drop-index-statement.js'
import { definitionChecksum, type FieldDefinition, type ModelDefinition } from './model-definition.js'

export type ChangeKind =
  'create_model' | 'drop_model' | 'add_field' | 'drop_field' | 'widen_field' | 'narrow_field' | 'drop_not_null' | 'set_not_null' | 'add_index' | 'drop_index'

/** Existing rows that would break a destructive change; checked before it runs. */
export type DataCheck =
  | { readonly kind: 'max_length'; readonly table: string; readonly column: string; readonly limit: number }
  | { readonly kind: 'not_null'; readonly table: string; readonly column: string }

export interface PlannedChange {
  readonly model: string
  readonly kind: ChangeKind
  readonly field?: string
  readonly destructive: boolean
  readonly description: string
  /** The compiled statements: exactly what `define` runs (none where the engine needs none). */
  readonly statements: readonly CompiledQuery[]
  readonly check?: DataCheck
}

/** The model set as it is recorded (latest applied definition per model). */
export interface RecordedModel {
  readonly version: number
  readonly checksum: string
  readonly definition: ModelDefinition
}

export interface ModelPlan {
  readonly changes: readonly PlannedChange[]
  /** Models whose definition differs from the recorded one (they get a new version). */
  readonly changed: readonly ModelDefinition[]
  /** Recorded models that are no longer declared. */
  readonly dropped: ReadonlyArray<{ readonly name: string; readonly table: string }>
  readonly destructive: boolean
}

/** Changes run in this order: removals first (indexes before columns), then additions. */
const PHASES: readonly ChangeKind[] = [
  'drop_index',
  'drop_field',
  'drop_model',
  'create_model',
  'add_field',
  'widen_field',
  'narrow_field',
  'drop_not_null',
  'set_not_null',
  'add_index',
]

/**
 * Diffs the declared models against the live tables (introspection) and the recorded
 * definitions, and compiles the statements that bring the database to the declaration.
 * Pure apart from `describe`, which reads the catalog.
 */
export async function planModels(
  declared: readonly ModelDefinition[],
  recorded: ReadonlyMap<string, RecordedModel>,
  describe: (table: string) => Promise<LiveTable | undefined>,
  context: DdlContext,
): Promise<ModelPlan> {
  const changes: PlannedChange[] = []
  const issues: ValidationIssue[] = []
  const changed: ModelDefinition[] = []
  const creates: ModelDefinition[] = []
  for (const model of declared) {
    const previous = recorded.get(model.name)
    if (previous?.checksum !== definitionChecksum(model)) changed.push(model)
    const live = await describe(model.table)
    const path = `models.${model.name}`
    if (previous && previous.definition.table !== model.table) {
      issues.push({ path: `${path}.table_name`, message: `Renaming a model's table (${previous.definition.table}) is not supported` })
      continue
    }
    if (!live) {
      creates.push(model)
      continue
    }
    if (!previous) {
      issues.push({ path: `${path}.table_name`, message: `Table "${model.table}" already exists and is not a declared model` })
      continue
    }
    diffModel(model, previous.definition, live, context, changes, issues)
  }
  for (const model of orderByReferences(creates)) {
    changes.push({
      model: model.name,
      kind: 'create_model',
      destructive: false,
      description: `create table ${model.table}`,
      statements: createModelStatements(model, context),
    })
  }
  const declaredNames = new Set(declared.map((model) => model.name))
  const dropped = [...recorded.values()].filter((entry) => !declaredNames.has(entry.definition.name)).map((entry) => entry.definition)
  for (const model of orderByReferences(dropped).reverse()) {
    if (!(await describe(model.table))) continue
    changes.push({
      model: model.name,
      kind: 'drop_model',
      destructive: true,
      description: `drop table ${model.table} and all its rows`,
      statements: [dropTableStatement(model.table, context)],
    })
  }
  if (issues.length > 0) throw new ValidationError(issues)
  changes.sort((a, b) => PHASES.indexOf(a.kind) - PHASES.indexOf(b.kind))
  return {
    changes,
    changed,
    dropped: dropped.map((model) => ({ name: model.name, table: model.table })),
    destructive: changes.some((change) => change.destructive),
  }
}

function diffModel(
  model: ModelDefinition,
  previous: ModelDefinition,
  live: LiveTable,
  context: DdlContext,
  changes: PlannedChange[],
  issues: ValidationIssue[],
): void {
  const add = (change: Omit<PlannedChange, 'model'>) => changes.push({ model: model.name, ...change })
  const path = `models.${model.name}`
  for (const [i, field] of model.fields.entries()) {
    const fieldPath = `${path}.fields[${i}]`
    const column = live.columns.get(field.name)
    const before = previous.fields.find((candidate) => candidate.name === field.name)
    if (!column) {
      if (field.primary_key) issues.push({ path: `${fieldPath}.primary_key`, message: 'The primary key of an existing model cannot change' })
      else if (!field.nullable && field.default === null) {
        issues.push({ path: `${fieldPath}.nullable`, message: 'A field added to an existing table must be nullable or have a default' })
      } else {
        add({
          kind: 'add_field',
          field: field.name,
          destructive: false,
          description: `add column ${model.table}.${field.name}`,
          statements: addColumnStatements(model, field, context),
        })
      }
      continue
    }
    if (before && isWidening(before, field)) {
      widenType(model, before, field, fieldPath, context, add, issues)
    } else if (before && !sameShape(before, field)) {
      issues.push({ path: `${fieldPath}.type`, message: 'Changing the type, key or reference of an existing field is not supported: add a new field' })
      continue
    } else diffLength(model, field, column.max_length ?? before?.max_length ?? null, fieldPath, context, add, issues)
    if (column.nullable !== field.nullable && !field.primary_key) {
      const statements = alterColumnStatements(model, field, { nullable: true }, context)
      if (statements === undefined) {
        issues.push({ path: `${fieldPath}.nullable`, message: 'Changing whether an existing column is nullable is not supported on this engine' })
      } else if (field.nullable) {
        add({ kind: 'drop_not_null', field: field.name, destructive: false, description: `allow nulls in ${model.table}.${field.name}`, statements })
      } else {
        add({
          kind: 'set_not_null',
          field: field.name,
          destructive: true,
          description: `make ${model.table}.${field.name} not null (refused if a row holds null)`,
          statements,
          check: { kind: 'not_null', table: model.table, column: field.name },
        })
      }
    }
  }
  const declaredFields = new Set(model.fields.map((field) => field.name))
  for (const before of previous.fields) {
    if (declaredFields.has(before.name) || !live.columns.has(before.name)) continue
    if (before.primary_key || before.references) {
      issues.push({ path: `${path}.fields`, message: `Removing the key or a referencing field (${before.name}) is not supported` })
      continue
    }
    add({
      kind: 'drop_field',
      field: before.name,
      destructive: true,
      description: `drop column ${model.table}.${before.name} and its values`,
      statements: [dropColumnStatement(model.table, before.name, context)],
    })
  }
  const declaredIndexes = new Set(model.indexes.map((index) => index.name))
  for (const index of previous.indexes) {
    if (declaredIndexes.has(index.name) || !live.indexes.has(index.name)) continue
    add({ kind: 'drop_index', destructive: false, description: `drop index ${index.name}`, statements: [dropIndexStatement(model.table, index.name, context)] })
  }
  for (const index of model.indexes) {
    if (live.indexes.has(index.name)) continue
    add({
      kind: 'add_index',
      destructive: false,
      description: `create ${index.unique ? 'unique ' : ''}index ${index.name}`,
      statements: [createIndexStatement(model.table, index, context)],
    })
  }
}

function diffLength(
  model: ModelDefinition,
  field: FieldDefinition,
  current: number | null,
  fieldPath: string,
  context: DdlContext,
  add: (change: Omit<PlannedChange, 'model'>) => void,
  issues: ValidationIssue[],
): void {
  if (field.max_length === null || current === null || current === field.max_length) return
  const statements = context.dialect.enforcesLength ? alterColumnStatements(model, field, { type: true }, context) : []
  if (statements === undefined) {
    issues.push({ path: `${fieldPath}.max_length`, message: 'Changing the length of an existing column is not supported on this engine' })
  } else if (field.max_length > current) {
    add({
      kind: 'widen_field',
      field: field.name,
      destructive: false,
      description: `widen ${model.table}.${field.name} to ${field.max_length} characters`,
      statements,
    })
  } else {
    add({
      kind: 'narrow_field',
      field: field.name,
      destructive: true,
      description: `narrow ${model.table}.${field.name} to ${field.max_length} characters (refused if a value is longer)`,
      statements,
      check: { kind: 'max_length', table: model.table, column: field.name, limit: field.max_length },
    })
  }
}

/** Type changes that keep every stored value: integer → bigint, string → text (not for keys or references). */
const WIDENINGS: ReadonlyArray<readonly [FieldDefinition['type'], FieldDefinition['type']]> = [
  ['integer', 'bigint'],
  ['string', 'text'],
]

function isWidening(before: FieldDefinition, field: FieldDefinition): boolean {
  if (before.primary_key || field.primary_key || before.references || field.references) return false
  return WIDENINGS.some(([from, to]) => before.type === from && field.type === to)
}

function widenType(
  model: ModelDefinition,
  before: FieldDefinition,
  field: FieldDefinition,
  fieldPath: string,
  context: DdlContext,
  add: (change: Omit<PlannedChange, 'model'>) => void,
  issues: ValidationIssue[],
): void {
  // Where both types are the same column type (SQLite: integer, text), there is nothing to run.
  const same = columnType(before, context.adapter).compile(context.db).sql === columnType(field, context.adapter).compile(context.db).sql
  const statements = same ? [] : alterColumnStatements(model, field, { type: true }, context)
  if (statements === undefined) {
    issues.push({ path: `${fieldPath}.type`, message: 'Changing the type of an existing column is not supported on this engine' })
    return
  }
  add({
    kind: 'widen_field',
    field: field.name,
    destructive: false,
    description: `widen ${model.table}.${field.name} from ${before.type} to ${field.type}`,
    statements,
  })
}

/** Same type, key and reference: everything but length, nullability and default. */
function sameShape(a: FieldDefinition, b: FieldDefinition): boolean {
  return a.type === b.type && a.primary_key === b.primary_key && a.precision === b.precision && a.scale === b.scale && sameReference(a.references, b.references)
}

/** Field by field: recorded definitions come back from JSONB with their keys reordered. */
function sameReference(a: FieldDefinition['references'], b: FieldDefinition['references']): boolean {
  if (a === null || b === null) return a === b
  return a.model === b.model && a.core === b.core && a.table === b.table && a.column === b.column && a.on_delete === b.on_delete
}

/** Referenced models before the models that reference them (a cycle keeps its given order). */
function orderByReferences(models: readonly ModelDefinition[]): ModelDefinition[] {
  const names = new Set(models.map((model) => model.name))
  const done = new Set<string>()
  const ordered: ModelDefinition[] = []
  const visit = (model: ModelDefinition, stack: Set<string>) => {
    if (done.has(model.name) || stack.has(model.name)) return
    stack.add(model.name)
    for (const field of model.fields) {
      const target = field.references
      if (target && !target.core && names.has(target.model) && target.model !== model.name) {
        const next = models.find((candidate) => candidate.name === target.model)
        if (next) visit(next, stack)
      }
    }
    done.add(model.name)
    ordered.push(model)
  }
  for (const model of models) visit(model, new Set())
  return ordered
}
