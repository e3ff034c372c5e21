import { createHash, randomBytes } from 'node:crypto'
import { existsSync, linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { ResolvedConfig } from '../config/store-config.js'
import { ValidationError } from '../errors.js'
import { KEY_BYTES } from './aes-gcm.js'
import { MissingMasterKeyError } from './secret-errors.js'

/** Where a master key came from; a generated file is the one rotation may replace. */
export type MasterKeySource = 'env' | 'file' | 'generated' | 'ephemeral' | 'given'

/** A master key: wraps data keys, never stored in the database. */
export interface MasterKey {
  /** `mk_` + a hash prefix: names the key in the database and in errors, reveals nothing. */
  readonly id: string
  readonly key: Buffer
  readonly source: MasterKeySource
  /** The file it was read from (`file`, `generated`). */
  readonly path?: string
}

export function masterKeyId(key: Buffer): string {
  return `mk_${createHash('sha256').update('etlp-master-key-id').update(key).digest('hex').slice(0, 16)}`
}

/** Reads the base64 of 32 bytes; the message never contains the text itself. */
export function parseMasterKey(text: string, source: MasterKeySource, path: string, file?: string): MasterKey {
  const trimmed = text.trim()
  const key = Buffer.from(trimmed, 'base64')
  if (key.length !== KEY_BYTES || !/^[A-Za-z0-9+/]+=*$/.test(trimmed)) {
    throw new ValidationError([{ path, message: 'A master key must be the base64 of exactly 32 bytes' }])
  }
  return { id: masterKeyId(key), key, source, ...(file === undefined ? {} : { path: file }) }
}

export function generateMasterKey(): Buffer {
  return randomBytes(KEY_BYTES)
}

/**
 * The master key for a store: `ETLP_MASTER_KEY`, else `security.master_key_file`, else
 * (embedded SQLite only) a key file beside the database, generated with mode 0600 and a
 * warning on first use. PostgreSQL and MySQL never generate one: `MissingMasterKeyError`.
 */
export function resolveMasterKey(config: ResolvedConfig, env: NodeJS.ProcessEnv = process.env): MasterKey {
  const fromEnv = env.ETLP_MASTER_KEY
  if (fromEnv) return parseMasterKey(fromEnv, 'env', 'ETLP_MASTER_KEY')
  const file = config.security.master_key_file
  if (file !== undefined) return readMasterKeyFile(resolve(file), 'file')
  const filename = config.target.filename
  if (filename === undefined) throw new MissingMasterKeyError()
  if (filename === ':memory:') {
    const key = generateMasterKey()
    return { id: masterKeyId(key), key, source: 'ephemeral' }
  }
  const path = `${resolve(filename)}.key`
  if (existsSync(path)) return readMasterKeyFile(path, 'generated')
  if (createMasterKeyFile(path, generateMasterKey())) {
    process.stderr.write(
      `etlp: warning: no master key configured; generated ${path} (mode 0600). ` + 'Back it up: the secrets in this database cannot be read without it.\n',
    )
  }
  return readMasterKeyFile(path, 'generated')
}

export function readMasterKeyFile(path: string, source: MasterKeySource = 'file'): MasterKey {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ValidationError([{ path: 'security.master_key_file', message: `Cannot read the master key file ${path}` }], {
      cause: error,
    })
  }
  return parseMasterKey(text, source, 'security.master_key_file', path)
}

/**
 * Writes a new key file with mode 0600 unless one exists (false then). The key is
 * complete before the name appears, so a concurrent reader never sees half a key.
 */
export function createMasterKeyFile(path: string, key: Buffer): boolean {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  writeFileSync(temporary, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
  try {
    linkSync(temporary, path)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    unlinkSync(temporary)
  }
}

/** Replaces a key file atomically (rotation of a generated key). */
export function replaceMasterKeyFile(path: string, key: Buffer): void {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  writeFileSync(temporary, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
  renameSync(temporary, path)
}
