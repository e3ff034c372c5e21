import { AccessDeniedError } from '../errors.js'
import type { StoreContext } from '../store-context.js'
import type { AccessPolicy, Principal } from './access-policy.js'
import { canonicalJson } from '../schema/canonical-json.js'
import { appendAuditEntry } from './audit-chain.js'

type Args = readonly unknown[]

/** The public methods of `R` (not its `#private` ones): each needs a rule. */
export type MethodName<R> = { [K in keyof R]-?: R[K] extends (...args: never) => unknown ? K : never }[keyof R] & string

/** What every checked call needs: a permission, and for environment-limited grants the environment. */
interface CallCheck<R, A extends Args> {
  /** `resource:action`, checked against the principal's roles. */
  readonly permission: string
  /** A second permission some calls need, by their arguments (a read that reveals secrets). */
  readonly alsoNeeds?: (args: A) => string | undefined
  /** The environment the call touches, for environment-limited grants. */
  readonly environment?: (args: A, repository: R) => unknown
}

/** A method that returns a promise: checked, then run (and a change audited) before it settles. */
export interface CallRule<R, A extends Args, V> extends CallCheck<R, A> {
  readonly sync?: undefined
  /** A change: audited in the same transaction. Reads have none. */
  readonly audit?: AuditRule<R, A, V>
}

/** A method that returns a stream: checked before its first row. */
export interface StreamRule<R, A extends Args> extends CallCheck<R, A> {
  readonly sync: 'iterable'
}

/** A method that returns a plain value synchronously: checked synchronously. */
export interface ValueRule {
  readonly permission: string
  readonly sync: 'value'
}

/**
 * A method that returns a sub-repository (`models.records(name)`): not checked itself;
 * the sub-repository is guarded by `rules`, its calls audited under the method's name
 * and its entity ids prefixed with the first argument (the model name).
 */
export interface RepositoryRule<S> {
  readonly sync: 'repository'
  readonly rules: OperationRules<S>
}

