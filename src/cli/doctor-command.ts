import type { Command } from 'commander'
import { AccessDeniedError, SecretDecryptionError, isPersistenceError, type Store } from '../index.js'
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
  const database = await store.diagnostics()
  const checks: DoctorCheck[] = [
    { check: 'reachable', state: 'ok', detail: `${database.engine} ${database.server_version}, round trip ${database.round_trip_ms.toFixed(1)} ms` },
  ]

  const status = await store.migrator.status()
  const pending = status.filter((entry) => entry.state === 'pending').map((entry) => entry.name)
  checks.push(
    pending.length === 0
      ? { check: 'migrations', state: 'ok', detail: `${status.length} applied` }
      : { check: 'migrations', state: 'fail', detail: `pending: ${pending.join(', ')} (run etlp migrate up)` },
  )
  if (pending.length === 0) checks.push(await encryptionCheck(store))

  const config = store.toJSON().database
  if (database.engine === 'sqlite') {
    const wal = database.wal_bytes === null ? '' : `, log ${(database.wal_bytes / 1024 / 1024).toFixed(1)} MB`
    checks.push({
      check: 'sqlite journal',
      state: database.journal_mode === 'wal' || database.in_memory ? 'ok' : 'warn',
      detail: `journal_mode=${database.journal_mode}, busy_timeout=${database.busy_timeout_ms} ms, wal_checkpoint_mb=${config.wal_checkpoint_mb}${wal}`,
    })
    checks.push({
      check: 'sqlite vacuum',
      state: database.auto_vacuum === 'incremental' ? 'ok' : 'warn',
      detail:
        database.auto_vacuum === 'incremental'
          ? 'auto_vacuum=incremental: purges give space back'
          : `auto_vacuum=${database.auto_vacuum}: run VACUUM once to let purges give space back`,
    })
  } else {
    const most = config.pool_size + config.max_overflow
    checks.push({
      check: 'pool',
      state: config.pool_timeout < 1 || most > database.max_connections ? 'warn' : 'ok',
      detail: `up to ${most} connections (pool_size ${config.pool_size} + max_overflow ${config.max_overflow}) of the server's max_connections ${database.max_connections}, pool_timeout ${config.pool_timeout} s, pool_recycle ${config.pool_recycle} s`,
    })
  }
  return checks
}

/** The master key is there and unwraps the current data key; nothing is generated here. */
async function encryptionCheck(store: Store): Promise<DoctorCheck> {
  try {
    const keys = await store.keys.check()
    switch (keys.state) {
      case 'no_master_key':
        return keys.data_keys === 0
          ? { check: 'encryption key', state: 'ok', detail: 'no secrets yet; a key is needed before the first one' }
          : {
              check: 'encryption key',
              state: 'fail',
              detail: 'secrets are stored but no master key is configured (ETLP_MASTER_KEY or security.master_key_file)',
            }
      case 'no_data_key':
        return { check: 'encryption key', state: 'ok', detail: 'master key present; no data key yet' }
      case 'ok':
        return { check: 'encryption key', state: 'ok', detail: `master key ${keys.master_key_id} unwraps data key ${keys.data_key_id}` }
    }
  } catch (error) {
    // A principal without `keys:read` is refused, as by any other command; a key that does not unwrap is a failed check.
    if (error instanceof AccessDeniedError && !(error instanceof SecretDecryptionError)) throw error
    return { check: 'encryption key', state: 'fail', detail: isPersistenceError(error) ? error.message : String(error) }
  }
}

function renderChecks(checks: readonly DoctorCheck[]): string {
  const marks = { ok: colour('ok', 'green'), warn: colour('warn', 'yellow'), fail: colour('FAIL', 'red') }
  return formatTable(checks, [
    { header: 'CHECK', value: (check) => check.check },
    { header: 'STATE', value: (check) => marks[check.state] },
    { header: 'DETAIL', value: (check) => check.detail },
  ])
}
