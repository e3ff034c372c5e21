import type { Kysely } from 'kysely'
import { describeConfig, resolveConfig, type ResolvedConfig, type StoreConfigInput } from './config/store-config.js'
import { createAdapter, createDatabase } from './db/connect.js'
import { TablePrefixPlugin } from './db/table-prefix-plugin.js'
import { CORE_TABLES, type CoreDatabase } from './tables/core-database.js'
import type { DialectAdapter } from './db/dialect-adapter.js'
import type { DatabaseDiagnostics } from './db/adapter-diagnostics.js'
import { runInTransaction, type TransactionOptions } from './db/transaction.js'
import { ConstraintError } from './errors.js'
import { coreMigrations } from './migrations/index.js'
import type { Migration } from './migrations/migration.js'
import { Migrator, type MigrationResult } from './migrations/migrator.js'
import { uuidv7 } from './schema/ids.js'
import { ExecutionRepository } from './repositories/execution-repository.js'
import { deleteJobHistory } from './repositories/execution-purge.js'
import { JobRepository } from './repositories/job-repository.js'
import { JobStateRepository } from './repositories/job-state-repository.js'
import { ContextRepository } from './repositories/context-repository.js'
import { CredentialRepository } from './repositories/credential-repository.js'
import { ScheduleRepository } from './repositories/schedule-repository.js'
import { KeyManager } from './security/key-manager.js'
import { ModelRepository } from './models/model-repository.js'
import { AccessPolicy, SYSTEM_PRINCIPAL, type Principal } from './security/access-policy.js'
import { AuditRepository } from './security/audit-repository.js'
import { guardRepository } from './security/guarded-repository.js'
import { OPERATIONS, type GuardedRepositories } from './security/operation-table.js'
import { ApiTokenRepository } from './security/api-token-repository.js'
import { importOriginDatabase, type OriginImportOptions } from './origin/origin-import.js'
import type { OriginImportReport } from './origin/origin-import-report.js'

import type { StoreContext } from './store-context.js'

export type { StoreContext } from './store-context.js'

/** Shared by a store and every transaction-bound copy of it. */
interface StoreCore {
  readonly root: Kysely<CoreDatabase>
  readonly adapter: DialectAdapter
  readonly config: ResolvedConfig
  readonly migrator: Migrator
  readonly policy: AccessPolicy
}

/** The caller of a store with access control on and no principal given: may do nothing. */
const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous', roles: Object.freeze([]) })

export interface OpenStoreOptions {
  /** Replaces the core migrations (tests of the migrator use this). @internal */
  readonly migrations?: readonly Migration[]
}

/**
 * Opens a store: a config object, a path to a JSON config file, or nothing (the
 * embedded SQLite default, `sqlite://./.etlp/etl.db`). Checks that the database is
 * reachable and that its migrations match this code; call `migrate()` to apply them.
 *
 * @example
 * const store = await openStore({ database: { url: 'postgres://localhost/etl' } })
 * await store.migrate()
 */
export async function openStore(config?: StoreConfigInput | string, options: OpenStoreOptions = {}): Promise<Store> {
  const resolved = resolveConfig(config)
  const adapter = createAdapter(resolved)
  const root = createDatabase<CoreDatabase>(resolved, adapter, [new TablePrefixPlugin(resolved.database.table_prefix, CORE_TABLES.keys())])
  const migrator = new Migrator(root, adapter, options.migrations ?? coreMigrations, resolved.database.table_prefix)
  try {
    await adapter.initialize(root)
    await migrator.verify()
  } catch (error) {
    await root.destroy().catch(() => {})
    throw error
  }
  const policy = new AccessPolicy(resolved.accessControl)
  const principal = policy.enabled ? ANONYMOUS : SYSTEM_PRINCIPAL
  return new Store({ root, adapter, config: resolved, migrator, policy }, root, principal)
}

export class Store {
  readonly #core: StoreCore
  readonly #context: StoreContext
  readonly #repositories = new Map<string, unknown>()
  readonly #principal: Principal

  /** @internal use `openStore` */
  constructor(core: StoreCore, executor: Kysely<CoreDatabase>, principal: Principal) {
    this.#core = core
    this.#context = bindContext(core, executor)
    this.#principal = principal
  }

