import { z } from 'zod'
import { type AccessControlConfig, type Environment, type RoleDefinition } from '../config/access-control-config.js'
import { ValidationError } from '../errors.js'

/**
 * Access control as configuration. A role is a list of grants `resource:action`
 * (`jobs:write`), with `*` wildcards (`jobs:*`, `*`), each optionally limited to
 * environments (`contexts:write@DEV|TEST`, or a role-wide `environments` list).
 *
 * @example
 * { "access_control": { "enabled": true, "roles": {
 *     "prod_runner": { "permissions": ["executions:*", "jobs:read"], "environments": ["PROD"] } } } }
 */

const READ = ['jobs:read', 'executions:read', 'contexts:read', 'credentials:read', 'schedules:read', 'models:read', 'records:read', 'state:read']

/** The built-in roles; configuration may redefine any of them. */
export const BUILT_IN_ROLES: Readonly<Record<string, RoleDefinition>> = {
  viewer: { permissions: READ },
  operator: { permissions: [...READ, 'executions:write', 'executions:purge', 'state:write', 'schedules:write'] },
  editor: {
    permissions: [
      ...READ,
      'jobs:write',
      'credentials:write',
      'contexts:write@DEV|TEST',
      'schedules:write',
      'executions:write@DEV|TEST',
      'state:write',
      'models:apply',
      'records:write',
    ],
  },
  admin: { permissions: ['*'] },
}

/** Who is calling. `system` is the fully trusted principal of a store without access control. */
export interface Principal {
  readonly id: string
  readonly roles: readonly string[]
}

export const principalSchema = z.strictObject({
  id: z.string().min(1).max(200),
  roles: z.array(z.string().min(1).max(50)).max(50),
})

export const SYSTEM_PRINCIPAL: Principal = Object.freeze({ id: 'system', roles: Object.freeze(['admin']) })

interface Grant {
  readonly resource: string
  readonly action: string
  readonly environments: readonly Environment[] | undefined
}

/** A compiled policy: which grants each role has. */
export class AccessPolicy {
  readonly #roles: ReadonlyMap<string, readonly Grant[]>
  readonly enabled: boolean

  constructor(config: AccessControlConfig) {
    this.enabled = config.enabled
    const definitions = { ...BUILT_IN_ROLES, ...config.roles }
    this.#roles = new Map(Object.entries(definitions).map(([name, role]) => [name, role.permissions.map((grant) => parseGrant(grant, role.environments))]))
  }

  allows(principal: Principal, permission: string, environment?: string): boolean {
    return this.#grantsFor(principal, permission).some(
      (grant) => grant.environments === undefined || (environment !== undefined && grant.environments.includes(environment as Environment)),
    )
  }

  /** True when the principal holds the permission only for some environments (so the call's environment matters). */
  limitedByEnvironment(principal: Principal, permission: string): boolean {
    return !this.#grantsFor(principal, permission).some((grant) => grant.environments === undefined)
  }

  /** Per principal object (its roles never change) and permission: every call checks one. */
  readonly #granted = new WeakMap<Principal, Map<string, readonly Grant[]>>()

  #grantsFor(principal: Principal, permission: string): readonly Grant[] {
    let byPermission = this.#granted.get(principal)
    if (!byPermission) this.#granted.set(principal, (byPermission = new Map()))
    let grants = byPermission.get(permission)
    if (!grants) byPermission.set(permission, (grants = this.#matchingGrants(principal, permission)))
    return grants
  }

  #matchingGrants(principal: Principal, permission: string): Grant[] {
    const [resource = '', action = ''] = permission.split(':')
    return principal.roles.flatMap((role) =>
      (this.#roles.get(role) ?? []).filter(
        (grant) => (grant.resource === '*' || grant.resource === resource) && (grant.action === '*' || grant.action === action),
      ),
    )
  }

  /** Checks that every role a principal names exists. */
  validatePrincipal(principal: unknown): Principal {
    const parsed = principalSchema.safeParse(principal)
    if (!parsed.success) {
      throw new ValidationError(parsed.error.issues.map((issue) => ({ path: ['principal', ...issue.path].join('.'), message: issue.message })))
    }
    parsed.data.roles.forEach((role, i) => {
      if (!this.#roles.has(role)) throw new ValidationError([{ path: `principal.roles[${i}]`, message: `Unknown role ${JSON.stringify(role)}` }])
    })
    // Frozen: a principal's roles cannot change under a store (its grants are cached).
    return Object.freeze({ id: parsed.data.id, roles: Object.freeze([...parsed.data.roles]) })
  }
}

function parseGrant(grant: string, roleEnvironments: readonly Environment[] | undefined): Grant {
  const [permission = '', limit] = grant.split('@')
  const [resource = '*', action = '*'] = permission === '*' ? ['*', '*'] : permission.split(':')
  const environments = limit === undefined ? roleEnvironments : (limit.split('|') as Environment[])
  return { resource, action, environments }
}
