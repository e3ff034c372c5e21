import type { StoreContext } from '../store-context.js'
import { rotateKeys, type RotateOptions, type RotationResult } from './key-rotation.js'
import { Keyring } from './keyring.js'
import { checkKeys, type KeyCheck } from './key-check.js'

export interface DataKeyStatus {
  readonly id: string
  readonly status: 'current' | 'previous'
  /** The master keys that wrap it. */
  readonly master_key_ids: readonly string[]
}

/** `store.keys`: the state of envelope encryption and its rotation. */
export class KeyManager {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  /**
   * Re-encrypts every secret under a new data key (and a new master key, if given), in
   * batches; run it again after a crash to finish.
   * @example await store.keys.rotate({ newKey: fs.readFileSync('new.key', 'utf8'), onProgress: console.log })
   */
  rotate(options: RotateOptions = {}): Promise<RotationResult> {
    return rotateKeys(this.#context, options)
  }

  /** The id of the master key this store is configured with (resolves it; may generate it on SQLite). */
  masterKeyId(): string {
    return new Keyring(this.#context).master().id
  }

  /**
   * Whether the configured master key unwraps the current data key (`etlp doctor`);
   * generates no key. A key that does not unwrap it throws `SecretDecryptionError`.
   */
  async check(): Promise<KeyCheck> {
    return checkKeys(this.#context, await this.list())
  }

  async list(): Promise<DataKeyStatus[]> {
    const { db } = this.#context
    const keys = await db.selectFrom('encryption_keys').select(['id', 'status']).orderBy('id').execute()
    const wraps = await db.selectFrom('encryption_key_wraps').select(['key_id', 'master_key_id']).execute()
    return keys.map((key) => ({
      id: String(key.id),
      status: key.status === 'current' ? 'current' : 'previous',
      master_key_ids: wraps.filter((wrap) => wrap.key_id === key.id).map((wrap) => String(wrap.master_key_id)),
    }))
  }
}
