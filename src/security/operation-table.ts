import { API_TOKEN_OPERATIONS } from './api-token-operations.js'
import type { AuditRule, OperationRule, OperationTable } from './guarded-repository.js'

/**
 * Every public repository method, with the permission it needs and how a change is
 * audited. A method missing here is refused for every principal (a test enumerates the
 * repositories' methods against this table).
 */

type Args = readonly unknown[]
type Repository = Record<string, (...args: unknown[]) => Promise<any>>

const read = (resource: string, extra: Partial<OperationRule> = {}): OperationRule => ({ permission: `${resource}:read`, ...extra })

const idOf = (value: unknown): unknown => (value as { id?: unknown } | null)?.id ?? null
const firstArg = (args: Args): unknown => args[0]
const fieldOfFirst = (field: string) => (args: Args) => (args[0] as Record<string, unknown> | undefined)?.[field]
const beforeById = (args: Args, repository: Repository) => repository.get!(args[0] as string)
const environmentById = (args: Args, repository: Repository) =>
  repository.get!(args[0] as string).then((entity: { environment?: unknown }) => entity.environment)

/** A change to one entity: created (id from the result), or changed/deleted by id (before snapshot). */
function created(resource: string, entityType: string, extra: Partial<AuditRule> = {}): AuditRule {
  return { action: `${resource}.create`, entityType, entityId: (_args, result) => idOf(result), ...extra }
}
function changed(action: string, entityType: string, extra: Partial<AuditRule> = {}): AuditRule {
  return { action, entityType, entityId: firstArg, before: beforeById, ...extra }
}
function write(resource: string, audit: AuditRule, extra: Partial<OperationRule> = {}): OperationRule {
  return { permission: `${resource}:write`, audit, ...extra }
}

/** Execution lifecycle writes: audited only with `audit.executions`. */
function lifecycle(action: string, entityId: AuditRule['entityId'], extra: Partial<OperationRule> = {}): OperationRule {
  return {
    permission: 'executions:write',
    environment: environmentById,
    audit: { action, entityType: 'execution', entityId, executionLifecycle: true },
    ...extra,
  }
}

export const OPERATIONS: OperationTable = {
  jobs: {
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
  },
  executions: {
    start: lifecycle('executions.start', (_args, result) => idOf(result), { environment: fieldOfFirst('environment') }),
    startAttempt: lifecycle('executions.startAttempt', firstArg),
    finishAttempt: lifecycle('executions.finishAttempt', (_args, result) => idOf(result), { environment: undefined }),
    finish: lifecycle('executions.finish', firstArg),
    recordComponentRuns: lifecycle('executions.recordComponentRuns', firstArg, { environment: undefined }),
    appendEvents: lifecycle('executions.appendEvents', firstArg),
    claimNext: lifecycle('executions.claimNext', (_args, result) => idOf((result as { execution?: unknown } | null)?.execution), {
      environment: undefined,
    }),
    heartbeat: lifecycle('executions.heartbeat', firstArg),
    reapExpired: lifecycle('executions.reapExpired', () => null, { environment: undefined }),
    purge: {
      permission: 'executions:purge',
      audit: { action: 'executions.purge', entityType: 'execution', entityId: () => null, afterCompletion: true },
    },
    get: read('executions'),
    list: read('executions'),
    stream: read('executions', { sync: 'iterable' }),
    stats: read('executions'),
  },
  state: {
    get: read('state'),
    set: {
      permission: 'state:write',
      audit: { action: 'state.set', entityType: 'job_state', entityId: (args) => `${String(args[0])}/${String(args[1])}`, executionLifecycle: true },
    },
  },
  credentials: {
    create: write('credentials', created('credentials', 'credential')),
    update: write('credentials', changed('credentials.update', 'credential')),
    delete: write('credentials', changed('credentials.delete', 'credential', { after: () => null })),
    get: read('credentials'),
    getByName: read('credentials'),
    find: read('credentials'),
    list: read('credentials'),
    reveal: { permission: 'credentials:reveal' },
  },
  contexts: {
    upsert: write(
      'contexts',
      { action: 'contexts.upsert', entityType: 'context', entityId: (_args, result) => idOf(result) },
      { environment: fieldOfFirst('environment') },
    ),
    delete: write('contexts', changed('contexts.delete', 'context', { after: () => null }), { environment: environmentById }),
    get: read('contexts'),
    getByName: read('contexts'),
    find: read('contexts'),
    list: read('contexts'),
    // Revealing decrypts the context's secure parameters and its credentials' passwords.
    resolve: {
      permission: 'contexts:read',
      environment: (args) => args[1],
      alsoNeeds: (args) => ((args[2] as { reveal?: unknown } | undefined)?.reveal === true ? 'credentials:reveal' : undefined),
    },
  },
  schedules: {
    create: write('schedules', created('schedules', 'schedule'), { environment: (args) => fieldOfFirst('environment')(args) ?? 'DEV' }),
    update: write('schedules', changed('schedules.update', 'schedule'), { environment: environmentById }),
    delete: write('schedules', changed('schedules.delete', 'schedule', { after: () => null }), { environment: environmentById }),
    pause: write('schedules', changed('schedules.pause', 'schedule'), { environment: environmentById }),
    resume: write('schedules', changed('schedules.resume', 'schedule'), { environment: environmentById }),
    due: write('schedules', { action: 'schedules.due', entityType: 'schedule', entityId: () => null, executionLifecycle: true }),
    get: read('schedules'),
    getByName: read('schedules'),
    find: read('schedules'),
    list: read('schedules'),
  },
  keys: {
    rotate: { permission: 'keys:rotate', audit: { action: 'keys.rotate', entityType: 'key', entityId: () => null, afterCompletion: true } },
    list: { permission: 'keys:read' },
    masterKeyId: { permission: 'keys:read', sync: 'value' },
  },
  models: {
    define: {
      permission: 'models:apply',
      audit: { action: 'models.define', entityType: 'model', entityId: () => null, afterCompletion: true },
    },
    plan: read('models'),
    list: read('models'),
    records: { permission: 'records:read', sync: 'repository', returns: 'records' },
  },
  records: {
    insert: write('records', { action: 'records.insert', entityType: 'record', entityId: (_args, result) => idOf(result) }),
    insertMany: write('records', { action: 'records.insertMany', entityType: 'record', entityId: () => null, after: (result) => result }),
    update: write('records', changed('records.update', 'record')),
    upsert: write('records', { action: 'records.upsert', entityType: 'record', entityId: (_args, result) => idOf(result) }),
    delete: write('records', changed('records.delete', 'record', { after: () => null })),
    get: read('records'),
    find: read('records'),
    count: read('records'),
    related: read('records'),
    stream: read('records', { sync: 'iterable' }),
  },
  audit: {
    list: { permission: 'audit:read' },
    verify: { permission: 'audit:read' },
    head: { permission: 'audit:read' },
  },
  tokens: API_TOKEN_OPERATIONS,
}
