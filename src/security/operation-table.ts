import type { ContextRepository } from '../repositories/context-repository.js'
import type { CredentialRepository } from '../repositories/credential-repository.js'
import type { ExecutionRepository } from '../repositories/execution-repository.js'
import type { JobRepository } from '../repositories/job-repository.js'
import type { JobStateRepository } from '../repositories/job-state-repository.js'
import type { ScheduleRepository } from '../repositories/schedule-repository.js'
import type { ModelRepository } from '../models/model-repository.js'
import type { RecordRepository } from '../models/record-repository.js'
import type { ApiTokenRepository } from './api-token-repository.js'
import type { AuditRepository } from './audit-repository.js'
import type { KeyManager } from './key-manager.js'
import { API_TOKEN_OPERATIONS } from './api-token-operations.js'
import type { AuditRule, OperationRules } from './guarded-repository.js'

/**
 * Every public repository method, with the permission it needs and how a change is
 * audited. Each repository's rules are declared `satisfies OperationRules<…>`: a public
 * method without a rule, or a rule for a method that does not exist, does not compile.
 */

/** The repositories the table guards, by the key a store hands each out under. */
export interface GuardedRepositories {
  readonly jobs: JobRepository
  readonly executions: ExecutionRepository
  readonly state: JobStateRepository
  readonly credentials: CredentialRepository
  readonly contexts: ContextRepository
  readonly schedules: ScheduleRepository
  readonly keys: KeyManager
  readonly models: ModelRepository
  /** `models.records(name)`. */
  readonly records: RecordRepository
  readonly audit: AuditRepository
  readonly tokens: ApiTokenRepository
}

export type OperationTable = { readonly [K in keyof GuardedRepositories]: OperationRules<GuardedRepositories[K]> }

type Args = readonly unknown[]
/** An argument list whose first argument names the entity (an id, a key). */
type ById = readonly [unknown, ...unknown[]]
/**
 * A repository that reads one entity by the id its change methods take first. Method
 * syntax, so each repository's own id type (a string, a record key) is accepted.
 */
interface Readable {
  get(id: unknown): Promise<unknown>
}
interface ReadableWithEnvironment {
  get(id: unknown): Promise<{ readonly environment: unknown }>
}

const read = (resource: string) => ({ permission: `${resource}:read` })

const idOf = (value: unknown): unknown => (value as { id?: unknown } | null)?.id ?? null
const firstArg = ([first]: ById): unknown => first
const beforeById = ([id]: ById, repository: Readable) => repository.get(id)
const environmentById = ([id]: ById, repository: ReadableWithEnvironment) => repository.get(id).then((entity) => entity.environment)

/** A change to one entity: created (id from the result), or changed/deleted by id (before snapshot). */
function created(resource: string, entityType: string, extra: Partial<AuditRule<unknown, Args, unknown>> = {}): AuditRule<unknown, Args, unknown> {
  return { action: `${resource}.create`, entityType, entityId: (_args, result) => idOf(result), ...extra }
}
function changed(action: string, entityType: string, extra: Partial<AuditRule<Readable, ById, unknown>> = {}): AuditRule<Readable, ById, unknown> {
  return { action, entityType, entityId: firstArg, before: beforeById, ...extra }
}
function write<Audit>(resource: string, audit: Audit): { readonly permission: string; readonly audit: Audit } {
  return { permission: `${resource}:write`, audit }
}

/** Execution lifecycle writes: audited only with `audit.executions`. */
function lifecycle<A extends Args, V>(action: string, entityId: (args: A, result: V) => unknown) {
  return {
    permission: 'executions:write',
    environment: environmentById,
    audit: { action, entityType: 'execution', entityId, executionLifecycle: true },
  }
}

const JOB_OPERATIONS = {
  // None of the three goes on after a failed statement, so they run in the audit's transaction.
  create: write('jobs', created('jobs', 'job', { sharesTransaction: true })),
  update: write('jobs', changed('jobs.update', 'job', { sharesTransaction: true })),
  delete: write('jobs', changed('jobs.delete', 'job', { after: () => null, sharesTransaction: true })),
  get: read('jobs'),
  getByName: read('jobs'),
  list: read('jobs'),
  versions: read('jobs'),
  getVersion: read('jobs'),
  export: read('jobs'),
} satisfies OperationRules<JobRepository>

const EXECUTION_OPERATIONS = {
  start: { ...lifecycle('executions.start', (_args, result) => result.id), environment: ([input]) => input.environment },
  startAttempt: lifecycle('executions.startAttempt', firstArg),
  finishAttempt: { ...lifecycle('executions.finishAttempt', (_args, result) => result.id), environment: undefined },
  finish: lifecycle('executions.finish', firstArg),
  recordComponentRuns: { ...lifecycle('executions.recordComponentRuns', firstArg), environment: undefined },
  appendEvents: lifecycle('executions.appendEvents', firstArg),
  claimNext: { ...lifecycle('executions.claimNext', (_args, result) => result?.execution.id ?? null), environment: undefined },
  heartbeat: lifecycle('executions.heartbeat', firstArg),
  reapExpired: { ...lifecycle('executions.reapExpired', () => null), environment: undefined },
  purge: {
    permission: 'executions:purge',
    audit: { action: 'executions.purge', entityType: 'execution', entityId: () => null, afterCompletion: true },
  },
  get: read('executions'),
  list: read('executions'),
  stream: { ...read('executions'), sync: 'iterable' },
  stats: read('executions'),
} satisfies OperationRules<ExecutionRepository>

