import { sql, type ColumnDefinitionBuilder, type CreateTableBuilder, type CompiledQuery, type Kysely, type RawBuilder } from 'kysely'
import type { DialectAdapter } from '../db/dialect-adapter.js'
import type { SchemaDialect } from '../db/schema-dialect.js'
import type { CoreDatabase } from '../tables/core-database.js'
import { foreignKeyName, type FieldDefinition, type IndexDefinition, type ModelDefinition, type ReferenceDefinition } from './model-definition.js'

/** What DDL for declared models is compiled with. Compiling runs no SQL. */
/**
 * The database as the declarative models see it, untyped: their tables are defined at run
 * time from a user's model configuration, so no static table type can list them. The one
 * place in `models/` that says so; everything else there uses this name.
 */
export type ModelDatabase = Kysely<any>

/**
 * The store's executor (root or transaction) for the models' statements, without the
 * table prefix plugin: a model's table may carry a core table's unprefixed name (the
 * seed's `jobs` and `components`, beside `etl_jobs`), which the plugin would rewrite.
 */
export function modelDatabase(context: { readonly db: Kysely<CoreDatabase> }): ModelDatabase {
  return context.db.withoutPlugins()
}

export interface DdlContext {
  readonly db: ModelDatabase
  readonly adapter: DialectAdapter
  readonly dialect: SchemaDialect
}

const ON_DELETE = { cascade: 'cascade', set_null: 'set null', restrict: 'restrict', no_action: 'no action' } as const

/**
 * The column type of a field on this engine. `date` is ISO text (`YYYY-MM-DD`) on every
 * engine: the drivers turn native dates into local-time `Date`s, which shift by time zone.
 */
export function columnType(field: FieldDefinition, adapter: DialectAdapter): RawBuilder<unknown> {
  const { types } = adapter
  switch (field.type) {
    case 'integer':
      return sql`integer`
    case 'bigint':
      return types.bigint
    case 'float':
      return types.double
    case 'decimal':
      // Both numbers were validated as small integers: they are not user text.
      return sql`decimal(${sql.raw(String(field.precision ?? 18))}, ${sql.raw(String(field.scale ?? 6))})`
    case 'string':
      return types.string(field.max_length ?? 255)
    case 'text':
      return types.text
    case 'boolean':
      return types.boolean
    case 'date':
      return types.string(10)
    case 'datetime':
      return types.timestamp
    case 'uuid':
      return types.uuid
    case 'json':
      return types.json
  }
}

function defineColumn(
  field: FieldDefinition,
  context: DdlContext,
  options: { inlineReference?: ReferenceDefinition | undefined; forModify?: boolean } = {},
): (column: ColumnDefinitionBuilder) => ColumnDefinitionBuilder {
  return (column) => {
    let built = column
    if (field.primary_key && !options.forModify) {
      built = built.primaryKey()
      if (field.auto_increment) {
        built = context.dialect.autoIncrement === 'keyword' ? built.autoIncrement() : built.generatedByDefaultAsIdentity()
      }
    }
    if (!field.nullable) built = built.notNull()
    if (field.default !== null) {
      built = built.defaultTo(typeof field.default === 'boolean' ? context.adapter.encodeBoolean(field.default) : field.default)
    }
    const reference = options.inlineReference
    if (reference) built = built.references(`${reference.table}.${reference.column}`).onDelete(ON_DELETE[reference.on_delete])
    return built
  }
}

/** `CREATE TABLE` with its foreign keys, then one `CREATE INDEX` per index. */
export function createModelStatements(model: ModelDefinition, context: DdlContext): CompiledQuery[] {
  let builder: CreateTableBuilder<string, string> = context.db.schema.createTable(model.table)
  for (const field of model.fields) builder = builder.addColumn(field.name, columnType(field, context.adapter), defineColumn(field, context))
  for (const field of model.fields) {
    const reference = field.references
    if (!reference) continue
    builder = builder.addForeignKeyConstraint(foreignKeyName(model.table, field.name), [field.name], reference.table, [reference.column], (constraint) =>
      constraint.onDelete(ON_DELETE[reference.on_delete]),
    )
  }
  return [context.adapter.tableOptions(builder).compile(), ...model.indexes.map((index) => createIndexStatement(model.table, index, context))]
}

export function createIndexStatement(table: string, index: IndexDefinition, context: DdlContext): CompiledQuery {
  let builder = context.db.schema
    .createIndex(index.name)
    .on(table)
    .columns([...index.columns])
  if (index.unique) builder = builder.unique()
  return builder.compile()
}

export function addColumnStatements(model: ModelDefinition, field: FieldDefinition, context: DdlContext): CompiledQuery[] {
  const reference = field.references ?? undefined
  const inline = reference !== undefined && context.dialect.foreignKeyOnAddColumn === 'inline'
  const type = columnType(field, context.adapter)
  const statements = [
    context.db.schema
      .alterTable(model.table)
      .addColumn(field.name, type, defineColumn(field, context, { inlineReference: inline ? reference : undefined }))
      .compile(),
  ]
  if (reference && !inline) {
    statements.push(
      context.db.schema
        .alterTable(model.table)
        .addForeignKeyConstraint(foreignKeyName(model.table, field.name), [field.name], reference.table, [reference.column], (constraint) =>
          constraint.onDelete(ON_DELETE[reference.on_delete]),
        )
        .compile(),
    )
  }
  return statements
}

export function dropColumnStatement(table: string, column: string, context: DdlContext): CompiledQuery {
  return context.db.schema.alterTable(table).dropColumn(column).compile()
}

export function dropTableStatement(table: string, context: DdlContext): CompiledQuery {
  return context.db.schema.dropTable(table).compile()
}

/**
 * Changes a column's length or nullability to what `field` declares. `undefined` where
 * the engine cannot alter a column in place (SQLite).
 */
export function alterColumnStatements(
  model: ModelDefinition,
  field: FieldDefinition,
  change: { readonly type?: boolean; readonly nullable?: boolean },
  context: DdlContext,
): CompiledQuery[] | undefined {
  const { schema } = context.db
  const type = columnType(field, context.adapter)
  switch (context.dialect.alterColumn) {
    case 'none':
      return undefined
    case 'modify':
      return [
        schema
          .alterTable(model.table)
          .modifyColumn(field.name, type, defineColumn(field, context, { forModify: true }))
          .compile(),
      ]
    case 'alter': {
      const statements: CompiledQuery[] = []
      if (change.type)
        statements.push(
          schema
            .alterTable(model.table)
            .alterColumn(field.name, (column) => column.setDataType(type))
            .compile(),
        )
      if (change.nullable) {
        statements.push(
          schema
            .alterTable(model.table)
            .alterColumn(field.name, (column) => (field.nullable ? column.dropNotNull() : column.setNotNull()))
            .compile(),
        )
      }
      return statements
    }
  }
}
