import type { ApiTokenRepository } from './api-token-repository.js'
import type { CreatedApiToken } from './api-token-schema.js'
import type { OperationRules } from './guarded-repository.js'

/** A token as the audit trail keeps it: its description, never the token in clear. */
const withoutSecret = ({ token: _token, ...rest }: CreatedApiToken): Omit<CreatedApiToken, 'token'> => rest

/**
 * `store.tokens` in the operation table: managing tokens needs `tokens:write` (only
 * `admin` has it by default), reading them `tokens:read`. `authenticate` is a read too:
 * the server authenticates below access control, before there is a principal.
 */
export const API_TOKEN_OPERATIONS = {
  create: {
    permission: 'tokens:write',
    audit: { action: 'tokens.create', entityType: 'api_token', entityId: (_args, result) => result.id, after: withoutSecret },
  },
  revoke: {
    permission: 'tokens:write',
    audit: { action: 'tokens.revoke', entityType: 'api_token', entityId: ([id]) => id, before: ([id], repository) => repository.get(id) },
  },
  get: { permission: 'tokens:read' },
  list: { permission: 'tokens:read' },
  authenticate: { permission: 'tokens:read' },
} satisfies OperationRules<ApiTokenRepository>
