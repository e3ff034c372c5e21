import { z } from 'zod'
import { NotFoundError } from '../errors.js'
import type { ExecutionDetail } from '../schema/execution-schemas.js'
import { parseOrThrow } from '../schema/zod-issues.js'
import type { StoreContext } from '../store-context.js'
import { EXECUTION_COLUMNS, attemptFromRow, componentRunFromRow, eventFromRow, executionFromRow } from './execution-rows.js'

export type { ExecutionDetail } from '../schema/execution-schemas.js'

const getOptionsSchema = z.strictObject({
  include: z
    .strictObject({
      attempts: z.boolean().optional(),
      componentRuns: z.boolean().optional(),
      /** `true` (the first page) or a page: `{limit, after}` where `after` is the last event id seen. */
      events: z.union([z.boolean(), z.strictObject({ limit: z.int().min(1).max(10_000).optional(), after: z.string().max(36).optional() })]).optional(),
    })
    .optional(),
})
export type GetExecutionOptions = z.input<typeof getOptionsSchema>

const DEFAULT_EVENT_PAGE = 100

/** One execution with what `include` asks for: a fixed number of queries, whatever the sizes. */
export async function getExecution(context: StoreContext, id: string, options: GetExecutionOptions = {}): Promise<ExecutionDetail> {
  const include = parseOrThrow(getOptionsSchema, options, 'options').include ?? {}
  const { adapter, db } = context
  const row = await db
    .selectFrom('executions')
    .leftJoin('execution_payloads', 'execution_payloads.execution_id', 'executions.id')
    .select([...EXECUTION_COLUMNS.map((column) => `executions.${column}` as const), 'params', 'error_details'])
    .where('executions.id', '=', id)
    .executeTakeFirst()
  if (!row) throw new NotFoundError(`Execution ${id} not found`, { tableName: context.table('executions') })
  const detail: ExecutionDetail = {
    ...executionFromRow(adapter, row, adapter.decodeJson(row.error_details)),
    params: adapter.decodeJson(row.params) ?? {},
  }
  if (include.attempts) {
    const rows = await db.selectFrom('execution_attempts').selectAll().where('execution_id', '=', id).orderBy('attempt_number').execute()
    detail.attempts = rows.map((attempt) => attemptFromRow(adapter, attempt))
  }
  if (include.componentRuns) {
    const rows = await db.selectFrom('component_runs').selectAll().where('execution_id', '=', id).orderBy('attempt_id').orderBy('component_name').execute()
    detail.component_runs = rows.map((run) => componentRunFromRow(adapter, run))
  }
  if (include.events) {
    const page = include.events === true ? {} : include.events
    const limit = page.limit ?? DEFAULT_EVENT_PAGE
    let query = db
      .selectFrom('execution_events')
      .selectAll()
      .where('execution_id', '=', id)
      .orderBy('id')
      .limit(limit + 1)
    if (page.after !== undefined) query = query.where('id', '>', page.after)
    const rows = await query.execute()
    const items = rows.slice(0, limit).map((event) => eventFromRow(adapter, event))
    detail.events = items
    detail.events_next_cursor = rows.length > limit ? (items.at(-1)?.id ?? null) : null
  }
  return detail
}
