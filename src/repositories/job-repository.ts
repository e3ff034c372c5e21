import { sql } from 'kysely'
import type { DialectAdapter } from '../db/dialect-adapter.js'
import { prepare, prepareInsert } from '../db/speed/prepared-statement.js'
import { ConflictError, ConstraintError, NotFoundError, type ValidationIssue } from '../errors.js'
import { listQuery } from '../query/list-query.js'
import type { ListResult } from '../query/query-schema.js'
import { defaultComponentTypes } from '../schema/builtin-component-types.js'
import { canonicalJson, sha256Hex } from '../schema/canonical-json.js'
import type { ComponentTypeRegistry } from '../schema/component-type-registry.js'
import { uuidv7 } from '../schema/ids.js'
import { validateJobConfig, type ValidatedJob } from '../schema/job-graph-validation.js'
import type { StoreContext } from '../store-context.js'
import { jobsTable } from '../tables/job-tables.js'
import { cacheFor, type JobGraphCache } from './job-cache.js'
import { deleteGraph, insertGraph, loadComponents, loadLinks } from './job-graph-store.js'
import { exportCurrent, insertVersion, listVersions, readVersion } from './job-versions.js'
import { decodeJobHeader, jobQueryEntity, type Component, type ComponentLink, type JobHeader, type JobVersion, type JobVersionSummary } from './job-rows.js'

/** A job with its relations: loaded when `include` asked for them, otherwise loadable on demand. */
export interface Job extends JobHeader {
  readonly components?: readonly Component[]
  readonly links?: readonly ComponentLink[]
  loadComponents(): Promise<readonly Component[]>
  loadLinks(): Promise<readonly ComponentLink[]>
}

/** What `create` and `update` return: the job, and the warnings of its config. */
export interface SavedJob extends Job {
  /**
   * Keys of the config that no schema declares, each with its path and, for a near miss
   * of a known key, the key it may mean. They are kept as given (an export gives them
   * back) and not used; with `jobs.strict: true` they are refused instead.
   */
  readonly warnings: readonly ValidationIssue[]
}

export interface GetJobOptions {
  /** Eager loading: one statement per relation, whatever the number of components. */
  readonly include?: { readonly components?: boolean; readonly links?: boolean }
}

export interface SaveJobOptions {
  /** Recorded as created_by / updated_by. */
  readonly actor?: string
}

export interface UpdateJobOptions extends SaveJobOptions {
  /** Fails with `conflict` unless the job is still at this version. */
  readonly expectedVersion?: number
}

export interface DeleteJobOptions {
  /** Also delete the job's execution history (with the repository's `deleteHistory`). */
  readonly force?: boolean
}

/**
 * Deletes a job's execution history. `jobs.delete(id, {force: true})` calls it inside
 * the deleting transaction (its `context`), before the job row goes. @internal
 */
export type JobHistoryDeleter = (context: StoreContext, jobId: string) => Promise<void>

/** @internal */
export interface JobRepositoryOptions {
  /** The component types configs are validated against. */
  readonly registry?: ComponentTypeRegistry
  /**
   * What `delete(id, {force: true})` removes the job's history with: the store passes the
   * executions' (execution-purge.ts). Without it, forcing deletes nothing more, and a job
   * with history is still refused by its foreign keys.
   */
  readonly deleteHistory?: JobHistoryDeleter
}

/**
 * Job configurations: validated graphs, immutable content-hashed versions, the current
 * graph as component and link rows (`store.jobs`).
 */
export class JobRepository {
  readonly #context: StoreContext
  readonly #registry: ComponentTypeRegistry
  readonly #cache: JobGraphCache
  readonly #deleteHistory: JobHistoryDeleter | undefined

  constructor(context: StoreContext, options: JobRepositoryOptions = {}) {
    this.#context = context
    this.#registry = options.registry ?? defaultComponentTypes
    this.#deleteHistory = options.deleteHistory
    this.#cache = cacheFor(context.config)
  }

  /**
   * Validates and saves a new job (version 1) in one transaction. The config is kept as
   * given (an export gives it back); keys no schema declares come back as `warnings`.
   * Names need not be unique.
   * @example
   * const job = await store.jobs.create(JSON.parse(readFileSync('orders_daily.json', 'utf8')))
   * for (const { path, message } of job.warnings) console.warn(`${path}: ${message}`)
   */
  create(config: unknown, options: SaveJobOptions = {}): Promise<SavedJob> {
    return this.#create(config, uuidv7(), this.#context.now(), options.actor)
  }

