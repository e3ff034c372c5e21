import type { CompiledQuery } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import type { EngineName } from '../src/config/database-url.js'
import { appendAuditEntry, sealEntry, type AuditEntryInput } from '../src/security/audit-chain.js'
import type { StoreContext } from '../src/store-context.js'
import { Store } from '../src/store.js'
import { recordingExecuted } from './helpers/executed-queries.js'
import { describeEngines } from './helpers/engines.js'
import { openExecutionStore } from './helpers/execution-store.js'

/**
 * One audit append costs two statements on PostgreSQL (the head read under its lock by
 * `UPDATE … RETURNING`, then the entry and the new head in one statement with a
 * data-modifying WITH) and three on SQLite and MySQL/MariaDB (four before). The chain
 * and its head row mean what they meant: a chain written before goes on, and a writer
 * of the old kind can go on after the new one.
 */

const STATEMENTS_PER_APPEND: Record<EngineName, number> = { sqlite: 3, postgres: 2, mysql: 3 }

const change = (action: string, n: number): AuditEntryInput => ({
  actor: 'auditor',
  action,
  entityType: 'job',
  entityId: `job-${n}`,
  outcome: 'ok',
  before: n === 0 ? null : { version: n },
  after: { version: n + 1, password: 'not kept' },
})

/**
 * An append as the chain was written before this change, in four statements: advance the
 * head, read it, insert the entry, set the head's hash. It stands for the entries (and the
 * writers) that came before.
 */
async function appendTheOldWay(context: StoreContext, input: AuditEntryInput): Promise<void> {
  await context.transaction(async ({ db, adapter, now }) => {
    await db
      .updateTable('audit_head')
      .set((eb) => ({ seq: eb('seq', '+', 1) }))
      .where('id', '=', 1)
      .execute()
    const head = await db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow()
    const entry = sealEntry({
      seq: Number(head.seq),
      at: now(),
      actor: input.actor,
      action: input.action,
      entity_type: input.entityType,
      entity_id: input.entityId,
      outcome: input.outcome,
      before: input.before ?? null,
      after: input.after ?? null,
      prev_hash: String(head.hash),
    })
    await db
      .insertInto('audit_log')
      .values({
        ...entry,
        at: adapter.encodeTimestamp(entry.at),
        before: adapter.encodeJson(entry.before),
        after: adapter.encodeJson(entry.after),
      } as never)
      .execute()
    await db.updateTable('audit_head').set({ hash: entry.hash }).where('id', '=', 1).execute()
  })
}

describeEngines('audit append statements', (target) => {
  let store: Store
  let context: StoreContext

  beforeAll(async () => {
    store = await openExecutionStore(target())
    context = Store.context(store)
  })

  const head = async () => {
    const row = await context.db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow()
    return { seq: Number(row.seq), hash: String(row.hash) }
  }

  it(`appends one entry in ${Object.entries(STATEMENTS_PER_APPEND)
    .map(([engine, n]) => `${n} statements on ${engine}`)
    .join(', ')}`, async () => {
    for (let n = 0; n < 3; n++) {
      const executed: CompiledQuery[] = []
      await context.transaction((tx) => appendAuditEntry({ ...tx, db: recordingExecuted(tx.db, executed) }, change('count.append', n)))
      expect(
        executed.map((query) => query.sql),
        target().engine,
      ).toHaveLength(STATEMENTS_PER_APPEND[target().engine])
    }
    expect((await store.audit.verify()).ok).toBe(true)
  })

  it('continues a chain written before, which then verifies, and leaves a head an older writer continues', async () => {
    for (let n = 0; n < 3; n++) await appendTheOldWay(context, change('old.append', n))
    const before = await store.audit.head()
    expect(await head()).toEqual(before)

    const appended = await context.transaction((tx) => appendAuditEntry(tx, change('new.append', 3)))
    expect(appended).toMatchObject({ seq: before.seq + 1, prev_hash: before.hash })
    // The head row still holds the last entry's sequence number and hash.
    expect(await head()).toEqual({ seq: appended.seq, hash: appended.hash })
    const stored = (await store.audit.list({ where: { column: 'seq', operator: '==', value: appended.seq } })).items[0]
    expect(stored).toMatchObject({ seq: appended.seq, prev_hash: before.hash, hash: appended.hash })
    expect(JSON.stringify(stored?.after)).not.toContain('not kept')

    await appendTheOldWay(context, change('old.append', 4))
    const verification = await store.audit.verify({ expectedHead: await store.audit.head() })
    expect(verification).toMatchObject({ ok: true, first_broken_seq: null })
    expect(verification.head.seq).toBe(appended.seq + 1)
  })

  it('rolls the head back with the change it recorded', async () => {
    const before = await head()
    await expect(
      context.transaction(async (tx) => {
        await appendAuditEntry(tx, change('rolled.back', 0))
        throw new Error('the change fails after its audit entry')
      }),
    ).rejects.toThrow('the change fails')
    expect(await head()).toEqual(before)
    await context.transaction((tx) => appendAuditEntry(tx, change('after.rollback', 1)))
    expect((await store.audit.verify()).ok).toBe(true)
  })
})

// The servers only: SQLite's connections in one process would wait on each other
// synchronously; audit.test's eight writer processes cover it.
describeEngines(
  'audit appends at once',
  (target) => {
    it('keeps one linear chain when stores on their own connections append at once', async () => {
      const store = await openExecutionStore(target())
      const context = Store.context(store)
      const head = async () => Number((await context.db.selectFrom('audit_head').select('seq').where('id', '=', 1).executeTakeFirstOrThrow()).seq)
      const writers = await Promise.all(Array.from({ length: 4 }, () => target().open()))
      const before = await head()
      await Promise.all(
        writers.map(async (writer, w) => {
          for (let n = 0; n < 10; n++) await Store.context(writer).transaction((tx) => appendAuditEntry(tx, change(`writer-${w}`, n)))
        }),
      )
      expect(await head()).toBe(before + 40)
      expect(await store.audit.verify({ expectedHead: await store.audit.head() })).toMatchObject({ ok: true, checked: before + 40 })
    })
  },
  ['postgres', 'mysql'],
)
