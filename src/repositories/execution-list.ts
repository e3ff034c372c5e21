import { ValidationError } from '../errors.js'
import { checkFilter, filterExpression, listQuery, type ListResult, type QueryEntity } from '../query/index.js'
import { executionStatuses, triggerSchema, type Execution } from '../schema/execution-schemas.js'
import type { StoreContext } from '../store.js'
import { EXECUTION_COLUMNS, executionFromRow, executionTables } from './execution-rows.js'

/**
 * `executions.list(query)` in the shared query language (src/query) over the execution
 * header alone, newest first. `job_name` rules are resolved to `job_id IN (…)` first, so
 * every page query reads one index of the executions table in order (a join to jobs made
 * MariaDB sort the whole table, and PostgreSQL walk it); job names come in one batched
 * `IN` query per page. `test/execution-explain` proves the plans. `executions.stream`
 * (execution-stream.ts) reads the same entity in one query.
 * @internal
 */
export const executionEntity: QueryEntity = {
  name: 'executions',
  columns: {
    id: { column: 'id', type: 'string' },
    job_id: { column: 'job_id', type: 'string' },
    job_version: { column: 'job_version', type: 'integer' },
    status: { column: 'status', type: 'string', values: executionStatuses },
    environment: { column: 'environment', type: 'string', nullable: true },
    trigger: { column: 'trigger', type: 'string', values: triggerSchema.options },
    worker_id: { column: 'worker_id', type: 'string', nullable: true },
    idempotency_key: { column: 'idempotency_key', type: 'string', nullable: true },
    attempt_count: { column: 'attempt_count', type: 'integer' },
    queued_at: { column: 'queued_at', type: 'timestamp' },
    started_at: { column: 'started_at', type: 'timestamp', nullable: true },
    finished_at: { column: 'finished_at', type: 'timestamp', nullable: true },
    duration_ms: { column: 'duration_ms', type: 'integer', nullable: true },
  },
  // Both keys descending, so one index serves the order (a mixed order needs a sort).
  defaultOrder: [
    { column: 'queued_at', direction: 'desc' },
    { column: 'id', direction: 'desc' },
  ],
}

const jobNameEntity: QueryEntity = { name: 'jobs', columns: { id: { column: 'id', type: 'string' }, name: { column: 'name', type: 'string' } } }

/** More jobs than this matching a `job_name` rule is a validation error (the `in` limit). */
const MAX_JOB_NAME_MATCHES = 1000
/** Matches no execution: a `job_name` rule that matched no job. */
const NO_JOB = '00000000-0000-0000-0000-000000000000'

export type ListedExecution = Execution & { readonly job_name: string }

export async function listExecutions(context: StoreContext, query: unknown = {}): Promise<ListResult<ListedExecution>> {
  const { executions } = executionTables(context)
  return listQuery(context, executionEntity, await withJobIds(context, query), {
    base: context.db.selectFrom(executions).select([...EXECUTION_COLUMNS]),
    decodeAll: async (rows) => {
      const names = await jobNames(context, [...new Set(rows.map((row) => String(row.job_id)))])
      // Not a spread copy of the header: see execution-stream.ts.
      return rows.map((row) => Object.assign(executionFromRow(context.adapter, row), { job_name: names.get(String(row.job_id)) ?? '' }))
    },
  })
}

/** The query with its `job_name` rules resolved to job ids (see the file comment). @internal */
export async function withJobIds(context: StoreContext, query: unknown): Promise<unknown> {
  if (!isRecord(query) || query.where === undefined) return query
  return { ...query, where: await resolveJobNames(context, query.where, 'where') }
}

/** Replaces every `job_name` leaf of the tree by `job_id in (ids of the matching jobs)`. */
async function resolveJobNames(context: StoreContext, node: unknown, path: string): Promise<unknown> {
  if (!isRecord(node)) return node
  if (Array.isArray(node.rules)) {
    return { ...node, rules: await Promise.all(node.rules.map((rule, i) => resolveJobNames(context, rule, `${path}.rules[${i}]`))) }
  }
  if (node.column !== 'job_name') return node
  const filter = checkFilter(jobNameEntity, context.adapter, { ...node, column: 'name' }, path)
  const { jobs } = executionTables(context)
  const rows = await context.db
    .selectFrom(jobs)
    .select('id')
    .where((eb) => filterExpression(eb, filter))
    .limit(MAX_JOB_NAME_MATCHES + 1)
    .execute()
  if (rows.length > MAX_JOB_NAME_MATCHES) {
    throw new ValidationError([{ path: `${path}.value`, message: `Matches more than ${MAX_JOB_NAME_MATCHES} jobs: narrow it` }])
  }
  const ids = rows.map((row) => String(row.id)).sort()
  return { column: 'job_id', operator: 'in', value: ids.length > 0 ? ids : [NO_JOB] }
}

async function jobNames(context: StoreContext, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map()
  const { jobs } = executionTables(context)
  const rows = await context.db.selectFrom(jobs).select(['id', 'name']).where('id', 'in', ids).execute()
  return new Map(rows.map((row) => [String(row.id), String(row.name)]))
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
