import type { Expression, ExpressionBuilder, SqlBool } from 'kysely'
import { z } from 'zod'
import { executionStatuses, type ExecutionStatus } from '../schema/execution-schemas.js'
import { isUuid } from '../schema/ids.js'
import { parseOrThrow } from '../schema/zod-issues.js'
import type { StoreContext } from '../store-context.js'
import type { CoreDatabase } from '../tables/core-database.js'

const statsQuerySchema = z.strictObject({
  jobId: z.string().refine(isUuid, 'Expected a UUID').optional(),
  /** Executions queued at or after this time. */
  since: z.date().optional(),
  /** Executions queued before this time. */
  until: z.date().optional(),
  environment: z.string().min(1).max(50).optional(),
  status: z.enum(executionStatuses).optional(),
  /** How many components `slowest_components` lists. */
  slowest: z.int().min(1).max(100).default(5),
})
export type StatsQuery = z.input<typeof statsQuerySchema>

export interface ExecutionStats {
  readonly total: number
  readonly by_status: Record<ExecutionStatus, number>
  /** SUCCEEDED / (SUCCEEDED + FAILED), `null` before anything finished. */
  readonly success_rate: number | null
  readonly duration_ms: { readonly p50: number | null; readonly p95: number | null; readonly max: number | null }
  readonly lines: { readonly received: number; readonly forwarded: number; readonly errors: number }
  readonly last_success_at: Date | null
  readonly last_failure_at: Date | null
  readonly slowest_components: ReadonlyArray<{ component_name: string; runs: number; avg_ms: number; max_ms: number }>
}

/**
 * Everything is aggregated by the database: counts, sums and maxima with GROUP BY; the
 * percentiles by nearest rank — count the finished durations, then read the one value at
 * that rank with `ORDER BY duration_ms LIMIT 1 OFFSET k` (portable, and the rows never
 * leave the server).
 */
export async function executionStats(context: StoreContext, query: StatsQuery = {}): Promise<ExecutionStats> {
  const filter = parseOrThrow(statsQuerySchema, query, 'query')
  const { adapter, db } = context
  const { jobId, since, until, environment, status } = filter
  const conditions: Array<(eb: ExpressionBuilder<CoreDatabase, 'executions'>) => Expression<SqlBool>> = []
  if (jobId !== undefined) conditions.push((eb) => eb('executions.job_id', '=', jobId))
  if (since !== undefined) conditions.push((eb) => eb('executions.queued_at', '>=', adapter.encodeTimestamp(since)))
  if (until !== undefined) conditions.push((eb) => eb('executions.queued_at', '<', adapter.encodeTimestamp(until)))
  if (environment !== undefined) conditions.push((eb) => eb('executions.environment', '=', environment))
  if (status !== undefined) conditions.push((eb) => eb('executions.status', '=', status))
  /** The query with the filter's conditions, each its own `WHERE … AND`. */
  const scoped = <Q extends { where(condition: (typeof conditions)[number]): Q }>(builder: Q): Q =>
    conditions.reduce((query, condition) => query.where(condition), builder)

  const statusRows = await scoped(
    db
      .selectFrom('executions')
      .select((eb) => ['status', eb.fn.countAll().as('n'), eb.fn.max('finished_at').as('last_finished')])
      .groupBy('status'),
  ).execute()
  const by_status = Object.fromEntries(executionStatuses.map((status) => [status, 0])) as Record<ExecutionStatus, number>
  let lastSuccess: unknown = null
  let lastFailure: unknown = null
  for (const row of statusRows) {
    by_status[row.status] = Number(row.n)
    if (row.status === 'SUCCEEDED') lastSuccess = row.last_finished
    if (row.status === 'FAILED') lastFailure = row.last_finished
  }
  const finished = by_status.SUCCEEDED + by_status.FAILED

  const durations = () => scoped(db.selectFrom('executions').where('duration_ms', 'is not', null))
  const counted = await durations()
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.max('duration_ms').as('max')])
    .executeTakeFirst()
  const n = Number(counted?.n ?? 0)
  const percentile = async (p: number): Promise<number | null> => {
    if (n === 0) return null
    const rank = Math.max(0, Math.ceil(p * n) - 1)
    const row = await durations().select('duration_ms').orderBy('duration_ms').limit(1).offset(rank).executeTakeFirst()
    return row ? Number(row.duration_ms) : null
  }

  const lines = await scoped(
    db
      .selectFrom('component_runs')
      .innerJoin('executions', 'executions.id', 'component_runs.execution_id')
      .select((eb) => [
        eb.fn.sum('component_runs.lines_received').as('received'),
        eb.fn.sum('component_runs.lines_forwarded').as('forwarded'),
        eb.fn.sum('component_runs.error_count').as('errors'),
      ]),
  ).executeTakeFirst()

  const slowest = await scoped(
    db
      .selectFrom('component_runs')
      .innerJoin('executions', 'executions.id', 'component_runs.execution_id')
      .select((eb) => [
        'component_runs.component_name',
        eb.fn.countAll().as('runs'),
        eb.fn.avg('component_runs.processing_ms').as('avg_ms'),
        eb.fn.max('component_runs.processing_ms').as('max_ms'),
      ])
      .groupBy('component_runs.component_name')
      .orderBy('avg_ms', 'desc')
      .orderBy('component_runs.component_name')
      .limit(filter.slowest),
  ).execute()

  const date = (value: unknown) => (value === null || value === undefined ? null : adapter.decodeTimestamp(value))
  return {
    total: Object.values(by_status).reduce((sum, value) => sum + value, 0),
    by_status,
    success_rate: finished === 0 ? null : by_status.SUCCEEDED / finished,
    duration_ms: { p50: await percentile(0.5), p95: await percentile(0.95), max: n === 0 ? null : Number(counted?.max) },
    lines: { received: Number(lines?.received ?? 0), forwarded: Number(lines?.forwarded ?? 0), errors: Number(lines?.errors ?? 0) },
    last_success_at: date(lastSuccess),
    last_failure_at: date(lastFailure),
    slowest_components: slowest.map((row) => ({
      component_name: String(row.component_name),
      runs: Number(row.runs),
      avg_ms: Number(row.avg_ms),
      max_ms: Number(row.max_ms),
    })),
  }
}
