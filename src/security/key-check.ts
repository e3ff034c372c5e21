import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { StoreContext } from '../store-context.js'
import type { DataKeyStatus } from './key-manager.js'
import { Keyring } from './keyring.js'

/**
 * What `store.keys.check()` found: no master key configured (and how many data keys
 * need one), a master key but no data key yet, or the master key unwrapping the
 * current data key.
 */
export type KeyCheck =
  | { readonly state: 'no_master_key'; readonly data_keys: number }
  | { readonly state: 'no_data_key' }
  | { readonly state: 'ok'; readonly master_key_id: string; readonly data_key_id: string }

/**
 * Checks the key hierarchy without generating anything: a check must not create the
 * key file that `resolveMasterKey` would generate beside an SQLite database.
 */
export async function checkKeys(context: StoreContext, keys: readonly DataKeyStatus[]): Promise<KeyCheck> {
  const { config } = context
  const generatedFile = config.target.filename === undefined ? undefined : `${resolve(config.target.filename)}.key`
  const configured = process.env.ETLP_MASTER_KEY || config.security.master_key_file
  if (!configured && (generatedFile === undefined || !existsSync(generatedFile))) return { state: 'no_master_key', data_keys: keys.length }
  const current = keys.find((key) => key.status === 'current')
  if (!current) return { state: 'no_data_key' }
  const keyring = new Keyring(context)
  await keyring.key(current.id)
  return { state: 'ok', master_key_id: keyring.master().id, data_key_id: current.id }
}
