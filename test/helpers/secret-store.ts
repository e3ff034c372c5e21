import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { coreMigrations } from '../../src/migrations/index.js'
import type { Migration } from '../../src/migrations/migration.js'
import { secretsAndSchedules } from '../../src/migrations/0004-secrets-and-schedules.js'
import type { Store } from '../../src/store.js'
import type { EngineTarget } from './engines.js'

/**
 * The core migrations, or — while the jobs migration (0002) has not landed — the
 * foundation plus a minimal jobs table and 0004, so schedules have a job to point at.
 */
export function secretMigrations(): readonly Migration[] {
  if (coreMigrations.some((migration) => migration.name.startsWith('0002'))) return coreMigrations
  const jobsStandIn: Migration = {
    name: '0002_jobs_stand_in',
    up: ({ schema, table, types, adapter }) => [
      adapter
        .tableOptions(schema.createTable(table('jobs')).addColumn('id', types.uuid, (c) => c.primaryKey()))
        .compile(),
    ],
    down: ({ schema, table }) => [schema.dropTable(table('jobs')).compile()],
  }
  const foundation = coreMigrations.filter((migration) => migration.name < '0002')
  return [...foundation, jobsStandIn, secretsAndSchedules]
}

/** A new master key file (mode 0600) in the target's scratch directory. */
export function writeKeyFile(dir: string): { path: string; key: string } {
  const key = randomBytes(32).toString('base64')
  const path = join(dir, `master-${randomBytes(4).toString('hex')}.key`)
  writeFileSync(path, `${key}\n`, { mode: 0o600 })
  return { path, key }
}

/** A migrated store on the target, with its master key in `keyFile`. */
export async function openSecretStore(target: EngineTarget, keyFile: string, extra: Record<string, unknown> = {}): Promise<Store> {
  const store = await target.open({ security: { master_key_file: keyFile }, ...extra }, { migrations: secretMigrations() })
  await store.migrate()
  return store
}
