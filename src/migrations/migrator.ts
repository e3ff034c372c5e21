import { createHash } from 'node:crypto'
import type { CompiledQuery, Kysely } from 'kysely'
import type { DialectAdapter, MigrationLockOptions } from '../db/dialect-adapter.js'
import { createSchemaDialect } from '../db/schema-dialect.js'
import { MigrationError, PersistenceError } from '../errors.js'
import { dropIndexStatement } from './drop-index-statement.js'
import type { Migration, MigrationContext } from './migration.js'

/**
 * The migrator's database, untyped: migrations create, alter and drop tables by their
 * prefixed runtime names (`etl_jobs`, `x_migrations`), which no static table type lists.
 */
type MigrationDatabase = Kysely<any>

export type MigrationState = 'applied' | 'pending' | 'changed' | 'unknown'

export interface MigrationStatus {
  readonly name: string
  readonly state: MigrationState
  readonly checksum: string
  readonly applied_at: Date | null
  readonly duration_ms: number | null
}

/** Core migrations may rebuild tables (0008 on SQLite). */
const CORE_LOCK: MigrationLockOptions = { rebuildsTables: true }

/** The store-wide lock that core migrations and declarative model changes share. */
export function migrationLockKey(tablePrefix: string): string {
  return `etlp_migrations:${tablePrefix}`
}

export interface MigrationResult {
  readonly name: string
  readonly direction: 'up' | 'down'
  readonly duration_ms: number
}

export interface PlannedMigration {
  readonly name: string
  readonly direction: 'up' | 'down'
  readonly sql: readonly string[]
}

export interface MigrationTarget {
  /** Stop after this migration (up) or keep it as the last applied one (down); `'0'` reverts all. */
  readonly to?: string
}

interface AppliedRow {
  readonly name: string
  readonly checksum: string
  readonly applied_at: unknown
  readonly duration_ms: number
}

/**
 * Applies numbered migrations under a store-wide lock, so that several processes
 * deploying at once apply each migration exactly once and all succeed. Every applied
 * migration is recorded with a checksum of its SQL; an edited migration, or a database
 * migrated by newer code, is a `migration_error`.
 */
export class Migrator {
  readonly #db: MigrationDatabase
  readonly #adapter: DialectAdapter
  readonly #migrations: readonly Migration[]
  readonly #table: string
  readonly #lockKey: string
  readonly #tablePrefix: string

  constructor(db: MigrationDatabase, adapter: DialectAdapter, migrations: readonly Migration[], tablePrefix: string) {
    this.#db = db
    this.#adapter = adapter
    this.#migrations = migrations
    this.#tablePrefix = tablePrefix
    this.#table = `${tablePrefix}migrations`
    this.#lockKey = migrationLockKey(tablePrefix)
  }

