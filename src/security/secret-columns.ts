import type { CoreDatabase } from '../tables/core-database.js'

type SecretTable = 'credentials' | 'context_parameters'

interface SecretColumnOf<T extends SecretTable> {
  /** The core table without its prefix; also the `table` of the secret's binding. */
  readonly table: T
  /** The `field` of the binding. */
  readonly field: string
  readonly ciphertextColumn: keyof CoreDatabase[T] & string
  readonly keyIdColumn: keyof CoreDatabase[T] & string
}

/** A column that holds a sealed secret, its names checked against its table's declaration. */
export type SecretColumn = { [T in SecretTable]: SecretColumnOf<T> }[SecretTable]

/** Every column that holds a sealed secret: what rotation re-encrypts. */
export const SECRET_COLUMNS: readonly SecretColumn[] = [
  { table: 'credentials', field: 'password', ciphertextColumn: 'password_ciphertext', keyIdColumn: 'password_key_id' },
  { table: 'context_parameters', field: 'value', ciphertextColumn: 'value_ciphertext', keyIdColumn: 'value_key_id' },
]
