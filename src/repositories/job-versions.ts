import { prepareInsert } from '../db/speed/prepared-statement.js'
import { NotFoundError } from '../errors.js'
import { canonicalValue } from '../schema/canonical-json.js'
import type { StoreContext } from '../store-context.js'
import { jobVersionsTable } from '../tables/job-tables.js'
import { decodeVersion, decodeVersionSummary, type JobVersion, type JobVersionSummary } from './job-rows.js'

// The immutable, content-hashed versions of a job (used by JobRepository). @internal

/** Every version of a job, oldest first. */
export async function listVersions(context: StoreContext, id: string): Promise<JobVersionSummary[]> {
  const rows = await context.db
    .selectFrom('job_versions')
    .select(['version', 'content_hash', 'created_at', 'created_by'])
    .where('job_id', '=', id)
    .orderBy('version')
    .execute()
  if (rows.length === 0) throw new NotFoundError(`Job ${id} not found`, { tableName: context.table('jobs') })
  return rows.map((row) => decodeVersionSummary(context.adapter, row))
}

export async function readVersion(context: StoreContext, id: string, version: number): Promise<JobVersion> {
  const row = await context.db
    .selectFrom('job_versions')
    .select(jobVersionsTable.columnNames)
    .where('job_id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst()
  if (!row) throw new NotFoundError(`Version ${version} of job ${id} not found`, { tableName: context.table('job_versions') })
  return decodeVersion(context.adapter, row)
}

/** The current version's config in the origin's JSON format (import → export → import is stable). */
export async function exportCurrent(context: StoreContext, id: string): Promise<Record<string, unknown>> {
  const row = await context.db
    .selectFrom('jobs as j')
    .innerJoin('job_versions as v', (join) => join.onRef('v.job_id', '=', 'j.id').onRef('v.version', '=', 'j.current_version'))
    .select('v.config')
    .where('j.id', '=', id)
    .executeTakeFirst()
  if (!row) throw new NotFoundError(`Job ${id} not found`, { tableName: context.table('jobs') })
  return canonicalValue(context.adapter.decodeJson(row.config) as Record<string, unknown>)
}

/** Records an immutable version (the canonical config and its hash). */
export async function insertVersion(
  context: StoreContext,
  id: string,
  version: number,
  hash: string,
  canonical: string,
  now: Date,
  actor?: string,
): Promise<void> {
  await insertVersionRow.run(context, {
    job_id: id,
    version,
    content_hash: hash,
    // The canonical JSON is already the text to store (every engine's JSON encoding is JSON.stringify).
    config: canonical,
    created_at: context.adapter.encodeTimestamp(now),
    created_by: actor ?? null,
  })
}

const insertVersionRow = prepareInsert('job_versions', jobVersionsTable.columnNames)
