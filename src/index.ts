// The public API. Nothing outside this list is promised to users.
export { openStore, Store, type OpenStoreOptions } from './store.js'
export {
  resolveConfig,
  databaseConfigSchema,
  storeConfigSchema,
  type DatabaseConfig,
  type DatabaseConfigInput,
  type QueryEvent,
  type StoreConfigInput,
} from './config/store-config.js'
export { DEFAULT_DATABASE_URL, redactUrl, type EngineName } from './config/database-url.js'
export type { TransactionOptions } from './db/transaction.js'
export {
  Migrator,
  type MigrationResult,
  type MigrationState,
  type MigrationStatus,
  type PlannedMigration,
} from './migrations/migrator.js'
export type { Migration, MigrationContext } from './migrations/migration.js'
export {
  PersistenceError,
  ConnectionError,
  QueryError,
  ValidationError,
  ConstraintError,
  TransactionError,
  NotFoundError,
  ConflictError,
  LinkageError,
  AccessDeniedError,
  MigrationError,
  isPersistenceError,
  type ErrorType,
  type ConstraintKind,
  type ValidationIssue,
} from './errors.js'
export { uuidv7 } from './schema/ids.js'
