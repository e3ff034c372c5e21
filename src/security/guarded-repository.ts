import { AccessDeniedError } from '../errors.js'
import type { StoreContext } from '../store-context.js'
import { SYSTEM_PRINCIPAL, type AccessPolicy, type Principal } from './access-policy.js'
import { canonicalJson } from '../schema/canonical-json.js'
import { appendAuditEntry } from './audit-chain.js'

/** What a repository method needs: a permission, and for a change, how to audit it. */
export interface OperationRule {
  /** `resource:action`, checked against the principal's roles. */
  readonly permission: string
  /** A second permission some calls need, by their arguments (a read that reveals secrets). */
  readonly alsoNeeds?: (args: readonly unknown[]) => string | undefined
  /** The environment the call touches, for environment-limited grants. */
  readonly environment?: (args: readonly unknown[], repository: any) => unknown
  /** A change: audited in the same transaction. Reads have none. */
  readonly audit?: AuditRule
  /**
   * The method returns synchronously: `iterable` (a stream, checked before its first
   * row), `repository` (a sub-repository, guarded with the table entry `returns`) or
   * `value` (a plain value, checked synchronously).
   */
  readonly sync?: 'iterable' | 'repository' | 'value'
  readonly returns?: string
}

export interface AuditRule {
  /** `jobs.update`. */
  readonly action: string
  readonly entityType: string
  readonly entityId: (args: readonly unknown[], result: unknown, before: unknown) => unknown
  /** A snapshot before the change, taken inside the transaction (e.g. `repo.get(args[0])`). */
  readonly before?: (args: readonly unknown[], repository: any) => Promise<unknown>
  /** The snapshot after the change; by default the method's result. */
  readonly after?: (result: unknown, args: readonly unknown[]) => unknown
  /** High-volume writes audited only when `audit.executions` is on. */
  readonly executionLifecycle?: boolean
  /**
   * Work that manages its own transactions (batched purges, resumable key rotation,
   * schema changes): the audit row is written right after it, in its own transaction.
   */
  readonly afterCompletion?: boolean
  /**
   * The method's own transaction joins the audit's instead of opening a savepoint in it
   * (two statements fewer). Only for methods that never go on using the transaction
   * after one of their statements failed: PostgreSQL refuses every statement after an
   * error until the savepoint is rolled back.
   */
  readonly sharesTransaction?: boolean
}

/** repository key → method name → rule. */
export type OperationTable = Readonly<Record<string, Readonly<Record<string, OperationRule>>>>

export interface GuardOptions {
  readonly principal: Principal
  readonly policy: AccessPolicy
  readonly table: OperationTable
  readonly auditExecutions: boolean
  readonly context: StoreContext
  /** Builds the repository on another context (the transaction of an audited change). */
  readonly create: (context: StoreContext) => object
  /** Prefixes audited entity ids of a sub-repository (the model name of `records(name)`). */
  readonly scope?: string
}

/**
 * Wraps a repository so that every method call is checked against the principal's
 * permissions, and every change writes one audit row in the same transaction. A
 * refused call writes a `denied` audit row and throws `access_denied`. Methods that are
 * not in the operation table are refused, so a new method cannot slip through unchecked.
 */
export function guardRepository<T extends object>(key: string, repository: T, options: GuardOptions): T {
  const rules = options.table[key] ?? {}
  return new Proxy(repository, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver)
      if (typeof property !== 'string' || typeof value !== 'function' || property === 'constructor') return value
      const rule = Object.hasOwn(rules, property) ? rules[property] : undefined
      const method = value as (...args: unknown[]) => unknown
      if (!rule) {
        // The trusted system principal may call what the table does not list yet (the
        // operation-table test keeps the table complete); anyone else is refused.
        if (options.principal === SYSTEM_PRINCIPAL) return method.bind(target)
        return () => {
          throw new AccessDeniedError(`${key}.${property} is not an operation the access policy knows`, `${key}:${property}`)
        }
      }
      if (rule.sync === 'repository') {
        return (...args: unknown[]) =>
          guardRepository(rule.returns ?? property, method.apply(target, args) as object, {
            ...options,
            scope: typeof args[0] === 'string' ? args[0] : undefined,
            create: (context) => (options.create(context) as Record<string, (...a: unknown[]) => object>)[property]!(...args),
          })
      }
      if (rule.sync === 'value') {
        return (...args: unknown[]) => {
          if (!options.policy.allows(options.principal, rule.permission)) {
            recordDenialInBackground(key, property, rule, options)
            throw deniedError(rule.permission, undefined, options.principal)
          }
          return method.apply(target, args)
        }
      }
      if (rule.sync === 'iterable') {
        return (...args: unknown[]) => guardIterable(key, property, rule, () => method.apply(target, args) as AsyncIterable<unknown>, args, target, options)
      }
      return (...args: unknown[]) => invoke(key, property, rule, method, args, target, options)
    },
  })
}

