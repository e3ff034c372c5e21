import { randomBytes } from 'node:crypto'
import type { ResolvedConfig } from '../config/store-config.js'
import { ConstraintError } from '../errors.js'
import { uuidv7 } from '../schema/ids.js'
import type { StoreContext } from '../store-context.js'
import { KEY_BYTES, open, seal } from './aes-gcm.js'
import { resolveMasterKey, type MasterKey } from './master-key.js'
import { SecretDecryptionError } from './secret-errors.js'

/** A data key in clear, held only in this process's memory. */
export interface DataKey {
  readonly id: string
  readonly key: Buffer
}

interface KeyringState {
  master?: MasterKey
  readonly dataKeys: Map<string, Buffer>
}

/** One cache per opened store, shared by its transaction-bound copies. */
const states = new WeakMap<ResolvedConfig, KeyringState>()

export function wrapAssociatedData(keyId: string): string {
  return `etlp-data-key\u0000${keyId}`
}

export function wrapDataKey(master: MasterKey, keyId: string, key: Buffer): string {
  return seal(master.key, key, wrapAssociatedData(keyId))
}

/**
 * Envelope encryption's key hierarchy. Secrets are sealed with data keys; each data key
 * is stored only wrapped (AES-256-GCM) under one or more master keys, in
 * `{prefix}encryption_key_wraps`. The master key never touches the database.
 */
export class Keyring {
  readonly #context: StoreContext
  readonly #state: KeyringState

  constructor(context: StoreContext) {
    this.#context = context
    let state = states.get(context.config)
    if (state === undefined) {
      state = { dataKeys: new Map() }
      states.set(context.config, state)
    }
    this.#state = state
  }

  /** The configured master key, resolved on first use (so a store without secrets needs none). */
  master(): MasterKey {
    this.#state.master ??= resolveMasterKey(this.#context.config)
    return this.#state.master
  }

  /** The data key new secrets are sealed with; the first one is created on demand. */
  async current(): Promise<DataKey> {
    const id = (await this.#currentId()) ?? (await this.#createFirst())
    return { id, key: await this.key(id) }
  }

  /** A data key in clear, unwrapped with the first of `masters` that wraps it. */
  async key(id: string, masters: readonly MasterKey[] = [this.master()]): Promise<Buffer> {
    const cached = this.#state.dataKeys.get(id)
    if (cached !== undefined) return cached
    const { db, table } = this.#context
    const wraps = await db.selectFrom('encryption_key_wraps').select(['master_key_id', 'wrapped_key']).where('key_id', '=', id).execute()
    for (const master of masters) {
      const wrap = wraps.find((row) => row.master_key_id === master.id)
      if (wrap === undefined) continue
      const key = open(master.key, String(wrap.wrapped_key), wrapAssociatedData(id))
      if (key === undefined || key.length !== KEY_BYTES) {
        throw new SecretDecryptionError(`Data key ${id} does not unwrap under master key ${master.id}`, {
          keyId: id,
          masterKeyId: master.id,
        })
      }
      this.#state.dataKeys.set(id, key)
      return key
    }
    const available = wraps.map((row) => String(row.master_key_id)).join(', ') || 'none'
    throw new SecretDecryptionError(
      `Data key ${id} is not wrapped under master key ${masters.map((m) => m.id).join(', ')} ` +
        `(it is wrapped under: ${available}); configure the master key it was written with`,
      { keyId: id, masterKeyId: masters[0]?.id },
      { tableName: table('encryption_key_wraps') },
    )
  }

  /** Switches this store to another master key (at the end of a rotation to it). */
  useMaster(master: MasterKey): void {
    this.#state.master = master
  }

  /** Forgets the data keys in clear (after a rotation deleted some). */
  forget(id: string): void {
    this.#state.dataKeys.delete(id)
  }

  async #currentId(): Promise<string | undefined> {
    const { db } = this.#context
    const row = await db.selectFrom('encryption_keys').select('id').where('status', '=', 'current').orderBy('id').limit(1).executeTakeFirst()
    return row === undefined ? undefined : String(row.id)
  }

  /**
   * Two processes may create a first key at once; both keys are valid and every writer
   * then picks the smallest id, so they converge.
   */
  async #createFirst(): Promise<string> {
    const master = this.master()
    const id = uuidv7()
    const key = randomBytes(KEY_BYTES)
    try {
      await this.#context.transaction(async ({ db, adapter, now: clock }) => {
        const now = adapter.encodeTimestamp(clock())
        await db.insertInto('encryption_keys').values({ id, status: 'current', master_key_id: master.id, created_at: now }).execute()
        await db
          .insertInto('encryption_key_wraps')
          .values({ key_id: id, master_key_id: master.id, wrapped_key: wrapDataKey(master, id, key), created_at: now })
          .execute()
      })
    } catch (error) {
      if (!(error instanceof ConstraintError)) throw error
    }
    this.#state.dataKeys.set(id, key)
    return (await this.#currentId()) ?? id
  }
}
