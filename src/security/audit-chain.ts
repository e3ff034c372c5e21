import { createHash } from 'node:crypto'
import { prepare, prepareInsert } from '../db/speed/prepared-statement.js'
import type { DecodedRow } from '../db/table-declaration.js'
import { NotFoundError } from '../errors.js'
import { canonicalJson } from '../schema/canonical-json.js'
import type { StoreContext } from '../store-context.js'
import { auditLogTable } from '../tables/security-tables.js'

/**
 * The tamper-evident audit chain. Each row's hash covers its own fields and the
 * previous row's hash; a one-row head table (`audit_head`) holds the last sequence
 * number and hash. Appending first updates the head row, which takes its row lock on
 * every engine (SQLite: the write transaction), so concurrent writers append one after
 * another and the chain stays linear.
 */

export const GENESIS_HASH = '0'.repeat(64)

/** A row of the chain as stored, decoded: the table's declaration is its one definition. */
export type AuditEntry = Readonly<DecodedRow<typeof auditLogTable>>

export type AuditOutcome = AuditEntry['outcome']

export interface AuditEntryInput {
  readonly actor: string
  readonly action: string
  readonly entityType: string
  readonly entityId: string | null
  readonly outcome: AuditOutcome
  readonly before: unknown
  readonly after: unknown
}

export interface AuditHead {
  readonly seq: number
  readonly hash: string
}

/** Appends one entry; must run inside the transaction of the change it records. */
export async function appendAuditEntry(context: StoreContext, input: AuditEntryInput): Promise<AuditEntry> {
  const { adapter } = context
  await advanceHead.run(context, {})
  const head = await readHead.first(context, {})
  if (!head) throw new NotFoundError('The audit head row is missing: run the migrations', { tableName: context.table('audit_head') })
  const entry = sealEntry({
    seq: Number(head.seq),
    at: context.now(),
    actor: input.actor,
    action: input.action,
    entity_type: input.entityType,
    entity_id: input.entityId,
    outcome: input.outcome,
    before: toJsonValue(redactSecrets(input.before)),
    after: toJsonValue(redactSecrets(input.after)),
    prev_hash: String(head.hash),
  })
  await insertEntry.run(context, {
    seq: entry.seq,
    at: adapter.encodeTimestamp(entry.at),
    actor: entry.actor,
    action: entry.action,
    entity_type: entry.entity_type,
    entity_id: entry.entity_id,
    outcome: entry.outcome,
    before: adapter.encodeJson(entry.before),
    after: adapter.encodeJson(entry.after),
    prev_hash: entry.prev_hash,
    hash: entry.hash,
  })
  await setHeadHash.run(context, { hash: entry.hash })
  return entry
}

// The head row is updated first: that takes its lock, so appends from every process queue up.
const advanceHead = prepare<never>((t) =>
  t.db
    .updateTable('audit_head')
    .set((eb) => ({ seq: eb('seq', '+', 1) }))
    .where('id', '=', 1),
)
const readHead = prepare<never>((t) => t.db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1))
/** @internal */
export const ENTRY_COLUMNS = auditLogTable.columnNames
const insertEntry = prepareInsert('audit_log', ENTRY_COLUMNS)
const setHeadHash = prepare<'hash'>((t, value) =>
  t.db
    .updateTable('audit_head')
    .set({ hash: value('hash') })
    .where('id', '=', 1),
)

/** Computes the hash of an entry from its fields and the previous hash. */
export function sealEntry(entry: Omit<AuditEntry, 'hash'>): AuditEntry {
  return { ...entry, hash: hashEntry(entry) }
}

export function hashEntry(entry: Omit<AuditEntry, 'hash'>): string {
  const body = canonicalJson({
    seq: entry.seq,
    at: entry.at.toISOString(),
    actor: entry.actor,
    action: entry.action,
    entity_type: entry.entity_type,
    entity_id: entry.entity_id,
    outcome: entry.outcome,
    before: entry.before ?? null,
    after: entry.after ?? null,
  })
  return createHash('sha256').update(entry.prev_hash).update('\n').update(body).digest('hex')
}

/** What a JSON column gives back: Dates become ISO strings, undefined disappears. */
function toJsonValue(value: unknown): unknown {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown)
}

const SECRET_KEY = /(password|secret|token|ciphertext|master_key|private_key)/i
export const REDACTED = '[redacted]'

/**
 * Masks every secret in a before/after snapshot: keys that name a secret, and the
 * value of a parameter marked `is_secure`.
 */
export function redactSecrets(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Date) return value
  if (Array.isArray(value)) return value.map(redactSecrets)
  const record = value as Record<string, unknown>
  const secure = record.is_secure === true
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(record)) {
    if ((SECRET_KEY.test(key) && item !== null && item !== undefined) || (secure && key === 'value')) out[key] = REDACTED
    else out[key] = redactSecrets(item)
  }
  return out
}
