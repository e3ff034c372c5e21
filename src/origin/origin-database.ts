import { existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import { NotFoundError, ValidationError, type ValidationIssue } from '../errors.js'
import type { OriginTable } from './origin-row-error.js'

/** A row as SQLite returns it: text, numbers, null. */
export type OriginRow = Readonly<Record<string, unknown>>

/**
 * The columns each table must have: those of etl-core's `table_definitions.py`. A
 * database without them was not written by etl-core (or by a version we do not know).
 */
const COLUMNS: Readonly<Record<OriginTable, readonly string[]>> = {
  credentialstable: ['id', 'name', 'user', 'host', 'port', 'database', 'pool_max_size', 'pool_timeout_s', 'created_at'],
  contexttable: ['id', 'name', 'environment', 'created_at'],
  contextparametertable: ['id', 'context_id', 'key', 'value', 'is_secure'],
  contextcredentialsmaptable: ['id', 'context_id', 'environment', 'credentials_id'],
  jobtable: ['id', 'name', 'num_of_retries', 'file_logging', 'strategy_type'],
  componenttable: ['id', 'job_id', 'name', 'description', 'comp_type', 'payload'],
  componentlinktable: ['id', 'job_id', 'src_component_id', 'src_out_port', 'dst_component_id', 'dst_in_port', 'position'],
  layouttable: ['id', 'component_id', 'x_coordinate', 'y_coordinate'],
  metadatatable: ['id', 'job_id', 'component_id', 'timestamp', 'user_id'],
  // Schedules named their job by `job_name` before etl-core added `job_id`.
  scheduletable: ['id', 'name', 'environment', 'trigger_type', 'trigger_args', 'is_paused', 'created_at', 'updated_at'],
  executiontable: ['id', 'job_id', 'environment', 'status', 'error', 'started_at', 'finished_at'],
  executionattempttable: ['id', 'execution_id', 'attempt_index', 'status', 'error', 'started_at', 'finished_at'],
}

/** The job configuration's tables; the others may be missing in a database of an older etl-core. */
const REQUIRED: readonly OriginTable[] = ['jobtable', 'componenttable', 'componentlinktable', 'layouttable', 'metadatatable']

/** Each child table's parent: rows whose parent is missing cannot be imported. */
const PARENTS: ReadonlyArray<readonly [OriginTable, string, OriginTable]> = [
  ['contextparametertable', 'context_id', 'contexttable'],
  ['contextcredentialsmaptable', 'context_id', 'contexttable'],
  ['componenttable', 'job_id', 'jobtable'],
  ['componentlinktable', 'job_id', 'jobtable'],
  ['layouttable', 'component_id', 'componenttable'],
  ['scheduletable', 'job_id', 'jobtable'],
  ['executiontable', 'job_id', 'jobtable'],
  ['executionattempttable', 'execution_id', 'executiontable'],
]

/** Everything of one job that lives in the job tables. */
export interface OriginJobRows {
  readonly job: OriginRow
  readonly components: readonly OriginRow[]
  readonly links: readonly OriginRow[]
  readonly layouts: readonly OriginRow[]
  /** The job's metadata row and its components' (told apart by `job_id` / `component_id`). */
  readonly metadata: readonly OriginRow[]
  readonly schedules: readonly OriginRow[]
  readonly executions: readonly OriginRow[]
  readonly attempts: readonly OriginRow[]
}

/**
 * An etl-core SQLite database, opened read-only: the import never writes to it.
 * Rows come in the order they were written (SQLite's rowid).
 */
export class OriginDatabase {
  readonly path: string
  readonly #db: Database.Database
  readonly #tables: ReadonlySet<OriginTable>
  readonly #scheduleJobColumn: 'job_id' | 'job_name'

  private constructor(path: string, db: Database.Database, tables: ReadonlySet<OriginTable>, scheduleJobColumn: 'job_id' | 'job_name') {
    this.path = path
    this.#db = db
    this.#tables = tables
    this.#scheduleJobColumn = scheduleJobColumn
  }

  /** Opens `path`; a file that is not an etl-core database is a `validation_error` naming what is missing. */
  static open(path: string): OriginDatabase {
    if (!existsSync(path)) throw new NotFoundError(`No etl-core database at ${path}`)
    let db: Database.Database
    try {
      db = new Database(path, { readonly: true, fileMustExist: true })
    } catch (error) {
      throw new ValidationError([{ path: 'path', message: `Cannot open ${path}: ${(error as Error).message}` }], { cause: error })
    }
    try {
      const present = new Set(
        (db.prepare(`select name from sqlite_master where type = 'table'`).all() as Array<{ name: string }>).map((row) => row.name.toLowerCase()),
      )
      if (!present.has('jobtable')) {
        throw new ValidationError([{ path: 'path', message: `${path} is not an etl-core database: it has no jobtable` }])
      }
      const issues: ValidationIssue[] = REQUIRED.filter((table) => !present.has(table)).map((table) => ({
        path: table,
        message: 'Missing table: every etl-core database has it',
      }))
      const tables = new Set<OriginTable>()
      let scheduleJobColumn: 'job_id' | 'job_name' = 'job_id'
      for (const [table, columns] of Object.entries(COLUMNS) as Array<[OriginTable, readonly string[]]>) {
        if (!present.has(table)) continue
        tables.add(table)
        const have = new Set((db.prepare(`select name from pragma_table_info(?)`).all(table) as Array<{ name: string }>).map((row) => row.name))
        for (const column of columns) if (!have.has(column)) issues.push({ path: `${table}.${column}`, message: 'Missing column: not a table of etl-core' })
        if (table === 'scheduletable') {
          if (have.has('job_id')) scheduleJobColumn = 'job_id'
          else if (have.has('job_name')) scheduleJobColumn = 'job_name'
          else issues.push({ path: 'scheduletable.job_id', message: 'Missing column: not a table of etl-core' })
        }
      }
      if (issues.length > 0) throw new ValidationError(issues, { message: `${path} does not have the tables of etl-core: ${issues[0]?.path} is missing` })
      return new OriginDatabase(path, db, tables, scheduleJobColumn)
    } catch (error) {
      db.close()
      if (error instanceof ValidationError) throw error
      // SQLITE_NOTADB and friends: the file is not SQLite at all.
      throw new ValidationError([{ path: 'path', message: `Cannot read ${path}: ${(error as Error).message}` }], { cause: error })
    }
  }

  /** The tables this database has (older etl-core versions lack some). */
  has(table: OriginTable): boolean {
    return this.#tables.has(table)
  }

  count(table: OriginTable): number {
    if (!this.has(table)) return 0
    return Number((this.#db.prepare(`select count(*) as n from "${table}"`).get() as { n: number }).n)
  }

  /** Every row of a table, oldest first. */
  rows(table: OriginTable): OriginRow[] {
    if (!this.has(table)) return []
    return this.#db.prepare(`select * from "${table}" order by rowid`).all() as OriginRow[]
  }

  /** The job's rows in every job table. */
  jobRows(job: OriginRow): OriginJobRows {
    const id = job.id
    const byJob = (table: OriginTable) => this.#where(table, 'job_id', id)
    const ofComponents = (table: OriginTable) =>
      this.#db.prepare(`select t.* from "${table}" t join componenttable c on c.id = t.component_id where c.job_id = ? order by t.rowid`).all(id) as OriginRow[]
    const metadata = [...this.#where('metadatatable', 'job_id', id), ...ofComponents('metadatatable')]
    const schedules =
      this.#scheduleJobColumn === 'job_id'
        ? byJob('scheduletable')
        : this.has('scheduletable')
          ? (this.#db.prepare(`select *, ? as job_id from scheduletable where job_name = ? order by rowid`).all(id, job.name) as OriginRow[])
          : []
    const attempts =
      this.has('executionattempttable') && this.has('executiontable')
        ? (this.#db
            .prepare('select a.* from executionattempttable a join executiontable e on e.id = a.execution_id where e.job_id = ? order by a.rowid')
            .all(id) as OriginRow[])
        : []
    return {
      job,
      components: byJob('componenttable'),
      links: byJob('componentlinktable'),
      layouts: ofComponents('layouttable'),
      metadata,
      schedules,
      executions: byJob('executiontable'),
      attempts,
    }
  }

  /** Rows of child tables whose parent row is missing (etl-core enforces foreign keys, but a file may be edited). */
  orphans(): Array<{ table: OriginTable; row: OriginRow; parent: OriginTable; column: string }> {
    const found: Array<{ table: OriginTable; row: OriginRow; parent: OriginTable; column: string }> = []
    for (const [table, column, parent] of PARENTS) {
      if (!this.has(table)) continue
      if (table === 'scheduletable' && this.#scheduleJobColumn === 'job_name') {
        const rows = this.#db.prepare('select * from scheduletable where job_name not in (select name from jobtable) order by rowid').all() as OriginRow[]
        found.push(...rows.map((row) => ({ table, row, parent, column: 'job_name' })))
        continue
      }
      const source = this.has(parent) ? `select id from "${parent}"` : 'select null where 0'
      const rows = this.#db.prepare(`select * from "${table}" where "${column}" not in (${source}) or "${column}" is null order by rowid`).all() as OriginRow[]
      found.push(...rows.map((row) => ({ table, row, parent, column })))
    }
    // A metadata row belongs to a job or to a component.
    {
      const rows = this.#db
        .prepare(
          `select * from metadatatable where (job_id is null or job_id not in (select id from jobtable))
             and (component_id is null or component_id not in (select id from componenttable)) order by rowid`,
        )
        .all() as OriginRow[]
      found.push(...rows.map((row) => ({ table: 'metadatatable' as const, row, parent: 'jobtable' as const, column: 'job_id' })))
    }
    return found
  }

  close(): void {
    this.#db.close()
  }

  #where(table: OriginTable, column: string, value: unknown): OriginRow[] {
    if (!this.has(table)) return []
    return this.#db.prepare(`select * from "${table}" where "${column}" = ? order by rowid`).all(value) as OriginRow[]
  }
}

/** Rows by the value of one column, in their order. */
export function groupRows(rows: readonly OriginRow[], column: string): Map<string, OriginRow[]> {
  const groups = new Map<string, OriginRow[]>()
  for (const row of rows) {
    const key = String(row[column])
    const group = groups.get(key)
    if (group) group.push(row)
    else groups.set(key, [row])
  }
  return groups
}
