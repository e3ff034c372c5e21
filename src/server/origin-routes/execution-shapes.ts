import { z } from 'zod'
import { ORIGIN_STATUSES } from '../../origin/origin-row-reader.js'
import { originInstant } from '../../origin/origin-time.js'
import type { FilterLeaf, ListQuery } from '../../query/index.js'
import { environmentSchema } from '../../schema/credential-schema.js'
import { isUuid } from '../../schema/ids.js'
import { executionStatuses, type Attempt, type Execution, type ExecutionStatus } from '../../schema/execution-schemas.js'

/**
 * The origin's execution shapes (`api/routers/execution.py`) and the translation from
 * this store's executions. The origin has three statuses (`RUNNING`, `SUCCESS`,
 * `FAILED`), an error as text, attempts numbered by `attempt_index`, and no queue: a run
 * starts when it is asked for. So here `SUCCEEDED` answers as `SUCCESS` (the other
 * statuses as they are, `QUEUED` and `CANCELLED` included), the error is its message,
 * and `started_at` is when the run started, or when it was queued while it waits.
 */

/** `SUCCEEDED` → `SUCCESS`: the reverse of the import's mapping (ORIGIN_STATUSES). */
const ORIGIN_NAME_OF: Readonly<Partial<Record<ExecutionStatus, string>>> = Object.fromEntries(
  Object.entries(ORIGIN_STATUSES).map(([origin, ours]) => [ours, origin]),
)

/** The origin's body of `POST /execution/{job_id}`: optional, and with it an environment. */
export const startExecutionBodySchema = z
  .object({ environment: environmentSchema.describe('The environment the job runs in (its context’s credentials)') })
  .nullish()

export const startedExecutionSchema = z.object({
  job_id: z.string(),
  status: z.literal('started').describe('The origin’s answer: the execution exists (here it is queued for a worker)'),
  execution_id: z.string(),
  max_attempts: z.number(),
  environment: environmentSchema.nullable(),
  execution_status: z.enum(executionStatuses).describe('Where the execution really is: QUEUED until a worker claims it'),
})

/** A naive time is read as this server's local time, as the origin (which wrote `datetime.now()`) meant it. */
const originTime = z.string().transform((text, context) => {
  const instant = originInstant(text, 'local')
  if (instant === undefined) context.addIssue({ code: 'custom', message: 'Expected an ISO 8601 date-time (2026-01-31T12:00:00, a zone optional)' })
  return instant ?? new Date(Number.NaN)
})

export const listExecutionsQuerySchema = z.object({
  job_id: z.string().optional(),
  status: z.string().optional().describe('RUNNING, SUCCESS, FAILED (the origin’s), or QUEUED, SUCCEEDED, CANCELLED'),
  environment: z.string().optional(),
  started_after: originTime.optional(),
  started_before: originTime.optional(),
  sort_by: z.enum(['started_at', 'finished_at', 'status']).default('started_at'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
})
export type ListExecutionsQuery = z.output<typeof listExecutionsQuerySchema>

export const originExecutionSchema = z.object({
  id: z.string(),
  job_id: z.string(),
  environment: z.string().nullable(),
  status: z.string(),
  error: z.string().nullable(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
})
export type OriginExecution = z.output<typeof originExecutionSchema>

export const originAttemptSchema = z.object({
  id: z.string(),
  execution_id: z.string(),
  attempt_index: z.number(),
  status: z.string(),
  error: z.string().nullable(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
})
export type OriginAttempt = z.output<typeof originAttemptSchema>

export const executionListSchema = z.object({ data: z.array(originExecutionSchema) })
export const executionDetailSchema = z.object({ execution: originExecutionSchema, attempts: z.array(originAttemptSchema) })

export const executionIdParamsSchema = z.object({ execution_id: z.string() })
export const jobIdParamsSchema = z.object({ job_id: z.string() })

/** An execution as the origin answers it. */
export function originExecution(execution: Execution): OriginExecution {
  return {
    id: execution.id,
    job_id: execution.job_id,
    environment: execution.environment,
    status: originStatus(execution.status),
    error: execution.error?.message ?? null,
    started_at: (execution.started_at ?? execution.queued_at).toISOString(),
    finished_at: execution.finished_at?.toISOString() ?? null,
  }
}

/** An attempt as the origin answers it. */
export function originAttempt(attempt: Attempt): OriginAttempt {
  return {
    id: attempt.id,
    execution_id: attempt.execution_id,
    attempt_index: attempt.attempt_number,
    status: originStatus(attempt.status),
    error: attempt.error?.message ?? null,
    started_at: attempt.started_at.toISOString(),
    finished_at: attempt.finished_at?.toISOString() ?? null,
  }
}

function originStatus(status: ExecutionStatus): string {
  return ORIGIN_NAME_OF[status] ?? status
}

/** A status filter in either vocabulary as this store's status; undefined when it names none. */
function storeStatus(status: string): ExecutionStatus | undefined {
  const ours = ORIGIN_STATUSES[status] ?? status
  return (executionStatuses as readonly string[]).includes(ours) ? (ours as ExecutionStatus) : undefined
}

/**
 * The origin's filters as this store's list query, or undefined when they can match
 * nothing (a status neither vocabulary knows, a job id that is no UUID: the origin
 * compares them and finds no row).
 * The origin's `started_at` filters and sort read `queued_at`: the moment the run was
 * asked for, which is when an origin run started, and the column the list's indexes
 * are ordered by.
 */
export function storeListQuery(query: ListExecutionsQuery): ListQuery | undefined {
  const rules: FilterLeaf[] = []
  // Job ids here are UUIDs: other text names no job (and must not reach a uuid column).
  if (query.job_id !== undefined && !isUuid(query.job_id)) return undefined
  if (query.job_id !== undefined) rules.push({ column: 'job_id', operator: '==', value: query.job_id })
  if (query.status !== undefined) {
    const status = storeStatus(query.status)
    if (status === undefined) return undefined
    rules.push({ column: 'status', operator: '==', value: status })
  }
  if (query.environment !== undefined) rules.push({ column: 'environment', operator: '==', value: query.environment })
  if (query.started_after !== undefined) rules.push({ column: 'queued_at', operator: '>=', value: query.started_after })
  if (query.started_before !== undefined) rules.push({ column: 'queued_at', operator: '<=', value: query.started_before })
  const column = query.sort_by === 'started_at' ? 'queued_at' : query.sort_by
  // Newest first is the list's own order (`queued_at desc, id desc`): left unsaid, the
  // list picks the index that matches the filter.
  const isDefaultOrder = column === 'queued_at' && query.order === 'desc'
  return {
    ...(rules.length > 0 ? { where: { logical_operator: 'AND', rules } } : {}),
    // The id breaks ties in the same direction, so pages never overlap.
    ...(isDefaultOrder
      ? {}
      : {
          order_by: [
            { column, direction: query.order },
            { column: 'id', direction: query.order },
          ],
        }),
    limit: query.limit,
    offset: query.offset,
  }
}
