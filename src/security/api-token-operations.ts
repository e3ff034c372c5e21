import type { OperationRule } from './guarded-repository.js'

type Args = readonly unknown[]
type Repository = Record<string, (...args: unknown[]) => Promise<unknown>>

/** A token as the audit trail keeps it: its description, never the token in clear. */
const withoutSecret = (result: unknown): unknown => {
  const { token: _token, ...rest } = result as { token?: unknown }
  return rest
}

/**
 * `store.tokens` in the operation table: managing tokens needs `tokens:write` (only
 * `admin` has it by default), reading them `tokens:read`. `authenticate` is a read too:
 * the server authenticates below access control, before there is a principal.
 */
export const API_TOKEN_OPERATIONS: Readonly<Record<string, OperationRule>> = {
  create: {
    permission: 'tokens:write',
    audit: { action: 'tokens.create', entityType: 'api_token', entityId: (_args, result) => (result as { id: string }).id, after: withoutSecret },
  },
  revoke: {
    permission: 'tokens:write',
    audit: {
      action: 'tokens.revoke',
      entityType: 'api_token',
      entityId: (args: Args) => args[0],
      before: (args: Args, repository: Repository) => repository.get!(args[0] as string),
    },
  },
  get: { permission: 'tokens:read' },
  list: { permission: 'tokens:read' },
  authenticate: { permission: 'tokens:read' },
}