export interface AuditRule<R, A extends Args, V> {
  /** `jobs.update`. */
  readonly action: string
  readonly entityType: string
  readonly entityId: (args: A, result: V, before: unknown) => unknown
  /** A snapshot before the change, taken inside the transaction (e.g. `repo.get(args[0])`). */
  readonly before?: (args: A, repository: R) => Promise<unknown>
  /** The snapshot after the change; by default the method's result. */
  readonly after?: (result: V, args: A) => unknown
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

/**
 * The rule a method of `R` needs, by what it returns: a promise, a stream
 * (`sync: 'iterable'`), or a synchronous value or sub-repository. So the table cannot
 * call a stream the way it calls a promise.
 */
export type OperationRule<R, M> = M extends (...args: infer A) => infer Result
  ? Result extends PromiseLike<infer V>
    ? CallRule<R, A, V>
    : Result extends AsyncIterable<unknown>
      ? StreamRule<R, A>
      : Result extends object
        ? ValueRule | RepositoryRule<Result>
        : ValueRule
  : never

/** One rule per public method of `R`: a method without one, or a rule without a method, does not compile. */
export type OperationRules<R> = { readonly [K in MethodName<R>]: OperationRule<R, R[K]> }

export interface GuardOptions<R> {
  readonly principal: Principal
  readonly policy: AccessPolicy
  readonly auditExecutions: boolean
  readonly context: StoreContext
  /** Builds the repository on another context (the transaction of an audited change). */
  readonly create: (context: StoreContext) => R
  /** Prefixes audited entity ids of a sub-repository (the model name of `records(name)`). */
  readonly scope?: string
}

/**
 * Wraps a repository so that every method call is checked against the principal's
 * permissions, and every change writes one audit row in the same transaction. A
 * refused call writes a `denied` audit row and throws `access_denied`. The wrapper has
 * exactly the methods `rules` names, which are the repository's public methods (the
 * type of `rules` makes that so), each wrapped once, here, by the kind its rule names.
 */
export function guardRepository<R extends object>(key: string, repository: R, rules: OperationRules<R>, options: GuardOptions<R>): R {
  const guarded: Record<string, unknown> = {}
  for (const [name, rule] of Object.entries(erased(rules))) {
    guarded[name] = wrap(key, name, rule, repository, options as GuardOptions<object>)
  }
  // Every public method of R is there (the rules name each one); R's private state stays
  // in `repository`, which each wrapper calls.
  return guarded as R
}

type Method = (this: object, ...args: unknown[]) => unknown

/** A rule as the wrapper runs it: its types were checked against the repository where the table declares it. */
type ErasedRule = CallRule<object, Args, unknown> | StreamRule<object, Args> | ValueRule | { readonly sync: 'repository'; readonly rules: ErasedRules }
type ErasedRules = Readonly<Record<string, ErasedRule>>

function erased<R>(rules: OperationRules<R>): ErasedRules {
  return rules as unknown as ErasedRules
}

function methodOf(repository: object, name: string): Method {
  return (repository as Record<string, unknown>)[name] as Method
}

function wrap(key: string, name: string, rule: ErasedRule, repository: object, options: GuardOptions<object>): (...args: unknown[]) => unknown {
  const method = methodOf(repository, name)
  switch (rule.sync) {
    case 'repository':
      return (...args) =>
        guardRepository(name, method.apply(repository, args) as object, erased(rule.rules), {
          ...options,
          scope: typeof args[0] === 'string' ? args[0] : undefined,
          create: (context) => {
            const parent = options.create(context)
            return methodOf(parent, name).apply(parent, args) as object
          },
        })
    case 'value':
      return (...args) => {
        if (!options.policy.allows(options.principal, rule.permission)) {
          recordDenialInBackground(key, name, rule, options)
          throw deniedError(rule.permission, undefined, options.principal)
        }
        return method.apply(repository, args)
      }
    case 'iterable':
      return (...args) => guardIterable(key, name, rule, () => method.apply(repository, args) as AsyncIterable<unknown>, args, repository, options)
    case undefined:
      return (...args) => invoke(key, name, rule, method, args, repository, options)
  }
}

async function invoke(
  key: string,
  name: string,
  rule: CallRule<object, Args, unknown>,
  method: Method,
  args: unknown[],
  target: object,
  options: GuardOptions<object>,
): Promise<unknown> {
  const environment = await environmentOf(rule, args, target, options)
  await checkOrRecordDenial(key, name, rule, args, environment, options)
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
    const repository = options.create(audit.sharesTransaction ? joined(context) : context)
    const before = audit.before ? await audit.before(args, repository) : null
    const result = await methodOf(repository, name).apply(repository, args)
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
  name: string,
  rule: CallRule<object, Args, unknown> | StreamRule<object, Args>,
  args: Args,
  environment: unknown,
  options: GuardOptions<object>,
): Promise<void> {
  const env = typeof environment === 'string' ? environment : undefined
  const permission = [rule.permission, rule.alsoNeeds?.(args)].find((needed) => needed !== undefined && !options.policy.allows(options.principal, needed, env))
  if (permission === undefined) return
  const denied = deniedError(permission, env, options.principal)
  const audit = rule.sync === undefined ? rule.audit : undefined
  await options.context.transaction((context) =>
    appendAuditEntry(context, {
      actor: options.principal.id,
      action: audit?.action ?? `${key}.${name}`,
      entityType: audit?.entityType ?? key,
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
  name: string,
  rule: StreamRule<object, Args>,
  open: () => AsyncIterable<unknown>,
  args: unknown[],
  target: object,
  options: GuardOptions<object>,
): AsyncGenerator<unknown> {
  const environment = await environmentOf(rule, args, target, options)
  await checkOrRecordDenial(key, name, rule, args, environment, options)
  yield* open()
}

/** Looks the environment up only when the principal's grant for this permission is limited to some. */
async function environmentOf(rule: CallCheck<object, Args>, args: Args, target: object, options: GuardOptions<object>): Promise<unknown> {
  if (!rule.environment || !options.policy.limitedByEnvironment(options.principal, rule.permission)) return undefined
  return rule.environment(args, target)
}

/** A synchronous call cannot wait for its audit row: the denial is recorded in the background. */
function recordDenialInBackground(key: string, name: string, rule: ValueRule, options: GuardOptions<object>): void {
  void options.context
    .transaction((context) =>
      appendAuditEntry(context, {
        actor: options.principal.id,
        action: `${key}.${name}`,
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
