import type { CompiledQuery } from 'kysely'
import { createSchemaDialect, type SchemaDialect } from '../db/schema-dialect.js'
import { migrationLockKey } from '../migrations/migrator.js'
import { ConflictError, MigrationError, NotFoundError, PersistenceError, ValidationError, type ValidationIssue } from '../errors.js'
import type { StoreContext } from '../store-context.js'
import { modelDatabase, type DdlContext, type ModelDatabase } from './model-ddl.js'
import { definitionChecksum, resolveModelConfig, type ModelDefinition } from './model-definition.js'
import { planModels, type ChangeKind, type DataCheck, type ModelPlan, type RecordedModel } from './model-planner.js'
import { RecordRepository } from './record-repository.js'

export interface PlannedModelChange {
  readonly model: string
  readonly kind: ChangeKind
  readonly field?: string
  readonly destructive: boolean
  readonly description: string
  /** The SQL with placeholders, exactly as `define` runs it. */
  readonly sql: readonly string[]
}

export interface ModelPlanResult {
  readonly changes: readonly PlannedModelChange[]
  /** Every statement in the order `define` runs them. */
  readonly sql: readonly string[]
  readonly destructive: boolean
}

export interface DefineResult extends ModelPlanResult {
  /** The definition versions recorded by this call (`definition: null` for a dropped model). */
  readonly versions: ReadonlyArray<{ readonly model: string; readonly version: number; readonly dropped: boolean }>
}

export interface DefineOptions {
  /** Allow drops and narrowing changes; they are checked against the data first. */
  readonly allowDestructive?: boolean
}

interface DefinitionRow {
  readonly model: string
  readonly version: number
  readonly checksum: string
  readonly definition: unknown
}

/**
 * Declarative models (DESIGN §2, §6): users' own tables from the seed's JSON model
 * configuration. `plan` diffs the declaration against the live tables and lists the
 * SQL; `define` applies exactly that SQL under the migration lock and records a new
 * version of every changed definition.
 *
 * @example
 * const plan = await store.models.plan(config)      // plan.sql: what define would run
 * await store.models.define(config)                  // refused if destructive, unless allowDestructive
 * await store.models.records('quality_check').insert({ ... })
 */
export class ModelRepository {
  readonly #context: StoreContext
  readonly #dialect: SchemaDialect
  #current: Promise<Map<string, ModelDefinition>> | undefined

  /** @internal use `store.models` */
  constructor(context: StoreContext) {
    this.#context = context
    this.#dialect = createSchemaDialect(context.adapter)
  }

