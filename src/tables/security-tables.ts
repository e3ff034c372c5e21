import { column, declareTable } from '../db/table-declaration.js'
import type { Principal } from '../security/access-policy.js'

export const apiTokensTable = declareTable('api_tokens', {
  id: column.string(),
  name: column.string(),
  principal: column.json<Principal>(),
  token_hash: column.string(),
  created_at: column.timestamp(),
  last_used_at: column.timestamp().orNull(),
  revoked_at: column.timestamp().orNull(),
})

export const auditHeadTable = declareTable('audit_head', {
  id: column.integer(),
  seq: column.integer(),
  hash: column.string(),
})

export const auditLogTable = declareTable('audit_log', {
  seq: column.integer(),
  at: column.timestamp(),
  actor: column.string(),
  action: column.string(),
  entity_type: column.string(),
  entity_id: column.string().orNull(),
  outcome: column.enum(['ok', 'denied']),
  before: column.json().orNull(),
  after: column.json().orNull(),
  prev_hash: column.string(),
  hash: column.string(),
})

export const encryptionKeyWrapsTable = declareTable('encryption_key_wraps', {
  key_id: column.string(),
  master_key_id: column.string(),
  wrapped_key: column.string(),
  created_at: column.timestamp(),
})

export const encryptionKeysTable = declareTable('encryption_keys', {
  id: column.string(),
  /** One `current` key seals new secrets; `previous` ones still open old ones until rotation re-seals them. */
  status: column.enum(['current', 'previous']),
  master_key_id: column.string(),
  created_at: column.timestamp(),
})
