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
// Environment and secrets (issue 5).
export type { CredentialRepository } from './repositories/credential-repository.js'
export type { ContextRepository } from './repositories/context-repository.js'
export type { ScheduleRepository } from './repositories/schedule-repository.js'
export type { KeyManager, DataKeyStatus } from './security/key-manager.js'
export type { RotateOptions, RotationProgress, RotationResult } from './security/key-rotation.js'
export { MissingMasterKeyError, SecretDecryptionError } from './security/secret-errors.js'
export {
  MASKED_SECRET,
  type Credential,
  type CredentialInput,
  type CredentialPatch,
  type Environment,
} from './schema/credential-schema.js'
export type { Context, ContextInput, ContextParameter, ResolvedContext } from './schema/context-schema.js'
export type { Schedule, ScheduleInput, SchedulePatch, DueFire } from './schedules/schedule-schema.js'
export type { Trigger, TriggerInput, TriggerType } from './schedules/trigger-schema.js'
