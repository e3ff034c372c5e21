import { AccessDeniedError, ValidationError, type PersistenceErrorOptions } from '../errors.js'

/**
 * No master key is configured where one is needed (PostgreSQL and MySQL never
 * generate one). A configuration problem, reported at the config path that fixes it.
 */
export class MissingMasterKeyError extends ValidationError {
  constructor() {
    super(
      [
        {
          path: 'security.master_key_file',
          message: 'No master key: set ETLP_MASTER_KEY (base64 of 32 bytes) or security.master_key_file',
        },
      ],
      { message: 'No master key configured: set ETLP_MASTER_KEY (base64 of 32 bytes) or security.master_key_file' },
    )
  }
}

/**
 * A secret or a data key that cannot be decrypted with the keys at hand: a wrong master
 * key, a ciphertext moved to another row, or a tampered value. Names the key ids, never
 * the value. It is an `access_denied`: the caller does not hold the key the secret needs.
 */
export class SecretDecryptionError extends AccessDeniedError {
  readonly key_id: string
  readonly master_key_id: string | undefined

  constructor(message: string, keys: { readonly keyId: string; readonly masterKeyId?: string }, options: PersistenceErrorOptions = {}) {
    super(message, 'secrets.decrypt', options)
    this.key_id = keys.keyId
    this.master_key_id = keys.masterKeyId
  }

  protected override details(): Record<string, unknown> {
    const base = { ...super.details(), key_id: this.key_id }
    return this.master_key_id === undefined ? base : { ...base, master_key_id: this.master_key_id }
  }
}
