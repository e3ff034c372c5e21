import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { ConflictError, ConstraintError } from '../errors.js'
import { uuidv7 } from '../schema/ids.js'
import type { StoreContext } from '../store-context.js'
import { KEY_BYTES } from './aes-gcm.js'
import { Keyring, wrapDataKey } from './keyring.js'
import { parseMasterKey, replaceMasterKeyFile, type MasterKey } from './master-key.js'
import { SECRET_COLUMNS, type SecretColumn } from './secret-columns.js'
import { SecretCipher } from './secret-cipher.js'

export interface RotationProgress {
  /** Secrets re-encrypted so far in this run. */
  readonly done: number
  /** Secrets that were under an older key when this run started. */
  readonly total: number
}

export interface RotateOptions {
  /**
   * The new master key (base64 of 32 bytes, or the bytes). Left out, the master key
   * stays and only the data key is replaced.
   */
  readonly newKey?: string | Buffer
  /** Secrets re-encrypted per transaction. Default 500. */
  readonly batchSize?: number
  readonly onProgress?: (progress: RotationProgress) => void
}

export interface RotationResult {
  /** The data key every secret is now sealed with. */
  readonly key_id: string
  /** The master key that now wraps it (the only one needed from now on). */
  readonly master_key_id: string
  readonly reencrypted: number
  readonly retired_key_ids: readonly string[]
}

/**
 * Re-encrypts every secret under a new data key, wrapped by the new master key.
 *
 * Resumable: the first step (one transaction) wraps every existing data key under the
 * new master key too, and the new data key under both, so a store half-way through
 * decrypts everything with either master key. Batches then re-seal secrets; a crash
 * loses at most one uncommitted batch, and running `rotate` again with the same new
 * key carries on. The last step deletes the old data keys and the old master key's
 * wraps: from then on only the new master key is needed.
 */
export async function rotateKeys(context: StoreContext, options: RotateOptions = {}): Promise<RotationResult> {
  const keyring = new Keyring(context)
  const oldMaster = keyring.master()
  const newMaster = options.newKey === undefined ? oldMaster : toMasterKey(options.newKey)
  const masters = newMaster.id === oldMaster.id ? [newMaster] : [newMaster, oldMaster]
  const batchSize = options.batchSize ?? 500
  const keyId = await beginRotation(context, masters, options.newKey !== undefined)
  let reencrypted = 0
  for (let round = 0; ; round++) {
    reencrypted += await reencryptAll(context, keyId, masters, batchSize, options.onProgress)
    if (oldMaster.source === 'generated' && oldMaster.path !== undefined && newMaster.id !== oldMaster.id) {
      // The store found its key beside the database: that file now holds the new key.
      replaceMasterKeyFile(oldMaster.path, newMaster.key)
      keyring.useMaster({ ...newMaster, source: 'generated', path: oldMaster.path })
    } else {
      keyring.useMaster(newMaster)
    }
    try {
      const retired = await finishRotation(context, keyId, newMaster)
      for (const id of retired) keyring.forget(id)
      return { key_id: keyId, master_key_id: newMaster.id, reencrypted, retired_key_ids: retired }
    } catch (error) {
      // A writer that read the old current key committed a secret under it: go round again.
      if (!(error instanceof ConstraintError && error.constraint_kind === 'foreign_key') || round >= 3) {
        if (error instanceof ConstraintError) {
          throw new ConflictError('Secrets keep arriving under a retired key; run the rotation again', { cause: error })
        }
        throw error
      }
    }
  }
}

function toMasterKey(key: string | Buffer): MasterKey {
  if (typeof key === 'string') return parseMasterKey(key, 'given', 'newKey')
  return parseMasterKey(key.toString('base64'), 'given', 'newKey')
}

