import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { LiveColumn, LiveTable, SchemaDialect } from './schema-dialect-contract.js'

/** MySQL/MariaDB: a column is changed by restating it whole (`MODIFY COLUMN`). */
export class MysqlSchemaDialect implements SchemaDialect {
  readonly autoIncrement = 'keyword' as const
  readonly alterColumn = 'modify' as const
  readonly foreignKeyOnAddColumn = 'constraint' as const
  readonly dropIndexNamesTable = true
  readonly uniqueConstraintChange = 'index' as const
  readonly enforcesLength = true

  charLength(column: string): RawBuilder<number> {
    return sql<number>`char_length(${sql.ref(column)})`
  }

  async syncKeySequence(): Promise<void> {}

  async describeTable<DB>(db: Kysely<DB>, table: string): Promise<LiveTable | undefined> {
    const columns = await sql<{ name: string; nullable: string; max_length: number | null; data_type: string }>`
      select column_name as name, is_nullable as nullable, character_maximum_length as max_length, data_type
      from information_schema.columns where table_schema = database() and table_name = ${table}`.execute(db)
    if (columns.rows.length === 0) return undefined
    const indexes = await sql<{ name: string }>`
      select distinct index_name as name from information_schema.statistics
      where table_schema = database() and table_name = ${table}`.execute(db)
    return {
      columns: new Map(
        columns.rows.map((row): [string, LiveColumn] => [
          row.name,
          {
            name: row.name,
            nullable: row.nullable === 'YES',
            // longtext reports a length too; only varchar lengths are declared ones.
            max_length: row.data_type === 'varchar' && row.max_length !== null ? Number(row.max_length) : null,
          },
        ]),
      ),
      indexes: new Set(indexes.rows.map((row) => row.name)),
    }
  }
}
