import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import { coreMigrations } from '../../src/migrations/index.js'
import type { Migration } from '../../src/migrations/migration.js'
import { secretsAndSchedules } from '../../src/migrations/0004-secrets-and-schedules.js'
import { Store } from '../../src/store.js'
import { uuidv7 } from '../../src/schema/ids.js'
import type { EngineTarget } from './engines.js'

/**
 * The core migrations with 0004 in place: while it (or the jobs migration 0002) is not
 * registered in coreMigrations yet, it is appended here, after a minimal jobs table if
 * 0002 is missing too, so schedules have a job to point at.
 */
export function secretMigrations(): readonly Migration[] {
  if (coreMigrations.some((migration) => migration.name.startsWith('0004'))) return coreMigrations
  const before = coreMigrations.filter((migration) => migration.name < '0004')
  return hasJobsMigration() ? [...before, secretsAndSchedules] : [...before, jobsStandIn, secretsAndSchedules]
}

function hasJobsMigration(): boolean {
  return coreMigrations.some((migration) => migration.name.startsWith('0002'))
}

const jobsStandIn: Migration = {
  name: '0002_jobs_stand_in',
  up: ({ schema, table, types, adapter }) => [
    adapter.tableOptions(schema.createTable(table('jobs')).addColumn('id', types.uuid, (c) => c.primaryKey())).compile(),
  ],
  down: ({ schema, table }) => [schema.dropTable(table('jobs')).compile()],
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

/** A job for schedules to point at: through `store.jobs` once it exists, else a bare row. */
export async function createJob(store: Store, name: string): Promise<string> {
  const jobs = (store as unknown as { jobs?: { create(config: unknown): Promise<{ id: string }> } }).jobs
  if (jobs !== undefined) {
    const job = await jobs.create({
      name,
      strategy_type: 'row',
      components: [
        { comp_type: 'read_csv', name: 'read', filepath: 'in.csv', routes: { out: ['write'] } },
        { comp_type: 'write_csv', name: 'write', filepath: 'out.csv' },
      ],
    })
    return job.id
  }
  // No job repository yet: a bare row (the columns of 0002, or the stand-in's id only).
  const id = uuidv7()
  const { db, adapter } = Store.context(store)
  const now = adapter.encodeTimestamp(new Date())
  const row = hasJobsMigration()
    ? {
        id,
        name,
        strategy_type: 'row',
        num_of_retries: 0,
        file_logging: adapter.encodeBoolean(false),
        current_version: 1,
        content_hash: '0'.repeat(64),
        component_count: 0,
        created_at: now,
        updated_at: now,
      }
    : { id }
  // The stand-in jobs table holds only `id`, a shape CoreDatabase's jobs does not describe.
  const untyped: Kysely<any> = db
  await untyped.insertInto('jobs').values(row).execute()
  return id
}