  /**
   * The same store, with every call checked against `principal`'s roles and audited
   * under its id. A refused call throws `access_denied` and writes a `denied` audit row.
   *
   * @example
   * await store.as({ id: 'ana', roles: ['operator'] }).executions.start({ jobId, environment: 'DEV' })
   */
  as(principal: Principal): Store {
    return new Store(this.#core, this.#context.db, this.#core.policy.validatePrincipal(principal))
  }

  /** Who this store acts as: `system` without access control. */
  get principal(): Principal {
    return this.#principal
  }

  /** The tamper-evident audit trail: `list`, `verify`, `head`. */
  get audit(): AuditRepository {
    return this.repository('audit', (context) => new AuditRepository(context))
  }

  /** The context repositories are built on (tests and internal tooling). @internal */
  static context(store: Store): StoreContext {
    return store.#context
  }

  /** `sqlite`, `postgres` or `mysql`. */
  get engine(): DialectAdapter['engine'] {
    return this.#core.adapter.engine
  }

  /**
   * What the database reports about itself: its version, one round trip's time, and the
   * settings `etlp doctor` checks (SQLite's journal mode and log size, a server's
   * connection limit).
   */
  diagnostics(): Promise<DatabaseDiagnostics> {
    return this.#core.adapter.diagnostics(this.#context.db)
  }

  /** Job configurations: validated graphs, immutable versions, import/export. */
  get jobs(): JobRepository {
    // `jobs.delete(id, {force: true})` removes the job's execution history first, in its transaction.
    return this.repository('jobs', (context) => new JobRepository(context, { deleteHistory: deleteJobHistory }))
  }

  /** Database credentials; passwords stored only encrypted. */
  get credentials(): CredentialRepository {
    return this.repository('credentials', (context) => new CredentialRepository(context))
  }

  /** Contexts: parameters (secure ones encrypted) and credentials per environment. */
  get contexts(): ContextRepository {
    return this.repository('contexts', (context) => new ContextRepository(context))
  }

  /** Schedules of jobs; `due(now)` hands each occurrence to exactly one scheduler. */
  get schedules(): ScheduleRepository {
    return this.repository('schedules', (context) => new ScheduleRepository(context))
  }

  /** Envelope-encryption keys and their rotation. */
  get keys(): KeyManager {
    return this.repository('keys', (context) => new KeyManager(context))
  }

  /** Executions, attempts, component runs, events; claiming, stats and retention. */
  get executions(): ExecutionRepository {
    return this.repository('executions', (context) => new ExecutionRepository(context))
  }

  /** Durable per-job key → JSON values, published atomically with an attempt's success. */
  get state(): JobStateRepository {
    return this.repository('state', (context) => new JobStateRepository(context))
  }

  /** Declarative models: users' own tables from a JSON model configuration, and their records. */
  get models(): ModelRepository {
    return this.repository('models', (context) => new ModelRepository(context))
  }

  /** API tokens for the HTTP server: created once in clear, stored as hashes, revocable. */
  get tokens(): ApiTokenRepository {
    return this.repository('tokens', (context) => new ApiTokenRepository(context))
  }

  get migrator(): Migrator {
    return this.#core.migrator
  }

  /** Applies every pending migration; safe to call from several processes at once. */
  async migrate(): Promise<MigrationResult[]> {
    const results = await this.#core.migrator.up()
    await this.#ensureStoreId()
    return results
  }

  /**
   * Copies an etl-core database (its SQLite file) into this store: jobs with their
   * graphs, contexts, credentials, schedules, executions and attempts, ids and times
   * kept, one transaction per job. Running it again imports nothing twice. Rows it
   * cannot take are in `report.errors`, each naming its table and id; passwords etl-core
   * kept outside its database are in `report.missing_secrets`. Needs the five `*:write`
   * permissions in every environment.
   *
   * @example
   * const report = await store.importOrigin('./etl_core.db', { timeZone: 'Europe/Berlin' })
   */
  importOrigin(path: string, options?: OriginImportOptions): Promise<OriginImportReport> {
    return importOriginDatabase(this.#context, path, options, { principal: this.#principal, policy: this.#core.policy })
  }

  /**
   * Runs `work` atomically with repositories bound to the transaction. Inside a
   * transaction it uses a savepoint. A retryable `transaction_error` runs `work` again
   * from the start, up to `retries` times.
   */
  transaction<T>(work: (tx: Store) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return runInTransaction(this.#context.db, (trx) => work(new Store(this.#core, trx, this.#principal)), options)
  }

  /** The configuration as it may be shown: the password is masked. */
  toJSON(): { engine: string; database: ReturnType<typeof describeConfig>['database'] } {
    return { engine: this.engine, ...describeConfig(this.#core.config) }
  }

  async close(): Promise<void> {
    await this.#core.root.destroy()
  }

  /** The id this store was given when first migrated. */
  async storeId(): Promise<string | undefined> {
    const row = await this.#context.db.selectFrom('store_info').select('value').where('key', '=', 'store_id').executeTakeFirst()
    return row?.value as string | undefined
  }

  /**
   * One repository instance per store (and per transaction), guarded: every call is
   * checked against the principal and every change audited (security/operation-table.ts).
   * @internal
   */
  protected repository<K extends keyof GuardedRepositories>(key: K, create: (context: StoreContext) => GuardedRepositories[K]): GuardedRepositories[K] {
    let repository = this.#repositories.get(key) as GuardedRepositories[K] | undefined
    if (repository === undefined) {
      repository = guardRepository(key, create(this.#context), OPERATIONS[key], {
        principal: this.#principal,
        policy: this.#core.policy,
        auditExecutions: this.#core.config.audit.executions,
        context: this.#context,
        create,
      })
      this.#repositories.set(key, repository)
    }
    return repository
  }

  async #ensureStoreId(): Promise<void> {
    const { adapter, db, table } = this.#context
    if (!(await adapter.tableExists(db, table('store_info')))) return
    if ((await this.storeId()) !== undefined) return
    try {
      await this.#context.db
        .insertInto('store_info')
        .values({ key: 'store_id', value: uuidv7(), updated_at: this.#core.adapter.encodeTimestamp(this.#context.now()) })
        .execute()
    } catch (error) {
      // Another process migrating at the same time got there first.
      if (!(error instanceof ConstraintError && error.constraint_kind === 'unique')) throw error
    }
  }
}

function bindContext(core: StoreCore, db: Kysely<CoreDatabase>): StoreContext {
  const prefix = core.config.database.table_prefix
  return {
    db,
    adapter: core.adapter,
    config: core.config,
    table: (name) => `${prefix}${name}`,
    now: core.config.clock,
    transaction: (work, options) => runInTransaction(db, (trx) => work(bindContext(core, trx)), options),
  }
}