  /** Every known and every recorded migration with its state. */
  async status(): Promise<MigrationStatus[]> {
    const applied = await this.#readApplied(this.#db)
    const byName = new Map(applied.map((row) => [row.name, row]))
    const known = this.#migrations.map((migration): MigrationStatus => {
      const checksum = this.#checksum(migration)
      const row = byName.get(migration.name)
      if (!row) return { name: migration.name, state: 'pending', checksum, applied_at: null, duration_ms: null }
      return {
        name: migration.name,
        state: row.checksum === checksum ? 'applied' : 'changed',
        checksum,
        applied_at: this.#adapter.decodeTimestamp(row.applied_at),
        duration_ms: Number(row.duration_ms),
      }
    })
    const names = new Set(this.#migrations.map((migration) => migration.name))
    const unknown = applied
      .filter((row) => !names.has(row.name))
      .map((row): MigrationStatus => ({
        name: row.name,
        state: 'unknown',
        checksum: row.checksum,
        applied_at: this.#adapter.decodeTimestamp(row.applied_at),
        duration_ms: Number(row.duration_ms),
      }))
    return [...known, ...unknown]
  }

  /** Throws a `migration_error` when an applied migration changed or is unknown to this code. */
  async verify(): Promise<void> {
    this.#check(await this.#readApplied(this.#db))
  }

  /** The statements `up` or `down` would run, without running them. */
  async plan(options: MigrationTarget & { direction?: 'up' | 'down' } = {}): Promise<PlannedMigration[]> {
    const direction = options.direction ?? 'up'
    const applied = await this.#readApplied(this.#db)
    const selected = direction === 'up' ? this.#pending(applied, options.to) : this.#toRevert(applied, options.to)
    const context = this.#context()
    return selected.map((migration) => ({
      name: migration.name,
      direction,
      sql: (direction === 'up' ? migration.up(context) : migration.down(context)).map((query) => query.sql),
    }))
  }

  /** Applies pending migrations in order (up to `to`, if given). */
  async up(options: MigrationTarget = {}): Promise<MigrationResult[]> {
    return this.#adapter.withMigrationLock(
      this.#db,
      this.#lockKey,
      async (db) => {
        await this.#adapter.prepareNamespace(db)
        await this.#ensureTable(db)
        const applied = await this.#readApplied(db)
        this.#check(applied)
        const results: MigrationResult[] = []
        for (const migration of this.#pending(applied, options.to)) {
          results.push(
            await this.#run(db, migration, 'up', async (executor, durationMs) => {
              await executor
                .insertInto(this.#table)
                .values({
                  name: migration.name,
                  checksum: this.#checksum(migration),
                  applied_at: this.#adapter.encodeTimestamp(new Date()),
                  duration_ms: durationMs,
                })
                .execute()
            }),
          )
        }
        return results
      },
      CORE_LOCK,
    )
  }

  /** Reverts the last applied migration, or every one after `to` (`'0'`: all). */
  async down(options: MigrationTarget = {}): Promise<MigrationResult[]> {
    return this.#adapter.withMigrationLock(
      this.#db,
      this.#lockKey,
      async (db) => {
        await this.#ensureTable(db)
        const applied = await this.#readApplied(db)
        this.#check(applied)
        const results: MigrationResult[] = []
        for (const migration of this.#toRevert(applied, options.to)) {
          results.push(
            await this.#run(db, migration, 'down', async (executor) => {
              await executor.deleteFrom(this.#table).where('name', '=', migration.name).execute()
            }),
          )
        }
        return results
      },
      CORE_LOCK,
    )
  }

  async #run(
    db: MigrationDatabase,
    migration: Migration,
    direction: 'up' | 'down',
    record: (executor: MigrationDatabase, durationMs: number) => Promise<void>,
  ): Promise<MigrationResult> {
    const context = this.#context()
    const statements = direction === 'up' ? migration.up(context) : migration.down(context)
    const started = performance.now()
    const apply = async (executor: MigrationDatabase) => {
      for (const statement of statements) await executor.executeQuery(statement)
      await record(executor, Math.round(performance.now() - started))
    }
    try {
      if (this.#adapter.supportsTransactionalDdl && !this.#adapter.migrationLockIsTransaction) {
        await db.transaction().execute(apply)
      } else {
        await apply(db)
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      throw new MigrationError(`Migration ${migration.name} (${direction}) failed: ${reason}`, {
        migration: migration.name,
        cause: error,
        query: error instanceof PersistenceError ? error.query : undefined,
      })
    }
    return { name: migration.name, direction, duration_ms: Math.round(performance.now() - started) }
  }

  #pending(applied: readonly AppliedRow[], to: string | undefined): Migration[] {
    const done = new Set(applied.map((row) => row.name))
    const end = to === undefined ? this.#migrations.length : this.#indexOf(to) + 1
    return this.#migrations.slice(0, end).filter((migration) => !done.has(migration.name))
  }

  #toRevert(applied: readonly AppliedRow[], to: string | undefined): Migration[] {
    const done = new Set(applied.map((row) => row.name))
    const appliedInOrder = this.#migrations.filter((migration) => done.has(migration.name)).reverse()
    if (to === undefined) return appliedInOrder.slice(0, 1)
    if (to === '0') return appliedInOrder
    const keep = this.#indexOf(to)
    return appliedInOrder.filter((migration) => this.#migrations.indexOf(migration) > keep)
  }

  #indexOf(name: string): number {
    const index = this.#migrations.findIndex((migration) => migration.name === name)
    if (index < 0) throw new MigrationError(`No migration named ${name}`, { migration: name })
    return index
  }

  #check(applied: readonly AppliedRow[]): void {
    const known = new Map(this.#migrations.map((migration) => [migration.name, migration]))
    for (const row of applied) {
      const migration = known.get(row.name)
      if (!migration) {
        throw new MigrationError(`The database has migration ${row.name}, which this code does not know: it was migrated by a newer version`, {
          migration: row.name,
        })
      }
      if (this.#checksum(migration) !== row.checksum) {
        throw new MigrationError(`Migration ${row.name} was changed after it was applied (checksum mismatch): applied migrations are never edited`, {
          migration: row.name,
        })
      }
    }
  }

  async #readApplied(db: MigrationDatabase): Promise<AppliedRow[]> {
    if (!(await this.#adapter.tableExists(db, this.#table))) return []
    return db.selectFrom(this.#table).select(['name', 'checksum', 'applied_at', 'duration_ms']).orderBy('name').execute() as Promise<AppliedRow[]>
  }

  async #ensureTable(db: MigrationDatabase): Promise<void> {
    if (await this.#adapter.tableExists(db, this.#table)) return
    const { types } = this.#adapter
    await this.#adapter
      .tableOptions(
        db.schema
          .createTable(this.#table)
          .ifNotExists()
          .addColumn('name', types.string(255), (c) => c.primaryKey())
          .addColumn('checksum', types.string(64), (c) => c.notNull())
          .addColumn('applied_at', types.timestamp, (c) => c.notNull())
          .addColumn('duration_ms', 'integer', (c) => c.notNull()),
      )
      .execute()
  }

  #checksum(migration: Migration): string {
    const hash = createHash('sha256').update(migration.name)
    for (const statement of migration.up(this.#context())) hashStatement(hash, statement)
    for (const statement of migration.down(this.#context())) hashStatement(hash, statement)
    return hash.digest('hex')
  }

  #context(): MigrationContext {
    const db = this.#db
    return {
      schema: db.schema,
      table: (name) => `${this.#tablePrefix}${name}`,
      types: this.#adapter.types,
      adapter: this.#adapter,
      raw: (statement) => statement.compile(db),
      dropIndex: (table, name) => dropIndexStatement(table, name, { db, dialect: createSchemaDialect(this.#adapter) }),
    }
  }
}

function hashStatement(hash: ReturnType<typeof createHash>, statement: CompiledQuery): void {
  hash.update('\n').update(statement.sql).update(JSON.stringify(statement.parameters, jsonSafe))
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}
