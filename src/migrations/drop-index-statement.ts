import type { CompiledQuery, SchemaModule } from 'kysely'
import type { SchemaDialect } from '../db/schema-dialect.js'

/**
 * `DROP INDEX name`, with `… ON table` where the engine wants the table named (MySQL).
 * Core migrations and declarative model changes both drop indexes: it lives here, below
 * both, so that `models/` depends on `migrations/` and never the other way round.
 */
export function dropIndexStatement(
  table: string,
  name: string,
  context: { readonly db: { readonly schema: SchemaModule }; readonly dialect: SchemaDialect },
): CompiledQuery {
  const builder = context.db.schema.dropIndex(name)
  return (context.dialect.dropIndexNamesTable ? builder.on(table) : builder).compile()
}
