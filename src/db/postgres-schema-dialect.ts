import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { LiveColumn, LiveTable, SchemaDialect } from './schema-dialect-contract.js'

/** PostgreSQL: the store's schema is first on the search path, so `current_schema()` is it. */
export class PostgresSchemaDialect implements SchemaDialect {
  readonly autoIncrement = 'identity' as const
  readonly alterColumn = 'alter' as const
  readonly foreignKeyOnAddColumn = 'constraint' as const
  readonly dropIndexNamesTable = false
  readonly uniqueConstraintChange = 'constraint' as const
  readonly enforcesLength = true

  charLength(column: string): RawBuilder<number> {
    return sql<number>`char_length(${sql.ref(column)})`
  }

  async syncKeySequence<DB>(db: Kysely<DB>, table: string, column: string): Promise<void> {
    const sequence = sql`pg_get_serial_sequence(${table}, ${column})`
    await sql`select setval(${sequence}, greatest(
        (select coalesce(max(${sql.ref(column)}), 0) from ${sql.table(table)}),
        coalesce(pg_sequence_last_value(${sequence}::regclass), 0), 1))`.execute(db)
  }

  async describeTable<DB>(db: Kysely<DB>, table: string): Promise<LiveTable | undefined> {
    const columns = await sql<{ column_name: string; is_nullable: string; character_maximum_length: number | null }>`
      select column_name, is_nullable, character_maximum_length from information_schema.columns
      where table_schema = current_schema() and table_name = ${table}`.execute(db)
    if (columns.rows.length === 0) return undefined
    const indexes = await sql<{ indexname: string }>`
      select indexname from pg_indexes where schemaname = current_schema() and tablename = ${table}`.execute(db)
    return {
      columns: new Map(
        columns.rows.map((row): [string, LiveColumn] => [
          row.column_name,
          {
            name: row.column_name,
            nullable: row.is_nullable === 'YES',
            max_length: row.character_maximum_length === null ? null : Number(row.character_maximum_length),
          },
        ]),
      ),
      indexes: new Set(indexes.rows.map((row) => row.indexname)),
    }
  }
}
