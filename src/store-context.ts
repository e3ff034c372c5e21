import type { Kysely } from 'kysely'
import type { ResolvedConfig } from './config/store-config.js'
import type { DialectAdapter } from './db/dialect-adapter.js'
import type { TransactionOptions } from './db/transaction.js'
import type { CoreDatabase } from './tables/core-database.js'

/**
 * What every repository is built on: the executor (the root database or the current
 * transaction) and the engine's adapter. Repositories get nothing else.
 * @internal
 */
export interface StoreContext {
  /** Typed by the core tables' declarations (`src/tables/`); the prefix is added when a query compiles. */
  readonly db: Kysely<CoreDatabase>
  readonly adapter: DialectAdapter
  readonly config: ResolvedConfig
  /** The prefixed name of a core table, for raw SQL and messages: `table('jobs')` → `etl_jobs`. */
  readonly table: (name: string) => string
  /** The store's clock: use it instead of `new Date()` for every stored time. */
  readonly now: () => Date
  /** Runs `work` atomically: a transaction at the top level, a savepoint inside one. */
  transaction<T>(work: (context: StoreContext) => Promise<T>, options?: TransactionOptions): Promise<T>
}
