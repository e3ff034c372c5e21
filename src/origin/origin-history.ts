import type { DialectAdapter } from '../db/dialect-adapter.js'
import { isUuid } from '../schema/ids.js'
import type { OriginRow } from './origin-database.js'
import type { OriginRowError } from './origin-row-error.js'
import { OriginRowReader } from './origin-row-reader.js'
import type { OriginTimeZone } from './origin-time.js'

/** etl-core keeps only the error's text: this is the type it gets here. */
export const ORIGIN_ERROR_TYPE = 'error'
/** The execution header keeps this much of a message (its `error_message` column). */
const HEADER_MESSAGE_LENGTH = 1000

/** The store rows of one origin execution: header, payload and attempts. */
export interface HistoryRows {
  readonly id: string
  readonly execution: Record<string, unknown>
  readonly payload: Record<string, unknown>
  readonly attempts: ReadonlyArray<Record<string, unknown>>
  readonly running: boolean
}

/**
 * An origin execution with its attempts, as this store's rows, times and ids kept.
 * - status: `RUNNING` → RUNNING, `SUCCESS` → SUCCEEDED, `FAILED` → FAILED (attempts alike);
 * - the error text becomes `{type: 'error', message}`; the header keeps its first 1,000
 *   characters, a longer text goes whole into the payload's error details (`{message}`);
 * - etl-core has no queue: `queued_at` is `started_at`; the trigger is `manual` (etl-core
 *   does not record what started a run); `max_attempts` is `num_of_retries + 1` (or the
 *   number of attempts, if more were made), the job version the one the import made (1).
 * Every problem of the execution row and of its attempt rows is reported.
 */
export function originHistory(
  adapter: DialectAdapter,
  execution: OriginRow,
  attempts: readonly OriginRow[],
  job: { readonly id: string; readonly numOfRetries: number },
  zone: OriginTimeZone,
): { rows?: HistoryRows; errors: OriginRowError[] } {
  const errors: OriginRowError[] = []
  const reader = new OriginRowReader('executiontable', execution, zone)
  if (!isUuid(execution.id)) reader.problem('id', 'Not a UUID: ids are kept, and this store’s ids are UUIDs')
  const environment = reader.text('environment', { nullable: true, max: 50 })
  const status = reader.status('status')
  const error = reader.text('error', { nullable: true })
  const startedAt = reader.time('started_at')
  const finishedAt = reader.time('finished_at', { nullable: true })
  const numbers = new Map<number, string>()
  const attemptRows: Array<Record<string, unknown>> = []
  for (const row of attempts) {
    const attempt = new OriginRowReader('executionattempttable', row, zone)
    if (!isUuid(row.id)) attempt.problem('id', 'Not a UUID: ids are kept, and this store’s ids are UUIDs')
    const number = attempt.integer('attempt_index', { min: 1 })
    if (typeof number === 'number' && numbers.has(number))
      attempt.problem('attempt_index', `Attempt ${number} of this execution is also row ${numbers.get(number)}`)
    if (typeof number === 'number') numbers.set(number, String(row.id))
    const attemptStatus = attempt.status('status')
    const attemptError = attempt.text('error', { nullable: true })
    const attemptStarted = attempt.time('started_at')
    const attemptFinished = attempt.time('finished_at', { nullable: true })
    const problem = attempt.error(job.id)
    if (problem) {
      errors.push(problem)
      continue
    }
    attemptRows.push({
      id: String(row.id),
      execution_id: String(execution.id),
      attempt_number: number,
      status: attemptStatus,
      worker_id: null,
      started_at: adapter.encodeTimestamp(attemptStarted as Date),
      finished_at: attemptFinished === null ? null : adapter.encodeTimestamp(attemptFinished as Date),
      error_type: attemptError === null ? null : ORIGIN_ERROR_TYPE,
      error_message: attemptError,
      error_details: null,
    })
  }
  const problem = reader.error(job.id)
  if (problem) errors.unshift(problem)
  if (errors.length > 0) return { errors }

  const started = startedAt as Date
  const finished = finishedAt as Date | null
  const message = error as string | null
  const id = String(execution.id)
  return {
    rows: {
      id,
      running: status === 'RUNNING',
      execution: {
        id,
        job_id: job.id,
        job_version: 1,
        environment,
        status,
        trigger: 'manual',
        idempotency_key: null,
        worker_id: null,
        lease_expires_at: null,
        lease_ms: null,
        attempt_count: attemptRows.length,
        max_attempts: Math.max(job.numOfRetries + 1, attemptRows.length, 1),
        queued_at: adapter.encodeTimestamp(started),
        started_at: adapter.encodeTimestamp(started),
        finished_at: finished === null ? null : adapter.encodeTimestamp(finished),
        duration_ms: finished === null ? null : Math.max(0, finished.getTime() - started.getTime()),
        error_type: message === null ? null : ORIGIN_ERROR_TYPE,
        error_message: message === null ? null : message.slice(0, HEADER_MESSAGE_LENGTH),
        updated_at: adapter.encodeTimestamp(finished ?? started),
      },
      payload: {
        execution_id: id,
        params: adapter.encodeJson({}),
        error_details: message !== null && message.length > HEADER_MESSAGE_LENGTH ? adapter.encodeJson({ message }) : null,
      },
      attempts: attemptRows,
    },
    errors,
  }
}
