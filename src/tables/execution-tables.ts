import { column, declareTable } from '../db/table-declaration.js'
import { componentRunStatusSchema, eventLevelSchema, executionStatuses, triggerSchema } from '../schema/execution-schemas.js'

// The execution family's storage, declared once: the repositories' queries are checked
// against these columns, and the row decoders (execution-rows.ts) are generated from them.

export const componentRunsTable = declareTable('component_runs', {
  attempt_id: column.string(),
  component_name: column.string(),
  execution_id: column.string(),
  status: column.enum(componentRunStatusSchema.options),
  started_at: column.timestamp().orNull(),
  finished_at: column.timestamp().orNull(),
  lines_received: column.integer(),
  lines_forwarded: column.integer(),
  error_count: column.integer(),
  processing_ms: column.number(),
  metrics: column.json().orNull(),
})

export const executionAttemptsTable = declareTable('execution_attempts', {
  id: column.string(),
  execution_id: column.string(),
  attempt_number: column.integer(),
  status: column.enum(executionStatuses),
  worker_id: column.string().orNull(),
  started_at: column.timestamp(),
  finished_at: column.timestamp().orNull(),
  error_type: column.string().orNull(),
  error_message: column.string().orNull(),
  error_details: column.json().orNull(),
})

export const executionEventsTable = declareTable('execution_events', {
  id: column.string(),
  execution_id: column.string(),
  at: column.timestamp(),
  level: column.enum(eventLevelSchema.options),
  component_name: column.string().orNull(),
  message: column.string(),
  data: column.json().orNull(),
})

export const executionPayloadsTable = declareTable('execution_payloads', {
  execution_id: column.string(),
  params: column.json<Record<string, unknown>>().orNull(),
  error_details: column.json().orNull(),
})

export const executionsTable = declareTable('executions', {
  id: column.string(),
  job_id: column.string(),
  job_version: column.integer(),
  environment: column.string().orNull(),
  status: column.enum(executionStatuses),
  trigger: column.enum(triggerSchema.options),
  idempotency_key: column.string().orNull(),
  worker_id: column.string().orNull(),
  lease_expires_at: column.timestamp().orNull(),
  lease_ms: column.integer().orNull(),
  attempt_count: column.integer(),
  max_attempts: column.integer(),
  queued_at: column.timestamp(),
  started_at: column.timestamp().orNull(),
  finished_at: column.timestamp().orNull(),
  duration_ms: column.integer().orNull(),
  error_type: column.string().orNull(),
  error_message: column.string().orNull(),
  updated_at: column.timestamp(),
})

export const jobStateTable = declareTable('job_state', {
  job_id: column.string(),
  state_key: column.string(),
  value: column.json().orNull(),
  updated_at: column.timestamp(),
})

export const jobStatePendingTable = declareTable('job_state_pending', {
  attempt_id: column.string(),
  job_id: column.string(),
  state_key: column.string(),
  value: column.json().orNull(),
  updated_at: column.timestamp(),
})
