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
 * number and hash. Appending first locks the head row (an update, or a locking read
 * where the engine cannot return an update's row; SQLite: the write transaction), so
 * concurrent writers append one after another and the chain stays linear.
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

/**
 * Appends one entry; must run inside the transaction of the change it records.
 *
 * Two statements on PostgreSQL, three on SQLite and MySQL/MariaDB (four before): the
 * head is read under its row lock (`UPDATE … RETURNING` where the engine has it, which
 * also takes SQLite's write lock; `SELECT … FOR UPDATE` on MySQL, which has no `UPDATE …
 * RETURNING`), the entry is sealed here (its hash is SHA-256 over canonical JSON, which
 * no engine computes alike), and the entry and the new head are written (one statement
 * with a data-modifying `WITH` on PostgreSQL). The head row keeps its meaning, the last
 * entry's sequence number and hash, so older writers and existing chains go on as before.
 */
export async function appendAuditEntry(context: StoreContext, input: AuditEntryInput): Promise<AuditEntry> {
  const { adapter } = context
  const head = await lockHead(context)
  const entry = sealEntry({
    seq: head.seq + 1,
    at: context.now(),
    actor: input.actor,
    action: input.action,
    entity_type: input.entityType,
    entity_id: input.entityId,
    outcome: input.outcome,
    before: toJsonValue(redactSecrets(input.before)),
    after: toJsonValue(redactSecrets(input.after)),
    prev_hash: head.hash,
  })
  const row = {
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
  }
  if (adapter.supportsWritableCte) {
    await insertEntryAndSetHead.run(context, row)
  } else {
    await insertEntry.run(context, row)
    await setHead.run(context, row)
  }
  return entry
}

/**
 * The head before this append, read under the head row's lock: every appender, in every
 * process, queues on that lock until the one before it commits, so the chain stays linear.
 */
async function lockHead(context: StoreContext): Promise<AuditHead> {
  const advances = context.adapter.supportsReturning
  const head = advances ? await advanceHead.first(context, {}) : await readHeadForUpdate.first(context, {})
  if (!head) throw new NotFoundError('The audit head row is missing: run the migrations', { tableName: context.table('audit_head') })
  // The advance has already counted this entry: the head before it is one less.
  return { seq: Number(head.seq) - (advances ? 1 : 0), hash: String(head.hash) }
}

// Updating the head row takes its lock (SQLite: the write lock), and RETURNING reads it in the same statement.
const advanceHead = prepare<never>((t) =>
  t.db
    .updateTable('audit_head')
    .set((eb) => ({ seq: eb('seq', '+', 1) }))
    .where('id', '=', 1)
    .returning(['seq', 'hash']),
)
const readHeadForUpdate = prepare<never>((t) => t.db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).forUpdate())
/** @internal */
export const ENTRY_COLUMNS = auditLogTable.columnNames
const insertEntry = prepareInsert('audit_log', ENTRY_COLUMNS)
// The head becomes the new entry's (seq, hash); after an advance the seq is already there.
const setHead = prepare<'seq' | 'hash'>((t, value) =>
  t.db
    .updateTable('audit_head')
    .set({ seq: value('seq'), hash: value('hash') })
    .where('id', '=', 1),
)
const insertEntryAndSetHead = prepare<(typeof ENTRY_COLUMNS)[number]>((t, value) =>
  t.db
    .with('audit_entry', (db) => db.insertInto('audit_log').values(Object.fromEntries(ENTRY_COLUMNS.map((name) => [name, value(name)])) as never))
    .updateTable('audit_head')
    .set({ seq: value('seq'), hash: value('hash') })
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
