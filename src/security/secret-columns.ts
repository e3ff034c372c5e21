/** Every column that holds a sealed secret: what rotation re-encrypts. */
export interface SecretColumn {
  /** The core table without its prefix; also the `table` of the secret's binding. */
  readonly table: string
  /** The `field` of the binding. */
  readonly field: string
  readonly ciphertextColumn: string
  readonly keyIdColumn: string
}

export const SECRET_COLUMNS: readonly SecretColumn[] = [
  { table: 'credentials', field: 'password', ciphertextColumn: 'password_ciphertext', keyIdColumn: 'password_key_id' },
  { table: 'context_parameters', field: 'value', ciphertextColumn: 'value_ciphertext', keyIdColumn: 'value_key_id' },
]