const STATE_OPERATIONS = {
  get: read('state'),
  set: {
    permission: 'state:write',
    audit: { action: 'state.set', entityType: 'job_state', entityId: ([jobId, key]) => `${jobId}/${key}`, executionLifecycle: true },
  },
} satisfies OperationRules<JobStateRepository>

const CREDENTIAL_OPERATIONS = {
  create: write('credentials', created('credentials', 'credential')),
  update: write('credentials', changed('credentials.update', 'credential')),
  delete: write('credentials', changed('credentials.delete', 'credential', { after: () => null })),
  get: read('credentials'),
  getByName: read('credentials'),
  find: read('credentials'),
  list: read('credentials'),
  reveal: { permission: 'credentials:reveal' },
} satisfies OperationRules<CredentialRepository>

const CONTEXT_OPERATIONS = {
  upsert: {
    ...write('contexts', { action: 'contexts.upsert', entityType: 'context', entityId: (_args: Args, result: unknown) => idOf(result) }),
    environment: ([input]) => input.environment,
  },
  delete: { ...write('contexts', changed('contexts.delete', 'context', { after: () => null })), environment: environmentById },
  get: read('contexts'),
  getByName: read('contexts'),
  find: read('contexts'),
  list: read('contexts'),
  // Revealing decrypts the context's secure parameters and its credentials' passwords.
  resolve: {
    permission: 'contexts:read',
    environment: ([, environment]) => environment,
    alsoNeeds: ([, , options]) => (options?.reveal === true ? 'credentials:reveal' : undefined),
  },
} satisfies OperationRules<ContextRepository>

const SCHEDULE_OPERATIONS = {
  create: { ...write('schedules', created('schedules', 'schedule')), environment: ([input]) => input.environment ?? 'DEV' },
  update: { ...write('schedules', changed('schedules.update', 'schedule')), environment: environmentById },
  delete: { ...write('schedules', changed('schedules.delete', 'schedule', { after: () => null })), environment: environmentById },
  pause: { ...write('schedules', changed('schedules.pause', 'schedule')), environment: environmentById },
  resume: { ...write('schedules', changed('schedules.resume', 'schedule')), environment: environmentById },
  due: write('schedules', { action: 'schedules.due', entityType: 'schedule', entityId: () => null, executionLifecycle: true }),
  get: read('schedules'),
  getByName: read('schedules'),
  find: read('schedules'),
  list: read('schedules'),
} satisfies OperationRules<ScheduleRepository>

const KEY_OPERATIONS = {
  rotate: { permission: 'keys:rotate', audit: { action: 'keys.rotate', entityType: 'key', entityId: () => null, afterCompletion: true } },
  list: { permission: 'keys:read' },
  check: { permission: 'keys:read' },
  masterKeyId: { permission: 'keys:read', sync: 'value' },
} satisfies OperationRules<KeyManager>

const RECORD_OPERATIONS = {
  insert: write('records', { action: 'records.insert', entityType: 'record', entityId: (_args: Args, result: unknown) => idOf(result) }),
  insertMany: write('records', { action: 'records.insertMany', entityType: 'record', entityId: () => null, after: (result: unknown) => result }),
  update: write('records', changed('records.update', 'record')),
  upsert: write('records', { action: 'records.upsert', entityType: 'record', entityId: (_args: Args, result: unknown) => idOf(result) }),
  delete: write('records', changed('records.delete', 'record', { after: () => null })),
  get: read('records'),
  find: read('records'),
  count: read('records'),
  related: read('records'),
  stream: { ...read('records'), sync: 'iterable' },
} satisfies OperationRules<RecordRepository>

const MODEL_OPERATIONS = {
  define: {
    permission: 'models:apply',
    audit: { action: 'models.define', entityType: 'model', entityId: () => null, afterCompletion: true },
  },
  plan: read('models'),
  list: read('models'),
  // Not checked itself: each call on the records is, under `records:read`/`records:write`.
  records: { sync: 'repository', rules: RECORD_OPERATIONS },
} satisfies OperationRules<ModelRepository>

const AUDIT_OPERATIONS = {
  list: { permission: 'audit:read' },
  verify: { permission: 'audit:read' },
  head: { permission: 'audit:read' },
} satisfies OperationRules<AuditRepository>

export const OPERATIONS: OperationTable = {
  jobs: JOB_OPERATIONS,
  executions: EXECUTION_OPERATIONS,
  state: STATE_OPERATIONS,
  credentials: CREDENTIAL_OPERATIONS,
  contexts: CONTEXT_OPERATIONS,
  schedules: SCHEDULE_OPERATIONS,
  keys: KEY_OPERATIONS,
  models: MODEL_OPERATIONS,
  records: RECORD_OPERATIONS,
  audit: AUDIT_OPERATIONS,
  tokens: API_TOKEN_OPERATIONS,
}