async function invoke(
  key: string,
  property: string,
  rule: OperationRule,
  method: (...args: unknown[]) => unknown,
  args: unknown[],
  target: object,
  options: GuardOptions,
): Promise<unknown> {
  const environment = await environmentOf(rule, args, target, options)
  await checkOrRecordDenial(key, property, rule, args, environment, options)
  const audit = rule.audit
  if (!audit || (audit.executionLifecycle && !options.auditExecutions)) return method.apply(target, args)
  if (audit.afterCompletion) {
    const result = await method.apply(target, args)
    await options.context.transaction((context) =>
      appendAuditEntry(context, {
        actor: options.principal.id,
        action: audit.action,
        entityType: audit.entityType,
        entityId: entityIdOf(audit.entityId(args, result, null), options.scope),
        outcome: 'ok',
        before: null,
        after: audit.after ? audit.after(result, args) : result,
      }),
    )
    return result
  }
  return options.context.transaction(async (context) => {
    const repository = options.create(audit.sharesTransaction ? joined(context) : context) as Record<string, (...a: unknown[]) => unknown>
    const before = audit.before ? await audit.before(args, repository) : null
    const result = await (repository[property] as (...a: unknown[]) => unknown).apply(repository, args)
    await appendAuditEntry(context, {
      actor: options.principal.id,
      action: audit.action,
      entityType: audit.entityType,
      entityId: entityIdOf(audit.entityId(args, result, before), options.scope),
      outcome: 'ok',
      before,
      after: audit.after ? audit.after(result, args) : result,
    })
    return result
  })
}

async function checkOrRecordDenial(
  key: string,
  property: string,
  rule: OperationRule,
  args: readonly unknown[],
  environment: unknown,
  options: GuardOptions,
): Promise<void> {
  const env = typeof environment === 'string' ? environment : undefined
  const permission = [rule.permission, rule.alsoNeeds?.(args)].find((needed) => needed !== undefined && !options.policy.allows(options.principal, needed, env))
  if (permission === undefined) return
  const denied = deniedError(permission, env, options.principal)
  await options.context.transaction((context) =>
    appendAuditEntry(context, {
      actor: options.principal.id,
      action: rule.audit?.action ?? `${key}.${property}`,
      entityType: rule.audit?.entityType ?? key,
      entityId: typeof args[0] === 'string' ? args[0] : null,
      outcome: 'denied',
      before: null,
      after: { permission, environment: env ?? null },
    }),
  )
  throw denied
}

async function* guardIterable(
  key: string,
  property: string,
  rule: OperationRule,
  open: () => AsyncIterable<unknown>,
  args: readonly unknown[],
  target: object,
  options: GuardOptions,
): AsyncGenerator<unknown> {
  const environment = await environmentOf(rule, args, target, options)
  await checkOrRecordDenial(key, property, rule, args, environment, options)
  yield* open()
}

/** Looks the environment up only when the principal's grant for this permission is limited to some. */
async function environmentOf(rule: OperationRule, args: readonly unknown[], target: object, options: GuardOptions): Promise<unknown> {
  if (!rule.environment || !options.policy.limitedByEnvironment(options.principal, rule.permission)) return undefined
  return rule.environment(args, target)
}

/** A synchronous call cannot wait for its audit row: the denial is recorded in the background. */
function recordDenialInBackground(key: string, property: string, rule: OperationRule, options: GuardOptions): void {
  void options.context
    .transaction((context) =>
      appendAuditEntry(context, {
        actor: options.principal.id,
        action: `${key}.${property}`,
        entityType: key,
        entityId: null,
        outcome: 'denied',
        before: null,
        after: { permission: rule.permission, environment: null },
      }),
    )
    .catch(() => {})
}

function deniedError(permission: string, environment: string | undefined, principal: Principal): AccessDeniedError {
  const where = environment === undefined ? '' : ` in ${environment}`
  return new AccessDeniedError(`${principal.id} (${principal.roles.join(', ') || 'no roles'}) lacks ${permission}${where}`, permission)
}

function entityIdOf(value: unknown, scope: string | undefined): string | null {
  if (value === undefined || value === null) return scope ?? null
  const id = typeof value === 'object' ? canonicalJson(value) : String(value)
  return scope === undefined ? id : `${scope}/${id}`
}

/** The same transaction, whose nested `transaction()` calls run in it without a savepoint. */
function joined(context: StoreContext): StoreContext {
  const inner: StoreContext = { ...context, transaction: (work) => work(inner) }
  return inner
}
