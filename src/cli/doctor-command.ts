import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { sql, type Kysely } from 'kysely'
import { isPersistenceError } from '../errors.js'
import { Keyring } from '../security/keyring.js'
import { Store } from '../store.js'
import { colour, emit, formatTable } from './output.js'
import { withStore } from './runtime.js'

export type CheckState = 'ok' | 'warn' | 'fail'

export interface DoctorCheck {
  readonly check: string
  readonly state: CheckState
  readonly detail: string
}

/** `etlp doctor`: is this store reachable, migrated, able to decrypt, and configured sensibly? */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check reachability, migrations, the encryption key, SQLite modes and pool settings (exit 1 on a failure)')
    .addHelpText('after', '\nExamples:\n  etlp doctor\n  etlp --database-url postgres://localhost/etl doctor --json')
    .action(async (_options, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const checks = await runChecks(store)
        emit(json === true, { ok: checks.every((check) => check.state !== 'fail'), checks }, () => renderChecks(checks))
        if (checks.some((check) => check.state === 'fail')) process.exitCode = 1
      })
    })
}

export async function runChecks(store: Store): Promise<DoctorCheck[]> {
  const context = Store.context(store)
  const checks: DoctorCheck[] = []
  const started = performance.now()
  await sql`select 1 as one`.execute(context.db)
  checks.push({ check: 'reachable', state: 'ok', detail: `${store.engine}, round trip ${(performance.now() - started).toFixed(1)} ms` })

  const status = await store.migrator.status()
  const pending = status.filter((entry) => entry.state === 'pending').map((entry) => entry.name)
  checks.push(
    pending.length === 0
      ? { check: 'migrations', state: 'ok', detail: `${status.length} applied` }
      : { check: 'migrations', state: 'fail', detail: `pending: ${pending.join(', ')} (run etlp migrate up)` },
  )
  if (pending.length === 0) checks.push(await encryptionCheck(store))

  const { database } = context.config
  if (store.engine === 'sqlite') {
    const journal = await pragma(context.db, 'journal_mode')
    const vacuum = await pragma(context.db, 'auto_vacuum')
    checks.push({
      check: 'sqlite journal',
      state: journal === 'wal' || context.config.target.filename === ':memory:' ? 'ok' : 'warn',
      detail: `journal_mode=${journal}, busy_timeout=${database.busy_timeout} ms, wal_checkpoint_mb=${database.wal_checkpoint_mb}`,
    })
    checks.push({
      check: 'sqlite vacuum',
      state: vacuum === '2' ? 'ok' : 'warn',
      detail: vacuum === '2' ? 'auto_vacuum=incremental: purges give space back' : `auto_vacuum=${vacuum}: run VACUUM once to let purges give space back`,
    })
  } else {
    const most = database.pool_size + database.max_overflow
    checks.push({
      check: 'pool',
      state: database.pool_timeout < 1 ? 'warn' : 'ok',
      detail: `up to ${most} connections (pool_size ${database.pool_size} + max_overflow ${database.max_overflow}), pool_timeout ${database.pool_timeout} s, pool_recycle ${database.pool_recycle} s`,
    })
  }
  return checks
}

/** The master key is there and unwraps the current data key; nothing is generated here. */
async function encryptionCheck(store: Store): Promise<DoctorCheck> {
  const context = Store.context(store)
  const { config } = context
  const configured = process.env.ETLP_MASTER_KEY || config.security.master_key_file
  const generatedFile = config.target.filename === undefined ? undefined : `${resolve(config.target.filename)}.key`
  const keys = await store.keys.list()
  if (!configured && (generatedFile === undefined || !existsSync(generatedFile))) {
    if (keys.length === 0) return { check: 'encryption key', state: 'ok', detail: 'no secrets yet; a key is needed before the first one' }
    return { check: 'encryption key', state: 'fail', detail: 'secrets are stored but no master key is configured (ETLP_MASTER_KEY or security.master_key_file)' }
  }
  const current = keys.find((key) => key.status === 'current')
  if (!current) return { check: 'encryption key', state: 'ok', detail: 'master key present; no data key yet' }
  try {
    const keyring = new Keyring(context)
    await keyring.key(current.id)
    return { check: 'encryption key', state: 'ok', detail: `master key ${keyring.master().id} unwraps data key ${current.id}` }
  } catch (error) {
    return { check: 'encryption key', state: 'fail', detail: isPersistenceError(error) ? error.message : String(error) }
  }
}

async function pragma(db: Kysely<any>, name: 'journal_mode' | 'auto_vacuum'): Promise<string> {
  const { rows } = await sql<Record<string, unknown>>`pragma ${sql.raw(name)}`.execute(db)
  return String(Object.values(rows[0] ?? {})[0] ?? '')
}

function renderChecks(checks: readonly DoctorCheck[]): string {
  const marks = { ok: colour('ok', 'green'), warn: colour('warn', 'yellow'), fail: colour('FAIL', 'red') }
  return formatTable(checks, [
    { header: 'CHECK', value: (check) => check.check },
    { header: 'STATE', value: (check) => marks[check.state] },
    { header: 'DETAIL', value: (check) => check.detail },
  ])
}
