import { ValidationError, type PersistenceErrorOptions, type ValidationIssue } from '../errors.js'

/** The tables of an etl-core database (`src/etl_core/persistence/table_definitions.py`). */
export const ORIGIN_TABLES = [
  'credentialstable',
  'contexttable',
  'contextparametertable',
  'contextcredentialsmaptable',
  'jobtable',
  'componenttable',
  'componentlinktable',
  'layouttable',
  'metadatatable',
  'scheduletable',
  'executiontable',
  'executionattempttable',
] as const
export type OriginTable = (typeof ORIGIN_TABLES)[number]

/**
 * One row of the origin's database that the import cannot take, with what is wrong with
 * it: issue paths name the row's columns (`payload.separator`, `started_at`). The job the
 * row belongs to, if any, was not imported (nothing of it was written).
 *
 * @example
 * { "persistence_error": { "error_type": "validation_error", "table_name": "executiontable",
 *     "origin_table": "executiontable", "origin_id": "3f0c…", "origin_job_id": "8a1d…",
 *     "message": "executiontable 3f0c…: status: …", "issues": [{ "path": "status", "message": "…" }] } }
 */
export class OriginRowError extends ValidationError {
  readonly origin_table: OriginTable
  readonly origin_id: string
  /** The job whose import this row held back. */
  readonly origin_job_id: string | undefined

  constructor(table: OriginTable, id: string, issues: readonly ValidationIssue[], options: PersistenceErrorOptions & { jobId?: string } = {}) {
    const first = issues[0]
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''
    const what = first === undefined ? 'cannot be imported' : `${first.path ? `${first.path}: ` : ''}${first.message}${more}`
    super(issues, { ...options, tableName: table, message: `${table} ${id}: ${what}` })
    this.origin_table = table
    this.origin_id = id
    this.origin_job_id = options.jobId
  }

  protected override details(): Record<string, unknown> {
    return {
      origin_table: this.origin_table,
      origin_id: this.origin_id,
      ...(this.origin_job_id === undefined ? {} : { origin_job_id: this.origin_job_id }),
      ...super.details(),
    }
  }
}
