import { z } from 'zod'

/** The access-control section of the store config (see security/access-policy.ts). */

/** The environments grants, contexts, schedules and executions name (the one definition). */
export const ENVIRONMENTS = ['DEV', 'TEST', 'PROD'] as const
export type Environment = (typeof ENVIRONMENTS)[number]

const grantPattern = /^(\*|[a-z_]+:(\*|[a-z_]+))(@(DEV|TEST|PROD)(\|(DEV|TEST|PROD))*)?$/

export const roleSchema = z.strictObject({
  permissions: z.array(z.string().regex(grantPattern, 'Expected resource:action, optionally @ENV|ENV')).min(1),
  environments: z.array(z.enum(ENVIRONMENTS)).min(1).optional(),
})

export const accessControlConfigSchema = z.strictObject({
  /** When on, a call without a principal is refused; when off, the plain store acts as `system`. */
  enabled: z.boolean().default(false),
  /** Roles added to (or replacing) the built-in ones. */
  roles: z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,49}$/, 'a lowercase role name'), roleSchema).default({}),
})

export type RoleDefinition = z.output<typeof roleSchema>
export type AccessControlConfig = z.output<typeof accessControlConfigSchema>

/** Which changes the audit trail records besides every configuration change. */
export const auditConfigSchema = z.strictObject({
  /** Execution lifecycle writes (start, attempts, runs, events, finish): high volume, off by default. */
  executions: z.boolean().default(false),
})
export type AuditConfig = z.output<typeof auditConfigSchema>
