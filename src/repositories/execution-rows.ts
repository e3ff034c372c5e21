import type { DialectAdapter } from '../db/dialect-adapter.js'
import type {
  Attempt,
  ComponentRun,
  ErrorInfo,
  Execution,
  ExecutionEvent,
  ExecutionStatus,
  ExecutionTrigger,
} from '../schema/execution-schemas.js'
import type { StoreContext } from '../store-context.js'

/** The prefixed names of the execution tables. @internal */
export function executionTables(context: StoreContext) {
  return {
    executions: context.table('executions'),
    payloads: context.table('execution_payloads'),
    attempts: context.table('execution_attempts'),
    runs: context.table('component_runs'),
    events: context.table('execution_events'),
    state: context.table('job_state'),
    pending: context.table('job_state_pending'),
    jobs: context.table('jobs'),
  }
}

/** Execution header columns: the payload (params, error details) lives in its own table. */
export const EXECUTION_COLUMNS = [
  'id',
  'job_id',
  'job_version',
  'environment',
  'status',
  'trigger',
  'idempotency_key',
  'worker_id',
  'lease_expires_at',
  'attempt_count',
  'max_attempts',
  'queued_at',
  'started_at',
  'finished_at',
  'duration_ms',
  'error_type',
  'error_message',
] as const

type Row = Record<string, unknown>

const optionalDate = (adapter: DialectAdapter, value: unknown) =>
  value === null || value === undefined ? null : adapter.decodeTimestamp(value)
const optionalNumber = (value: unknown) => (value === null || value === undefined ? null : Number(value))
const optionalString = (value: unknown) => (value === null || value === undefined ? null : String(value))

function errorFrom(row: Row, details: unknown): Execution['error'] {
  if (row.error_type === null || row.error_type === undefined) return null
  return { type: String(row.error_type), message: String(row.error_message ?? ''), details: details ?? null }
}

export function executionFromRow(adapter: DialectAdapter, row: Row, errorDetails: unknown = null): Execution {
  return {
    id: String(row.id),
    job_id: String(row.job_id),
    job_version: Number(row.job_version),
    environment: optionalString(row.environment),
    status: row.status as ExecutionStatus,
    trigger: row.trigger as ExecutionTrigger,
    idempotency_key: optionalString(row.idempotency_key),
    worker_id: optionalString(row.worker_id),
    lease_expires_at: optionalDate(adapter, row.lease_expires_at),
    attempt_count: Number(row.attempt_count),
    max_attempts: Number(row.max_attempts),
    queued_at: adapter.decodeTimestamp(row.queued_at),
    started_at: optionalDate(adapter, row.started_at),
    finished_at: optionalDate(adapter, row.finished_at),
    duration_ms: optionalNumber(row.duration_ms),
    error: errorFrom(row, errorDetails),
  }
}

export function attemptFromRow(adapter: DialectAdapter, row: Row): Attempt {
  return {
    id: String(row.id),
    execution_id: String(row.execution_id),
    attempt_number: Number(row.attempt_number),
    status: row.status as ExecutionStatus,
    worker_id: optionalString(row.worker_id),
    started_at: adapter.decodeTimestamp(row.started_at),
    finished_at: optionalDate(adapter, row.finished_at),
    error: errorFrom(row, adapter.decodeJson(row.error_details)),
  }
}

export function componentRunFromRow(adapter: DialectAdapter, row: Row): ComponentRun {
  return {
    attempt_id: String(row.attempt_id),
    execution_id: String(row.execution_id),
    component_name: String(row.component_name),
    status: String(row.status),
    started_at: optionalDate(adapter, row.started_at),
    finished_at: optionalDate(adapter, row.finished_at),
    lines_received: Number(row.lines_received),
    lines_forwarded: Number(row.lines_forwarded),
    error_count: Number(row.error_count),
    processing_ms: Number(row.processing_ms),
    metrics: adapter.decodeJson(row.metrics),
  }
}

export function eventFromRow(adapter: DialectAdapter, row: Row): ExecutionEvent {
  return {
    id: String(row.id),
    execution_id: String(row.execution_id),
    at: adapter.decodeTimestamp(row.at),
    level: row.level as ExecutionEvent['level'],
    component_name: optionalString(row.component_name),
    message: String(row.message),
    data: adapter.decodeJson(row.data),
  }
}

/** The header keeps a bounded message; the full error goes to the payload table. */
export function errorColumns(error: ErrorInfo | undefined): { error_type: string | null; error_message: string | null } {
  if (!error) return { error_type: null, error_message: null }
  return { error_type: error.type, error_message: error.message.slice(0, 1000) }
}
