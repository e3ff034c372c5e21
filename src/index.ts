// The public API. Nothing outside this list is promised to users.
export { openStore, Store, type OpenStoreOptions } from './store.js'
export {
  resolveConfig,
  databaseConfigSchema,
  storeConfigSchema,
  type DatabaseConfig,
  type DatabaseConfigInput,
  type QueryEvent,
  type ResolvedConfig,
  type StoreConfigInput,
} from './config/store-config.js'
export { DEFAULT_DATABASE_URL, redactUrl, type EngineName } from './config/database-url.js'
export type { TransactionOptions } from './db/transaction.js'
export {
  Migrator,
  type MigrationResult,
  type MigrationState,
  type MigrationStatus,
  type MigrationTarget,
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
  type PersistenceErrorOptions,
} from './errors.js'
/** `uuidv7()` makes the ids the store gives; `isUuid` tells an id from a name (the CLI takes either). */
export { uuidv7, isUuid } from './schema/ids.js'
/** Canonical JSON (keys sorted, no whitespace) and its SHA-256: a job's `content_hash` is `sha256Hex(canonicalJson(config))`. */
export { canonicalJson, sha256Hex } from './schema/canonical-json.js'
/** What `store.diagnostics()` (and `etlp doctor`) reports about the database. */
export type { DatabaseDiagnostics, SqliteDiagnostics, ServerDiagnostics } from './db/adapter-diagnostics.js'
export type { ExecutionRepository } from './repositories/execution-repository.js'
export type { StartAttemptOptions } from './repositories/execution-transitions.js'
export type { ReapResult } from './repositories/execution-claiming.js'
export type { Claim } from './repositories/execution-opening.js'
export type { ExecutionDetail, GetExecutionOptions } from './repositories/execution-reads.js'
export type { ListedExecution } from './repositories/execution-list.js'
export type { ExecutionStats, StatsQuery } from './repositories/execution-stats.js'
export type { PurgeOptions, PurgeReport } from './repositories/execution-purge.js'
export type { JobStateRepository, SetStateOptions } from './repositories/job-state-repository.js'
export {
  executionStatuses,
  finishedStatusSchema,
  type Attempt,
  type ClaimInput,
  type ComponentRun,
  type ComponentRunInput,
  type ErrorInfo,
  type EventInput,
  type Execution,
  type ExecutionEvent,
  type ExecutionStatus,
  type ExecutionTrigger,
  type FinishResult,
  type FinishedStatus,
  type StartExecutionInput,
} from './schema/execution-schemas.js'
// Job configurations and the shared query language (issue 3).
export type { JobRepository, Job, SavedJob, GetJobOptions, SaveJobOptions, UpdateJobOptions, DeleteJobOptions } from './repositories/job-repository.js'
export type { JobHeader, Component, ComponentLink, JobVersion, JobVersionSummary } from './repositories/job-rows.js'
export { jobConfigSchema, DEFAULT_JOB_NAME, type JobConfig, type ComponentConfig, type RouteTarget } from './schema/job-config-schema.js'
export { jobConfigJsonSchema, payloadJsonSchema } from './schema/json-schemas.js'
export { DATA_TYPES, type DataType, type FieldDef, type PortSchema } from './schema/port-schemas.js'
export { validateJobConfig, type ValidatedJob, type ValidatedComponent, type ValidateJobOptions, type GraphLink } from './schema/job-graph-validation.js'
export { ComponentTypeRegistry, type ComponentTypeDefinition, type ComponentView, type PortSpec, type Fan } from './schema/component-type-registry.js'
export { registerComponentType, defaultComponentTypes, builtinComponentTypes } from './schema/builtin-component-types.js'
export {
  listQuerySchema,
  filterRuleSchema,
  type ListQuery,
  type StreamQuery,
  type ListResult,
  type FilterRule,
  type FilterLeaf,
  type FilterGroup,
  type FilterOperator,
  type OrderBy,
  type OrderByEntry,
} from './query/query-schema.js'
// Environment and secrets (issue 5).
export type { CredentialRepository } from './repositories/credential-repository.js'
export type { ContextRepository } from './repositories/context-repository.js'
export type { ScheduleRepository } from './repositories/schedule-repository.js'
export type { KeyManager, DataKeyStatus } from './security/key-manager.js'
export type { KeyCheck } from './security/key-check.js'
/** A new master key (32 random bytes), and its key file written with mode 0600 unless one exists (`etlp keys rotate --new-key-file`). */
export { generateMasterKey, createMasterKeyFile } from './security/master-key.js'
export type { RotateOptions, RotationProgress, RotationResult } from './security/key-rotation.js'
export { MissingMasterKeyError, SecretDecryptionError } from './security/secret-errors.js'
export { MASKED_SECRET, type Credential, type CredentialInput, type CredentialPatch, type Environment } from './schema/credential-schema.js'
export type { Context, ContextInput, ContextParameter, ResolvedContext } from './schema/context-schema.js'
export type { Schedule, ScheduleInput, SchedulePatch, DueFire } from './schedules/schedule-schema.js'
export type { Trigger, TriggerInput, TriggerType } from './schedules/trigger-schema.js'
// Declarative models (issue 6).
export type { ModelRepository, ModelPlanResult, PlannedModelChange, DefineResult, DefineOptions } from './models/model-repository.js'
export type { RecordRepository, RecordQuery, IncludeOptions, InsertManyOptions, StreamOptions } from './models/record-repository.js'
export type { ModelRecord } from './models/record-codec.js'
export type { ModelDefinition, FieldDefinition, IndexDefinition, ReferenceDefinition } from './models/model-definition.js'
export type { ChangeKind } from './models/model-planner.js'
export {
  modelConfigSchema,
  FIELD_TYPES,
  type ModelConfig,
  type ModelConfigInput,
  type FieldConfig,
  type FieldType,
  type OnDeleteAction,
} from './models/model-config-schema.js'
// Switching from etl-core: importing its database (issue 18).
export type { OriginImportOptions, OriginImportProgress } from './origin/origin-import.js'
export type { OriginImportReport, OriginTableCount, MissingSecret, OriginImportWarning } from './origin/origin-import-report.js'
export { OriginRowError, ORIGIN_TABLES, type OriginTable } from './origin/origin-row-error.js'
// Access control and the audit trail (issue 7).
export { BUILT_IN_ROLES, SYSTEM_PRINCIPAL, type Principal } from './security/access-policy.js'
export { ENVIRONMENTS, type AccessControlConfig, type AuditConfig, type RoleDefinition } from './config/access-control-config.js'
export type { AuditRepository, AuditVerification } from './security/audit-repository.js'
export type { AuditEntry, AuditHead, AuditOutcome } from './security/audit-chain.js'
// The HTTP server (issue 19).
export { serve, type RunningServer } from './server/serve.js'
export { buildServer } from './server/app.js'
export { DEFAULT_HOST, DEFAULT_PORT, type ServeOptions } from './server/server-options.js'
// The demo `npm start` runs: the example jobs and a simulated day of executions on a simulated clock.
export { runDemo, type DemoReport, type DemoOptions } from './demo/demo-run.js'
export { SimulatedClock } from './demo/simulate-day.js'
export type { ApiTokenRepository } from './security/api-token-repository.js'
export type { ApiToken, ApiTokenInput, CreatedApiToken } from './security/api-token-schema.js'