/** Creates (or, resuming, finds) the new data key and makes every key readable under both masters. */
async function beginRotation(context: StoreContext, masters: readonly MasterKey[], resumable: boolean): Promise<string> {
  const [newMaster] = masters as [MasterKey, ...MasterKey[]]
  return context.transaction(async (tx) => {
    const { db, adapter } = tx
    const keys = await db.selectFrom('encryption_keys').select(['id', 'status', 'master_key_id']).orderBy('id').execute()
    const current = keys.find((key) => key.status === 'current')
    if (resumable && current !== undefined && current.master_key_id === newMaster.id) return String(current.id)
    const now = adapter.encodeTimestamp(tx.now())
    const txKeyring = new Keyring(tx)
    const wraps = await db.selectFrom('encryption_key_wraps').select(['key_id', 'master_key_id']).execute()
    for (const key of keys) {
      const id = String(key.id)
      for (const master of masters) {
        if (wraps.some((wrap) => wrap.key_id === id && wrap.master_key_id === master.id)) continue
        const clear = await txKeyring.key(id, masters)
        await db
          .insertInto('encryption_key_wraps')
          .values({ key_id: id, master_key_id: master.id, wrapped_key: wrapDataKey(master, id, clear), created_at: now })
          .execute()
      }
    }
    const id = uuidv7()
    const clear = randomBytes(KEY_BYTES)
    await db.updateTable('encryption_keys').set({ status: 'previous' }).execute()
    await db.insertInto('encryption_keys').values({ id, status: 'current', master_key_id: newMaster.id, created_at: now }).execute()
    await db
      .insertInto('encryption_key_wraps')
      .values(masters.map((master) => ({ key_id: id, master_key_id: master.id, wrapped_key: wrapDataKey(master, id, clear), created_at: now })))
      .execute()
    return id
  })
}

async function reencryptAll(
  context: StoreContext,
  keyId: string,
  masters: readonly MasterKey[],
  batchSize: number,
  onProgress: RotateOptions['onProgress'],
): Promise<number> {
  let total = 0
  for (const column of SECRET_COLUMNS) total += await countStale(context, column, keyId)
  let done = 0
  onProgress?.({ done, total })
  for (const column of SECRET_COLUMNS) {
    for (;;) {
      const count = await context.transaction((tx) => reencryptBatch(tx, column, keyId, masters, batchSize))
      done += count
      if (count > 0) onProgress?.({ done, total: Math.max(total, done) })
      if (count < batchSize) break
    }
  }
  return done
}

async function countStale(context: StoreContext, column: SecretColumn, keyId: string): Promise<number> {
  const row = await context.db
    .selectFrom(column.table)
    .select((eb) => eb.fn.countAll().as('count'))
    .where(column.keyIdColumn, 'is not', null)
    .where(column.keyIdColumn, '<>', keyId)
    .executeTakeFirst()
  return Number(row?.count ?? 0)
}

async function reencryptBatch(tx: StoreContext, column: SecretColumn, keyId: string, masters: readonly MasterKey[], batchSize: number): Promise<number> {
  const { db } = tx
  const cipher = new SecretCipher(tx)
  const key = await cipher.keyring.key(keyId, masters)
  const rows = await db
    .selectFrom(column.table)
    .select(['id', `${column.ciphertextColumn} as ciphertext`, `${column.keyIdColumn} as key_id`])
    .where(column.keyIdColumn, 'is not', null)
    .where(column.keyIdColumn, '<>', keyId)
    .orderBy('id')
    .limit(batchSize)
    .execute()
  if (rows.length === 0) return 0
  const updates: Array<{ id: string; before: string; after: string }> = []
  for (const row of rows) {
    const binding = { table: column.table, id: String(row.id), field: column.field }
    const plaintext = await cipher.decrypt({ ciphertext: String(row.ciphertext), keyId: String(row.key_id) }, binding, masters)
    updates.push({ id: String(row.id), before: String(row.ciphertext), after: cipher.encryptWith(key, keyId, plaintext, binding).ciphertext })
  }
  // One statement per batch. A row a writer changed since it was read keeps the writer's value.
  const byId = (pick: (update: (typeof updates)[number]) => string) =>
    sql<string>`case ${sql.ref('id')} ${sql.join(
      updates.map((update) => sql`when ${update.id} then ${pick(update)}`),
      sql` `,
    )} end`
  await db
    .updateTable(column.table)
    .set({ [column.ciphertextColumn]: byId((update) => update.after), [column.keyIdColumn]: keyId })
    .where(
      'id',
      'in',
      updates.map((update) => update.id),
    )
    .where(
      column.ciphertextColumn,
      '=',
      byId((update) => update.before),
    )
    .execute()
  return rows.length
}

/** Deletes the old data keys (a foreign key refuses while a secret still uses one) and the old master's wraps. */
async function finishRotation(context: StoreContext, keyId: string, newMaster: MasterKey): Promise<string[]> {
  return context.transaction(async ({ db }) => {
    const retired = await db.selectFrom('encryption_keys').select('id').where('id', '<>', keyId).execute()
    await db.deleteFrom('encryption_key_wraps').where('key_id', '<>', keyId).execute()
    await db.deleteFrom('encryption_keys').where('id', '<>', keyId).execute()
    await db.deleteFrom('encryption_key_wraps').where('key_id', '=', keyId).where('master_key_id', '<>', newMaster.id).execute()
    return retired.map((row) => String(row.id))
  })
}
