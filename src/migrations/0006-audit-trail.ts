import { sql } from 'kysely'
import type { Migration } from './migration.js'

const GENESIS_HASH = '0'.repeat(64)

/**
 * The audit trail: an append-only, hash-chained log of every change and every refused
 * call, and a one-row head that serialises appends (see security/audit-chain.ts).
 */
export const auditTrail: Migration = {
  name: '0006_audit_trail',
  up: ({ schema, table, types, adapter, raw }) => {
    const log = table('audit_log')
    const head = table('audit_head')
    return [
      adapter
        .tableOptions(
          schema
            .createTable(log)
            .addColumn('seq', types.bigint, (c) => c.primaryKey())
            .addColumn('at', types.timestamp, (c) => c.notNull())
            .addColumn('actor', types.string(200), (c) => c.notNull())
            .addColumn('action', types.string(100), (c) => c.notNull())
            .addColumn('entity_type', types.string(50), (c) => c.notNull())
            .addColumn('entity_id', types.string(200))
            .addColumn('outcome', types.string(10), (c) => c.notNull())
            .addColumn('before', types.json)
            .addColumn('after', types.json)
            .addColumn('prev_hash', types.string(64), (c) => c.notNull())
            .addColumn('hash', types.string(64), (c) => c.notNull()),
        )
        .compile(),
      schema.createIndex(`${log}_entity_idx`).on(log).columns(['entity_type', 'entity_id', 'seq']).compile(),
      schema.createIndex(`${log}_at_idx`).on(log).columns(['at', 'seq']).compile(),
      schema.createIndex(`${log}_actor_idx`).on(log).columns(['actor', 'seq']).compile(),
      adapter
        .tableOptions(
          schema
            .createTable(head)
            .addColumn('id', 'integer', (c) => c.primaryKey())
            .addColumn('seq', types.bigint, (c) => c.notNull())
            .addColumn('hash', types.string(64), (c) => c.notNull()),
        )
        .compile(),
      raw(sql`insert into ${sql.table(head)} (id, seq, hash) values (1, 0, ${GENESIS_HASH})`),
    ]
  },
  down: ({ schema, table }) => [schema.dropTable(table('audit_head')).compile(), schema.dropTable(table('audit_log')).compile()],
}
