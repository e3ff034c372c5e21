import type { CompiledQuery, RawBuilder, SchemaModule } from 'kysely'
import type { ColumnTypes, DialectAdapter } from '../db/dialect-adapter.js'

/** What a migration builds its statements with. Building runs no SQL. */
export interface MigrationContext {
  readonly schema: SchemaModule
  /** The prefixed name of a core table: `table('jobs')` → `etl_jobs`. */
  readonly table: (name: string) => string
  readonly types: ColumnTypes
  readonly adapter: DialectAdapter
  /** Compiles raw SQL for this engine. */
  readonly raw: (statement: RawBuilder<unknown>) => CompiledQuery
  /** `DROP INDEX name` (MySQL: `… ON table`). */
  readonly dropIndex: (table: string, name: string) => CompiledQuery
}

/**
 * A numbered, append-only migration. `up` and `down` return the statements to run, so
 * that `plan` can print them and the checksum covers exactly the SQL that runs.
 */
export interface Migration {
  /** `0001_store_info`: the number orders migrations. */
  readonly name: string
  up(context: MigrationContext): CompiledQuery[]
  down(context: MigrationContext): CompiledQuery[]
}