  /**
   * `create` under an id and creation time from elsewhere (an etl-core import keeps its
   * job's). Static, so no repository instance, and so no `store.jobs`, offers it.
   * @internal
   */
  static createImported(repository: JobRepository, config: unknown, imported: { readonly id: string; readonly at: Date }): Promise<SavedJob> {
    return repository.#create(config, imported.id, imported.at, undefined)
  }

  async #create(config: unknown, id: string, now: Date, actor: string | undefined): Promise<SavedJob> {
    const validated = this.#validate(config)
    const canonical = canonicalJson(config)
    const hash = sha256Hex(canonical)
    const { adapter } = this.#context
    const row = {
      id,
      ...headerColumns(adapter, validated),
      current_version: 1,
      content_hash: hash,
      created_at: adapter.encodeTimestamp(now),
      updated_at: adapter.encodeTimestamp(now),
      created_by: actor ?? null,
      updated_by: actor ?? null,
    }
    await this.#context.transaction(async (context) => {
      await insertJob.run(context, row)
      await insertVersion(context, id, 1, hash, canonical, now, actor)
      await insertGraph(context, id, validated)
    })
    // What was just written, decoded as a read would decode it.
    return { ...(await this.#withRelations(decodeJobHeader(adapter, row), {})), warnings: validated.warnings }
  }

  /** The job's header; with `include`, its components and/or links too (at most 3 statements). */
  async get(id: string, options: GetJobOptions = {}): Promise<Job> {
    const row = await jobById.first(this.#context, { id })
    if (!row) throw new NotFoundError(`Job ${id} not found`, { tableName: this.#context.table('jobs') })
    return this.#withRelations(decodeJobHeader(this.#context.adapter, row), options)
  }

  /**
   * The job of that name. Names need not be unique (the origin's are not): when several
   * jobs share it, this is a `conflict` that lists their ids, and `get(id)` picks one.
   */
  async getByName(name: string, options: GetJobOptions = {}): Promise<Job> {
    const rows = await jobsByName.rows(this.#context, { name })
    const tableName = this.#context.table('jobs')
    const [row, other] = rows
    if (!row) throw new NotFoundError(`Job named ${JSON.stringify(name)} not found`, { tableName })
    if (other) {
      const ids = rows.map((found) => String(found.id)).sort()
      throw new ConflictError(`${ids.length} jobs are named ${JSON.stringify(name)} (${ids.join(', ')}): use an id`, { tableName })
    }
    return this.#withRelations(decodeJobHeader(this.#context.adapter, row), options)
  }

  /**
   * Saves a new version. An identical config (same canonical JSON) makes no new version.
   * With `expectedVersion`, a job that has moved on is a `conflict` and nothing is written.
   */
  async update(id: string, config: unknown, options: UpdateJobOptions = {}): Promise<SavedJob> {
    const validated = this.#validate(config)
    const canonical = canonicalJson(config)
    const hash = sha256Hex(canonical)
    const now = this.#context.now()
    const { adapter } = this.#context
    await this.#context.transaction(async (context) => {
      const tableName = context.table('jobs')
      const current = await context.db.selectFrom('jobs').select(['current_version', 'content_hash']).where('id', '=', id).executeTakeFirst()
      if (!current) throw new NotFoundError(`Job ${id} not found`, { tableName })
      const { expectedVersion } = options
      if (expectedVersion !== undefined && expectedVersion !== Number(current.current_version)) {
        throw stale(id, expectedVersion, Number(current.current_version))
      }
      if (current.content_hash === hash) return
      // The UPDATE comes before the new version is known: it takes the row lock and bumps the
      // latest committed version, so concurrent writers queue up instead of both reading N.
      // With expectedVersion the check is part of the UPDATE, so only one of them can win.
      let update = context.db
        .updateTable('jobs')
        .set({
          ...headerColumns(adapter, validated),
          current_version: sql`current_version + 1`,
          content_hash: hash,
          updated_at: adapter.encodeTimestamp(now),
          updated_by: options.actor ?? null,
        })
        .where('id', '=', id)
      if (expectedVersion !== undefined) update = update.where('current_version', '=', expectedVersion)
      const result = await update.executeTakeFirst()
      if (Number(result.numUpdatedRows) !== 1) {
        if (expectedVersion !== undefined) throw stale(id, expectedVersion, undefined)
        throw new NotFoundError(`Job ${id} not found`, { tableName })
      }
      // Our own uncommitted write is visible to us on every engine and isolation level.
      const bumped = await context.db.selectFrom('jobs').select('current_version').where('id', '=', id).executeTakeFirstOrThrow()
      await insertVersion(context, id, Number(bumped.current_version), hash, canonical, now, options.actor)
      await deleteGraph(context, id)
      await insertGraph(context, id, validated)
    })
    this.#cache.invalidate(id)
    return { ...(await this.get(id)), warnings: validated.warnings }
  }

  /**
   * Deletes a job with its versions and graph. A job with execution history needs
   * `{force: true}`, which deletes the history too.
   */
  async delete(id: string, options: DeleteJobOptions = {}): Promise<void> {
    const tableName = this.#context.table('jobs')
    try {
      await this.#context.transaction(async (context) => {
        if (options.force && this.#deleteHistory) await this.#deleteHistory(context, id)
        const result = await context.db.deleteFrom('jobs').where('id', '=', id).executeTakeFirst()
        if (Number(result.numDeletedRows) === 0) throw new NotFoundError(`Job ${id} not found`, { tableName })
      })
    } catch (error) {
      if (error instanceof ConstraintError && error.constraint_kind === 'foreign_key') {
        throw new ConflictError(`Job ${id} has execution history: delete it with {force: true} to remove the history too`, {
          tableName,
          cause: error,
        })
      }
      throw error
    } finally {
      this.#cache.invalidate(id)
    }
  }

  /** Lists job headers with the shared query language (columns: see `jobQueryEntity`). */
  list(query: unknown = {}): Promise<ListResult<Job>> {
    const { db, adapter } = this.#context
    return listQuery(this.#context, jobQueryEntity, query, {
      key: 'jobs',
      base: () => db.selectFrom('jobs').select(JOB_COLUMNS),
      decode: (row) => this.#withLoaders(decodeJobHeader(adapter, row)),
    })
  }

  /** Every version of a job, oldest first. */
  versions(id: string): Promise<JobVersionSummary[]> {
    return listVersions(this.#context, id)
  }

  getVersion(id: string, version: number): Promise<JobVersion> {
    return readVersion(this.#context, id, version)
  }

  /** The current version's config in the origin's JSON format (import → export → import is stable). */
  export(id: string): Promise<Record<string, unknown>> {
    return exportCurrent(this.#context, id)
  }

  #validate(config: unknown): ValidatedJob {
    return validateJobConfig(config, this.#registry, { strict: this.#context.config.jobs.strict })
  }

  async #withRelations(header: JobHeader, options: GetJobOptions): Promise<Job> {
    const job = this.#withLoaders(header)
    const { components = false, links = false } = options.include ?? {}
    if (!components && !links) return job
    const cached = this.#cache.get(header.id, header.current_version, header.content_hash)
    if (cached) return { ...job, ...(components ? { components: cached.components } : {}), ...(links ? { links: cached.links } : {}) }
    const [loadedComponents, loadedLinks] = await Promise.all([
      components || links ? loadComponents(this.#context, header.id) : [],
      links ? loadLinks(this.#context, header.id) : undefined,
    ])
    // Only a full graph read outside a transaction is cached: a transaction may still roll back.
    if (links && !this.#context.db.isTransaction) {
      const frozen = this.#cache.set(header.id, header.current_version, header.content_hash, { components: loadedComponents, links: loadedLinks ?? [] })
      return { ...job, ...(components ? { components: frozen.components } : {}), links: frozen.links }
    }
    return { ...job, ...(components ? { components: loadedComponents } : {}), ...(loadedLinks ? { links: loadedLinks } : {}) }
  }

  #withLoaders(header: JobHeader): Job {
    return {
      ...header,
      loadComponents: () => loadComponents(this.#context, header.id),
      loadLinks: () => loadLinks(this.#context, header.id),
    }
  }
}

function stale(id: string, expected: number, actual: number | undefined): ConflictError {
  const now = actual === undefined ? `was changed by another writer since version ${expected}` : `is at version ${actual}, not version ${expected}`
  return new ConflictError(`Job ${id} ${now}: reload it and apply the change again`)
}

/** The job row's columns that come from its config. */
function headerColumns(adapter: DialectAdapter, { config: parsed, components }: ValidatedJob) {
  return {
    name: parsed.name,
    description: parsed.description ?? null,
    strategy_type: parsed.strategy_type,
    num_of_retries: parsed.num_of_retries,
    file_logging: adapter.encodeBoolean(parsed.file_logging),
    tags: parsed.tags === undefined ? null : adapter.encodeJson(parsed.tags),
    component_count: components.length,
  }
}

const JOB_COLUMNS = jobsTable.columnNames
// Named columns, not `*`: PostgreSQL refuses a prepared `select *` once a later migration
// adds a column ("cached plan must not change result type").
const jobById = prepare<'id'>((t, value) => t.db.selectFrom('jobs').select(JOB_COLUMNS).where('id', '=', value('id')))
const jobsByName = prepare<'name'>((t, value) => t.db.selectFrom('jobs').select(JOB_COLUMNS).where('name', '=', value('name')))
const insertJob = prepareInsert('jobs', JOB_COLUMNS)
