import { Kysely, type KyselyPlugin } from 'kysely'
import type { ResolvedConfig } from '../config/store-config.js'
import type { DialectAdapter } from './dialect-adapter.js'
import { InstrumentedDialect } from './instrumented-dialect.js'
import { MysqlAdapter } from './mysql-adapter.js'
import { PostgresAdapter } from './postgres-adapter.js'
import { SqliteAdapter } from './sqlite-adapter.js'

export function createAdapter(config: ResolvedConfig): DialectAdapter {
  const { target } = config
  switch (target.engine) {
    case 'sqlite':
      return new SqliteAdapter(target.filename ?? ':memory:')
    case 'postgres':
      return new PostgresAdapter(target.connectionString ?? '', config.database.schema)
    case 'mysql':
      return new MysqlAdapter(target.connectionString ?? '')
  }
}

/** A Kysely instance whose every statement is timed for `onQuery` and error-mapped. */
export function createDatabase<Database>(config: ResolvedConfig, adapter: DialectAdapter, plugins: KyselyPlugin[] = []): Kysely<Database> {
  const dialect = new InstrumentedDialect(adapter.createDialect({ config: config.database }), {
    mapError: (error, statement) => adapter.mapError(error, statement),
    onQuery: config.onQuery,
    acquireTimeoutMs: Math.ceil(config.database.pool_timeout * 1000),
    ...(adapter instanceof SqliteAdapter ? adapter.transactionHooks() : {}),
  })
  return new Kysely<Database>({ dialect, plugins })
}
