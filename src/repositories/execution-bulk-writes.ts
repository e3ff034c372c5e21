import { ConflictError, NotFoundError, ValidationError } from '../errors.js'
import {
  componentRunsSchema,
  eventsSchema,
  type ComponentRunInput,
  type EventInput,
} from '../schema/execution-schemas.js'
import { uuidv7 } from '../schema/ids.js'
import { parseOrThrow } from '../schema/zod-issues.js'
import type { StoreContext } from '../store.js'
import { insertChunked } from './bulk-insert.js'
import { executionTables } from './execution-rows.js'

/**
 * Validates every run first (issues carry `runs[3].lines_received`), then writes them all
 * in one transaction, chunked to the engine's parameter limit. A bad row writes nothing.
 */
export async function recordComponentRuns(
  context: StoreContext,
  attemptId: string,
  runs: readonly ComponentRunInput[],
): Promise<{ written: number }> {
  const parsed = parseOrThrow(componentRunsSchema, runs, 'runs')
  const seen = new Map<string, number>()
  const duplicates = parsed.flatMap((run, index) => {
    const first = seen.get(run.component_name)
    seen.set(run.component_name, first ?? index)
    return first === undefined
      ? []
      : [{ path: `runs[${index}].component_name`, message: `Duplicate of runs[${first}]: one run per component per attempt` }]
  })
  if (duplicates.length > 0) throw new ValidationError(duplicates)

  const { attempts, runs: table } = executionTables(context)
  const { adapter } = context
  const written = await context.transaction(async ({ db }) => {
    const attempt = await db.selectFrom(attempts).select(['execution_id', 'status']).where('id', '=', attemptId).executeTakeFirst()
    if (!attempt) throw new NotFoundError(`Attempt ${attemptId} not found`, { tableName: attempts })
    if (attempt.status !== 'RUNNING') {
      throw new ConflictError(`Attempt ${attemptId} is ${attempt.status}: component runs are recorded while it runs`, {
        tableName: attempts,
      })
    }
    const rows = parsed.map((run) => ({
      attempt_id: attemptId,
      component_name: run.component_name,
      execution_id: attempt.execution_id,
      status: run.status,
      started_at: run.started_at === undefined ? null : adapter.encodeTimestamp(run.started_at),
      finished_at: run.finished_at === undefined ? null : adapter.encodeTimestamp(run.finished_at),
      lines_received: run.lines_received,
      lines_forwarded: run.lines_forwarded,
      error_count: run.error_count,
      processing_ms: run.processing_ms,
      metrics: run.metrics === undefined ? null : adapter.encodeJson(run.metrics),
    }))
    return insertChunked(db, adapter, table, rows)
  })
  return { written }
}

/** Validates every event, then appends them all in one transaction (chunked). */
export async function appendEvents(
  context: StoreContext,
  executionId: string,
  events: readonly EventInput[],
): Promise<{ written: number }> {
  const parsed = parseOrThrow(eventsSchema, events, 'events')
  const { executions, events: table } = executionTables(context)
  const { adapter } = context
  const now = context.now()
  const written = await context.transaction(async ({ db }) => {
    const execution = await db.selectFrom(executions).select('id').where('id', '=', executionId).executeTakeFirst()
    if (!execution) throw new NotFoundError(`Execution ${executionId} not found`, { tableName: executions })
    const rows = parsed.map((event) => ({
      // UUIDv7 ids keep the log in append order for keyset paging.
      id: uuidv7(),
      execution_id: executionId,
      at: adapter.encodeTimestamp(event.at ?? now),
      level: event.level,
      component_name: event.component_name ?? null,
      message: event.message,
      data: event.data === undefined ? null : adapter.encodeJson(event.data),
    }))
    return insertChunked(db, adapter, table, rows)
  })
  return { written }
}
