import type { DialectAdapter } from './dialect-adapter.js'
import { MysqlSchemaDialect } from './mysql-schema-dialect.js'
import { PostgresSchemaDialect } from './postgres-schema-dialect.js'
import type { SchemaDialect } from './schema-dialect-contract.js'
import { SqliteSchemaDialect } from './sqlite-schema-dialect.js'

export type { LiveColumn, LiveTable, SchemaDialect } from './schema-dialect-contract.js'

/** The schema dialect of the adapter's engine. */
export function createSchemaDialect(adapter: DialectAdapter): SchemaDialect {
  switch (adapter.engine) {
    case 'sqlite':
      return new SqliteSchemaDialect()
    case 'postgres':
      return new PostgresSchemaDialect()
    case 'mysql':
      return new MysqlSchemaDialect()
  }
}
