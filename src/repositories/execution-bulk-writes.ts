import { ConflictError, NotFoundError, ValidationError } from '../errors.js'
import { componentRunsSchema, eventsSchema, type ComponentRunInput, type EventInput } from '../schema/execution-schemas.js'
import { uuidv7 } from '../schema/ids.js'
import { parseHotOrThrow } from '../schema/zod-issues.js'
import type { StoreContext } from '../store-context.js'
import { writeEach } from '../db/speed/bulk-write.js'
import { prepare } from '../db/speed/prepared-statement.js'
import { componentRunsTable, executionEventsTable } from '../tables/execution-tables.js'

// In the order the writers below fill the parameters (a misspelt column does not compile).
const RUN_COLUMNS = [
  'attempt_id',
  'component_name',
  'execution_id',
  'status',
  'started_at',
  'finished_at',
  'lines_received',
  'lines_forwarded',
  'error_count',
  'processing_ms',
  'metrics',
] as const satisfies readonly (keyof typeof componentRunsTable.columns)[]
const EVENT_COLUMNS = [
  'id',
  'execution_id',
  'at',
  'level',
  'component_name',
  'message',
  'data',
] as const satisfies readonly (keyof typeof executionEventsTable.columns)[]

const attemptState = prepare<'id'>((t, value) => t.db.selectFrom('execution_attempts').select(['execution_id', 'status']).where('id', '=', value('id')))

/**
 * Validates every run first (issues carry `runs[3].lines_received`), then writes them all
 * in one transaction: multi-row INSERTs chunked to the engine's parameter limit, or one
 * COPY on PostgreSQL for a large batch. A bad row writes nothing, and neither does a row
 * the database refuses (a component already recorded under the attempt: ConstraintError).
 */
export async function recordComponentRuns(context: StoreContext, attemptId: string, runs: readonly ComponentRunInput[]): Promise<{ written: number }> {
  const parsed = parseHotOrThrow(componentRunsSchema, runs, 'runs')
  const seen = new Map<string, number>()
  const duplicates = parsed.flatMap((run, index) => {
    const first = seen.get(run.component_name)
    seen.set(run.component_name, first ?? index)
    return first === undefined ? [] : [{ path: `runs[${index}].component_name`, message: `Duplicate of runs[${first}]: one run per component per attempt` }]
  })
  if (duplicates.length > 0) throw new ValidationError(duplicates)

  const attempts = context.table('execution_attempts')
  const { adapter } = context
  const written = await context.transaction(async (tx) => {
    const attempt = await attemptState.first(tx, { id: attemptId })
    if (!attempt) throw new NotFoundError(`Attempt ${attemptId} not found`, { tableName: attempts })
    if (attempt.status !== 'RUNNING') {
      throw new ConflictError(`Attempt ${attemptId} is ${attempt.status}: component runs are recorded while it runs`, {
        tableName: attempts,
      })
    }
    const executionId = attempt.execution_id
    // In RUN_COLUMNS order.
    return writeEach(tx, componentRunsTable.name, RUN_COLUMNS, parsed, (run, out, at) => {
      out[at] = attemptId
      out[at + 1] = run.component_name
      out[at + 2] = executionId
      out[at + 3] = run.status
      out[at + 4] = run.started_at === undefined ? null : adapter.encodeTimestamp(run.started_at)
      out[at + 5] = run.finished_at === undefined ? null : adapter.encodeTimestamp(run.finished_at)
      out[at + 6] = run.lines_received
      out[at + 7] = run.lines_forwarded
      out[at + 8] = run.error_count
      out[at + 9] = run.processing_ms
      out[at + 10] = run.metrics === undefined ? null : adapter.encodeJson(run.metrics)
    })
  })
  return { written }
}

/** Validates every event, then appends them all in one transaction (chunked, or one COPY for a large batch on PostgreSQL). */
export async function appendEvents(context: StoreContext, executionId: string, events: readonly EventInput[]): Promise<{ written: number }> {
  const parsed = parseHotOrThrow(eventsSchema, events, 'events')
  const { adapter } = context
  const now = context.now()
  const written = await context.transaction(async (tx) => {
    const execution = await tx.db.selectFrom('executions').select('id').where('id', '=', executionId).executeTakeFirst()
    if (!execution) throw new NotFoundError(`Execution ${executionId} not found`, { tableName: tx.table('executions') })
    // In EVENT_COLUMNS order.
    return writeEach(tx, executionEventsTable.name, EVENT_COLUMNS, parsed, (event, out, at) => {
      // UUIDv7 ids keep the log in append order for keyset paging.
      out[at] = uuidv7()
      out[at + 1] = executionId
      out[at + 2] = adapter.encodeTimestamp(event.at ?? now)
      out[at + 3] = event.level
      out[at + 4] = event.component_name ?? null
      out[at + 5] = event.message
      out[at + 6] = event.data === undefined ? null : adapter.encodeJson(event.data)
    })
  })
  return { written }
}