  /** The changes `define(config)` would make, as SQL, without making them. */
  async plan(config: unknown): Promise<ModelPlanResult> {
    const declared = resolveModelConfig(config, this.#context.config.database.table_prefix)
    return describePlan(await this.#plan(modelDatabase(this.#context), declared))
  }

  /**
   * Brings the database to the declaration under the store-wide migration lock, and
   * records a new version of each changed definition. A destructive plan is a
   * `conflict` (nothing changes) unless `allowDestructive`; then each drop or narrowing
   * is first checked against the rows.
   */
  async define(config: unknown, options: DefineOptions = {}): Promise<DefineResult> {
    const declared = resolveModelConfig(config, this.#context.config.database.table_prefix)
    const { adapter } = this.#context
    if (modelDatabase(this.#context).isTransaction) {
      // DDL commits implicitly on MySQL, and the lock needs its own connection: never inside a caller's transaction.
      throw new ConflictError('models.define cannot run inside a transaction: call it on the store itself')
    }
    const lockKey = migrationLockKey(this.#context.config.database.table_prefix)
    const result = await adapter.withMigrationLock(modelDatabase(this.#context), lockKey, async (db) => {
      const plan = await this.#plan(db, declared)
      if (plan.destructive && options.allowDestructive !== true) {
        const destructive = plan.changes.filter((change) => change.destructive).map((change) => change.description)
        throw new ConflictError(`The declaration needs destructive changes (${destructive.join('; ')}): pass allowDestructive to apply them`)
      }
      for (const change of plan.changes) if (change.check) await this.#check(db, change.check, change.model)
      const apply = async (executor: ModelDatabase) => {
        for (const change of plan.changes) for (const statement of change.statements) await executor.executeQuery(statement)
        return this.#record(executor, plan)
      }
      try {
        if (adapter.supportsTransactionalDdl && !adapter.migrationLockIsTransaction) return { plan, versions: await db.transaction().execute(apply) }
        return { plan, versions: await apply(db) }
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error)
        throw new MigrationError(`Applying the model definitions failed: ${reason}`, {
          migration: 'declarative_models',
          cause: error,
          query: error instanceof PersistenceError ? error.query : undefined,
        })
      }
    })
    this.#current = undefined
    return { ...describePlan(result.plan), versions: result.versions }
  }

  /** The current definitions of every declared model. */
  async list(): Promise<ModelDefinition[]> {
    return [...(await this.#definitions()).values()]
  }

  /** The generic repository of one declared model. */
  records(name: string): RecordRepository {
    return new RecordRepository(this.#context, name, (model, options) => this.#definition(model, options?.refresh === true))
  }

  async #definition(name: string, refresh: boolean): Promise<ModelDefinition> {
    if (refresh) this.#current = undefined
    let model = (await this.#definitions()).get(name)
    if (model === undefined) {
      // Another store may have defined it since we last looked.
      this.#current = undefined
      model = (await this.#definitions()).get(name)
    }
    if (model === undefined) throw new NotFoundError(`No declared model named ${JSON.stringify(name)}`, { tableName: this.#table() })
    return model
  }

  #definitions(): Promise<Map<string, ModelDefinition>> {
    this.#current ??= this.#readRecorded(modelDatabase(this.#context)).then(
      (recorded) => new Map([...recorded].map(([name, entry]) => [name, entry.definition])),
      (error: unknown) => {
        this.#current = undefined
        throw error
      },
    )
    return this.#current
  }

  async #plan(db: ModelDatabase, declared: readonly ModelDefinition[]): Promise<ModelPlan> {
    const issues: ValidationIssue[] = []
    for (const model of declared) {
      for (const [i, field] of model.fields.entries()) {
        if (field.references?.core && !(await this.#context.adapter.tableExists(db, field.references.table))) {
          issues.push({
            path: `models.${model.name}.fields[${i}].references.model`,
            message: `The core table ${field.references.table} does not exist: run migrate first`,
          })
        }
      }
    }
    if (issues.length > 0) throw new ValidationError(issues)
    const recorded = await this.#readRecorded(db)
    const context: DdlContext = { db, adapter: this.#context.adapter, dialect: this.#dialect }
    return planModels(declared, recorded, (table) => this.#dialect.describeTable(db, table), context)
  }

  async #check(db: ModelDatabase, check: DataCheck, model: string): Promise<void> {
    let query = db.selectFrom(check.table).select((eb) => eb.fn.countAll().as('count'))
    query = check.kind === 'not_null' ? query.where(check.column, 'is', null) : query.where(this.#dialect.charLength(check.column), '>', check.limit)
    const row = (await query.executeTakeFirstOrThrow()) as { count: unknown }
    const count = Number(row.count)
    if (count === 0) return
    const what = check.kind === 'not_null' ? 'hold null' : `are longer than ${check.limit} characters`
    throw new ConflictError(`${count} row(s) of ${model} ${what} in ${check.column}: fix them before this change`, { tableName: check.table })
  }

  async #readRecorded(db: ModelDatabase): Promise<Map<string, RecordedModel & { latest: number }>> {
    if (!(await this.#context.adapter.tableExists(db, this.#table()))) {
      throw new MigrationError(`The store is not migrated (${this.#table()} is missing): run migrate first`, { migration: '0005_declarative_models' })
    }
    const rows = (await db
      .selectFrom(this.#table())
      .select(['model', 'version', 'checksum', 'definition'])
      .orderBy('model')
      .orderBy('version')
      .execute()) as DefinitionRow[]
    const latest = new Map<string, DefinitionRow>()
    for (const row of rows) latest.set(row.model, row)
    const recorded = new Map<string, RecordedModel & { latest: number }>()
    for (const [model, row] of latest) {
      const definition = this.#context.adapter.decodeJson(row.definition) as ModelDefinition | null
      if (definition) recorded.set(model, { version: Number(row.version), checksum: row.checksum, definition, latest: Number(row.version) })
    }
    return recorded
  }

  async #record(db: ModelDatabase, plan: ModelPlan): Promise<DefineResult['versions']> {
    const { adapter } = this.#context
    const versions = new Map<string, number>()
    const rows = (await db.selectFrom(this.#table()).select(['model', 'version']).execute()) as Array<{ model: string; version: number }>
    for (const row of rows) versions.set(row.model, Math.max(versions.get(row.model) ?? 0, Number(row.version)))
    const now = adapter.encodeTimestamp(this.#context.now())
    const sqlOf = (model: string) => plan.changes.filter((change) => change.model === model).flatMap((change) => change.statements.map((s) => s.sql))
    const recorded: Array<{ model: string; version: number; dropped: boolean }> = []
    const write = async (model: string, table: string, checksum: string, definition: ModelDefinition | null) => {
      const version = (versions.get(model) ?? 0) + 1
      await db
        .insertInto(this.#table())
        .values({
          model,
          version,
          table_name: table,
          checksum,
          definition: definition === null ? null : adapter.encodeJson(definition),
          statements: adapter.encodeJson(sqlOf(model)),
          applied_at: now,
        })
        .execute()
      recorded.push({ model, version, dropped: definition === null })
    }
    for (const model of plan.changed) await write(model.name, model.table, definitionChecksum(model), model)
    for (const model of plan.dropped) await write(model.name, model.table, '', null)
    return recorded
  }

  #table(): string {
    return this.#context.table('model_definitions')
  }
}

function describePlan(plan: ModelPlan): ModelPlanResult {
  const changes = plan.changes.map((change) => ({
    model: change.model,
    kind: change.kind,
    ...(change.field === undefined ? {} : { field: change.field }),
    destructive: change.destructive,
    description: change.description,
    sql: change.statements.map((statement: CompiledQuery) => statement.sql),
  }))
  return { changes, sql: changes.flatMap((change) => change.sql), destructive: plan.destructive }
}
