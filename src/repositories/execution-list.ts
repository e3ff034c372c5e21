import { listQuery, type ListResult, type QueryEntity } from '../query/index.js'
import { executionStatuses, triggerSchema, type Execution } from '../schema/execution-schemas.js'
import type { StoreContext } from '../store.js'
import { EXECUTION_COLUMNS, executionFromRow, executionTables } from './execution-rows.js'

/**
 * `executions.list(query)` in the shared query language (src/query), over the execution
 * header joined to its job (so `job_name` filters work), newest first. Every filter
 * column leads an index of the executions table; `test/execution-explain` proves it.
 */
function executionEntity(context: StoreContext): QueryEntity {
  const { executions, jobs } = executionTables(context)
  const e = (column: string) => `${executions}.${column}`
  return {
    name: 'executions',
    columns: {
      id: { column: e('id'), type: 'string' },
      job_id: { column: e('job_id'), type: 'string' },
      job_name: { column: `${jobs}.name`, type: 'string' },
      job_version: { column: e('job_version'), type: 'integer' },
      status: { column: e('status'), type: 'string', values: executionStatuses },
      environment: { column: e('environment'), type: 'string', nullable: true },
      trigger: { column: e('trigger'), type: 'string', values: triggerSchema.options },
      worker_id: { column: e('worker_id'), type: 'string', nullable: true },
      idempotency_key: { column: e('idempotency_key'), type: 'string', nullable: true },
      attempt_count: { column: e('attempt_count'), type: 'integer' },
      queued_at: { column: e('queued_at'), type: 'timestamp' },
      started_at: { column: e('started_at'), type: 'timestamp', nullable: true },
      finished_at: { column: e('finished_at'), type: 'timestamp', nullable: true },
      duration_ms: { column: e('duration_ms'), type: 'integer', nullable: true },
    },
    // Both keys descending, so one index serves the order (a mixed order needs a sort).
    defaultOrder: [
      { column: 'queued_at', direction: 'desc' },
      { column: 'id', direction: 'desc' },
    ],
  }
}

export type ExecutionListQuery = unknown

export type ListedExecution = Execution & { readonly job_name: string }

export function listExecutions(context: StoreContext, query: ExecutionListQuery = {}): Promise<ListResult<ListedExecution>> {
  const { executions, jobs } = executionTables(context)
  const base = context.db
    .selectFrom(executions)
    .innerJoin(jobs, `${jobs}.id`, `${executions}.job_id`)
    .select([...EXECUTION_COLUMNS.map((column) => `${executions}.${column}` as const), `${jobs}.name as job_name`])
  return listQuery(context, executionEntity(context), query, {
    base,
    decode: (row) => ({ ...executionFromRow(context.adapter, row), job_name: String(row.job_name) }),
  })
}
