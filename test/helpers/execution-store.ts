import { executionMetadata } from '../../src/migrations/0003-execution-metadata.js'
import { coreMigrations } from '../../src/migrations/index.js'
import type { Migration } from '../../src/migrations/migration.js'
import { uuidv7 } from '../../src/schema/ids.js'
import { Store } from '../../src/store.js'
import type { EngineTarget } from './engines.js'

/**
 * Stand-in for the jobs migration until 0002 is registered: the same SQL as
 * test/fixtures/execution-migrations.mjs builds for child processes (same checksum).
 */
const jobsStandIn: Migration = {
  name: '0002_job_configuration',
  up: ({ schema, table, types, adapter }) => [
    adapter
      .tableOptions(
        schema
          .createTable(table('jobs'))
          .addColumn('id', types.uuid, (c) => c.primaryKey())
          .addColumn('name', types.string(200), (c) => c.notNull().unique())
          .addColumn('current_version', 'integer', (c) => c.notNull())
          .addColumn('num_of_retries', 'integer', (c) => c.notNull()),
      )
      .compile(),
  ],
  down: ({ schema, table }) => [schema.dropTable(table('jobs')).compile()],
}

export const jobsMigrationRegistered = coreMigrations.some((m) => m.name.startsWith('0002_'))

export function executionMigrations(): readonly Migration[] {
  if (coreMigrations.some((m) => m.name === executionMetadata.name)) return coreMigrations
  const before = coreMigrations.filter((m) => m.name < '0003')
  const after = coreMigrations.filter((m) => m.name > '0003')
  return [...before, ...(jobsMigrationRegistered ? [] : [jobsStandIn]), executionMetadata, ...after]
}

/** A migrated store with the execution tables. */
export async function openExecutionStore(target: EngineTarget, extra: Parameters<EngineTarget['open']>[0] = {}): Promise<Store> {
  const store = await target.open(extra, { migrations: executionMigrations() })
  await store.migrate()
  return store
}

let jobCounter = 0

/** Creates a job to run; through the jobs repository once it exists, else a bare row. */
export async function createJob(store: Store, numOfRetries = 0): Promise<string> {
  const name = `job_${process.pid}_${++jobCounter}_${uuidv7().slice(-6)}`
  const jobs = (store as unknown as { jobs?: { create(config: unknown): Promise<{ id: string }> } }).jobs
  if (jobsMigrationRegistered && jobs) {
    const job = await jobs.create({
      name,
      strategy_type: 'row',
      num_of_retries: numOfRetries,
      components: [{ comp_type: 'read_csv', name: 'read', filepath: 'in.csv' }],
    })
    return job.id
  }
  const id = uuidv7()
  const context = Store.context(store)
  await context.db.insertInto(context.table('jobs')).values({ id, name, current_version: 1, num_of_retries: numOfRetries }).execute()
  return id
}
