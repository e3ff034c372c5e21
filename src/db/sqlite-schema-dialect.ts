import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { LiveColumn, LiveTable, SchemaDialect } from './schema-dialect-contract.js'

/** SQLite: text has no length, and columns cannot be altered in place (only added or dropped). */
export class SqliteSchemaDialect implements SchemaDialect {
  readonly autoIncrement = 'keyword' as const
  readonly alterColumn = 'none' as const
  readonly foreignKeyOnAddColumn = 'inline' as const
  readonly dropIndexNamesTable = false
  readonly uniqueConstraintChange = 'rebuild' as const
  readonly enforcesLength = false

  charLength(column: string): RawBuilder<number> {
    return sql<number>`length(${sql.ref(column)})`
  }

  async syncKeySequence(): Promise<void> {}

  async describeTable<DB>(db: Kysely<DB>, table: string): Promise<LiveTable | undefined> {
    const columns = await sql<{ name: string; notnull: number; pk: number }>`
      select name, "notnull", pk from pragma_table_info(${table})`.execute(db)
    if (columns.rows.length === 0) return undefined
    const indexes = await sql<{ name: string }>`select name from pragma_index_list(${table}) where origin = 'c'`.execute(db)
    return {
      columns: new Map(
        columns.rows.map((row): [string, LiveColumn] => [
          row.name,
          { name: row.name, nullable: Number(row.notnull) === 0 && Number(row.pk) === 0, max_length: null },
        ]),
      ),
      indexes: new Set(indexes.rows.map((row) => row.name)),
    }
  }
}
