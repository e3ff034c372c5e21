import { listQuery, type ListResult, type QueryEntity } from '../query/index.js'
import { queryColumnsOf } from '../query/query-entity.js'
import type { StoreContext } from '../store-context.js'
import { auditLogTable } from '../tables/security-tables.js'
import { ENTRY_COLUMNS, GENESIS_HASH, hashEntry, type AuditEntry, type AuditHead } from './audit-chain.js'

const auditEntity: QueryEntity = {
  name: 'audit',
  idColumn: 'seq',
  columns: queryColumnsOf(auditLogTable, ['seq', 'at', 'actor', 'action', 'entity_type', 'entity_id', 'outcome']),
  defaultOrder: [{ column: 'seq', direction: 'desc' }],
}

export interface AuditVerification {
  readonly ok: boolean
  /** Rows walked. */
  readonly checked: number
  /** The first sequence number whose row is missing, edited, inserted or out of order. */
  readonly first_broken_seq: number | null
  readonly reason: string | null
  readonly head: AuditHead
}

const PAGE = 1000

/** Reading and verifying the audit trail (`store.audit`). */
export class AuditRepository {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  list(query: unknown = {}): Promise<ListResult<AuditEntry>> {
    const { db } = this.#context
    return listQuery(this.#context, auditEntity, query, {
      key: 'audit',
      base: () => db.selectFrom('audit_log').select(ENTRY_COLUMNS),
      decode: (row) => this.#decode(row),
    })
  }

  /** The last sequence number and hash: keep it elsewhere to detect a truncated tail later. */
  async head(): Promise<AuditHead> {
    const row = await this.#context.db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst()
    return row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS_HASH }
  }

  /**
   * Walks the whole chain in pages (constant memory) and reports the first broken
   * sequence number: a gap (deleted row), a hash that does not match the row
   * (edited), or a previous-hash link that does not match (inserted or reordered). With
   * `expectedHead`, a tail shorter than the kept head is reported too.
   */
  async verify(options: { expectedHead?: AuditHead } = {}): Promise<AuditVerification> {
    const { db } = this.#context
    let previous: AuditHead = { seq: 0, hash: GENESIS_HASH }
    let checked = 0
    const broken = (seq: number, reason: string): AuditVerification => ({ ok: false, checked, first_broken_seq: seq, reason, head: previous })
    for (;;) {
      const rows = await db.selectFrom('audit_log').select(ENTRY_COLUMNS).where('seq', '>', previous.seq).orderBy('seq').limit(PAGE).execute()
      for (const row of rows) {
        const entry = this.#decode(row)
        const expectedSeq = previous.seq + 1
        if (entry.seq !== expectedSeq) return broken(expectedSeq, `row ${expectedSeq} is missing`)
        if (entry.prev_hash !== previous.hash) return broken(entry.seq, `row ${entry.seq} does not follow row ${previous.seq}`)
        if (hashEntry(entry) !== entry.hash) return broken(entry.seq, `row ${entry.seq} was changed after it was written`)
        previous = { seq: entry.seq, hash: entry.hash }
        checked++
      }
      if (rows.length < PAGE) break
    }
    const expected = options.expectedHead
    if (expected) {
      if (previous.seq < expected.seq) return broken(previous.seq + 1, `the chain ends at ${previous.seq}, the kept head is ${expected.seq}`)
      const at = await db.selectFrom('audit_log').select('hash').where('seq', '=', expected.seq).executeTakeFirst()
      if (expected.seq > 0 && at?.hash !== expected.hash) return broken(expected.seq, `row ${expected.seq} does not match the kept head`)
    }
    return { ok: true, checked, first_broken_seq: null, reason: null, head: previous }
  }

  #decode(row: Record<string, unknown>): AuditEntry {
    return auditLogTable.decode(this.#context.adapter, row)
  }
}
