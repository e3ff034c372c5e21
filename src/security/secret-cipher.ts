import type { StoreContext } from '../store-context.js'
import { open, seal } from './aes-gcm.js'
import { Keyring } from './keyring.js'
import type { MasterKey } from './master-key.js'
import { SecretDecryptionError } from './secret-errors.js'

/** Where a secret lives: bound into the ciphertext, so a copy in another row or field fails. */
export interface SecretBinding {
  /** The core table without its prefix: `credentials`. */
  readonly table: string
  readonly id: string
  readonly field: string
}

/** A sealed secret as stored: the ciphertext and, beside it, the id of its data key. */
export interface SealedSecret {
  readonly ciphertext: string
  readonly keyId: string
}

function associatedData({ table, id, field }: SecretBinding): string {
  return `etlp-secret\u0000${table}\u0000${id}\u0000${field}`
}

/** Seals and opens secrets with the store's data keys (AES-256-GCM, row-bound). */
export class SecretCipher {
  readonly #context: StoreContext
  readonly #keyring: Keyring

  constructor(context: StoreContext) {
    this.#context = context
    this.#keyring = new Keyring(context)
  }

  get keyring(): Keyring {
    return this.#keyring
  }

  async encrypt(plaintext: string, binding: SecretBinding): Promise<SealedSecret> {
    const dataKey = await this.#keyring.current()
    return { ciphertext: seal(dataKey.key, Buffer.from(plaintext, 'utf8'), associatedData(binding)), keyId: dataKey.id }
  }

  /** Seals with a given data key (rotation). */
  encryptWith(key: Buffer, keyId: string, plaintext: string, binding: SecretBinding): SealedSecret {
    return { ciphertext: seal(key, Buffer.from(plaintext, 'utf8'), associatedData(binding)), keyId }
  }

  async decrypt(sealed: SealedSecret, binding: SecretBinding, masters?: readonly MasterKey[]): Promise<string> {
    const key = await this.#keyring.key(sealed.keyId, masters)
    const plaintext = open(key, sealed.ciphertext, associatedData(binding))
    if (plaintext === undefined) {
      throw new SecretDecryptionError(
        `The ${binding.field} of ${binding.table} ${binding.id} does not decrypt with data key ${sealed.keyId}: ` +
          'it was written for another row or field, or altered',
        { keyId: sealed.keyId },
        { tableName: this.#context.table(binding.table) },
      )
    }
    return plaintext.toString('utf8')
  }
}
