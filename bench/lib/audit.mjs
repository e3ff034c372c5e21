// The product writes a hash-chained audit row in the transaction of every job change
// (DESIGN §7). Doing the same work means the floor and the peers write that row too,
// chained the same way (so `store.audit.verify()` would accept it).
import { createHash } from 'node:crypto'

export const ACTOR = 'system'

function canonical(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null)
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  const keys = Object.keys(value)
    .filter((key) => value[key] !== undefined)
    .sort()
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`
}

/** The audit row that follows `head` ({seq (already incremented), hash}). */
export function auditRow(head, { action, entityType, entityId, before = null, after }) {
  const at = new Date()
  const entry = {
    seq: Number(head.seq),
    at: at.toISOString(),
    actor: ACTOR,
    action,
    entity_type: entityType,
    entity_id: entityId,
    outcome: 'ok',
    before: before === null ? null : JSON.parse(JSON.stringify(before)),
    after: after === null ? null : JSON.parse(JSON.stringify(after)),
  }
  const hash = createHash('sha256').update(String(head.hash)).update('\n').update(canonical(entry)).digest('hex')
  return { ...entry, at, prev_hash: String(head.hash), hash }
}

export const AUDIT_COLUMNS = ['seq', 'at', 'actor', 'action', 'entity_type', 'entity_id', 'outcome', 'before', 'after', 'prev_hash', 'hash']
