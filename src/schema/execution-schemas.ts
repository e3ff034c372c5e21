import { z } from 'zod'
import { isUuid } from './ids.js'

/**
 * Execution metadata, declared once: what callers pass in (validated with paths such as
 * `runs[3].lines_received`) and what the store gives back. Types are inferred from here.
 */

export const executionStatuses = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const
export const executionStatusSchema = z.enum(executionStatuses)
export type ExecutionStatus = z.output<typeof executionStatusSchema>

export const finishedStatusSchema = z.enum(['SUCCEEDED', 'FAILED', 'CANCELLED'])
export type FinishedStatus = z.output<typeof finishedStatusSchema>

export const triggerSchema = z.enum(['manual', 'schedule', 'api'])
export type ExecutionTrigger = z.output<typeof triggerSchema>

export const eventLevelSchema = z.enum(['debug', 'info', 'warning', 'error'])

/** What a component run records: RUNNING while the attempt still runs, else how it finished. */
export const componentRunStatusSchema = z.enum([...finishedStatusSchema.options, 'RUNNING'])

const uuid = z.string().refine(isUuid, 'Expected a UUID')
/** A Date, or an ISO-8601 string with a time zone. */
const instant = z.union([z.date(), z.iso.datetime({ offset: true }).transform((text) => new Date(text))])
const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER)
const jsonObject = z.record(z.string(), z.unknown())

export const startExecutionSchema = z.strictObject({
  jobId: uuid,
  environment: z.string().min(1).max(50).optional(),
  params: jsonObject.optional(),
  /** The same key returns the same execution instead of starting a second one. */
  idempotencyKey: z.string().min(1).max(200).optional(),
  trigger: triggerSchema.default('manual'),
})
export type StartExecutionInput = z.input<typeof startExecutionSchema>

export const errorInfoSchema = z.strictObject({
  type: z.string().min(1).max(100).default('error'),
  message: z.string().max(100_000),
  details: z.unknown().optional(),
})
export type ErrorInfo = z.output<typeof errorInfoSchema>

export const finishResultSchema = z.strictObject({
  status: finishedStatusSchema,
  error: errorInfoSchema.optional(),
})
export type FinishResult = z.input<typeof finishResultSchema>

export const componentRunSchema = z.strictObject({
  component_name: z.string().min(1).max(200),
  status: finishedStatusSchema.or(z.literal('RUNNING')).default('SUCCEEDED'),
  started_at: instant.optional(),
  finished_at: instant.optional(),
  lines_received: count.default(0),
  lines_forwarded: count.default(0),
  error_count: count.default(0),
  processing_ms: z.number().min(0).finite().default(0),
  metrics: jsonObject.optional(),
})
export type ComponentRunInput = z.input<typeof componentRunSchema>
export const componentRunsSchema = z.array(componentRunSchema)

export const eventSchema = z.strictObject({
  level: eventLevelSchema.default('info'),
  message: z.string().max(100_000),
  component_name: z.string().min(1).max(200).optional(),
  at: instant.optional(),
  data: z.unknown().optional(),
})
export type EventInput = z.input<typeof eventSchema>
export const eventsSchema = z.array(eventSchema)

export const claimSchema = z.strictObject({
  workerId: z.string().min(1).max(200),
  leaseMs: z.int().min(1).max(86_400_000).default(30_000),
})
export type ClaimInput = z.input<typeof claimSchema>

// What the store returns.

const errorOut = z.object({ type: z.string(), message: z.string(), details: z.unknown() }).nullable()

export const executionSchema = z.object({
  id: z.string(),
  job_id: z.string(),
  job_version: z.number(),
  environment: z.string().nullable(),
  status: executionStatusSchema,
  trigger: triggerSchema,
  idempotency_key: z.string().nullable(),
  worker_id: z.string().nullable(),
  lease_expires_at: z.date().nullable(),
  attempt_count: z.number(),
  max_attempts: z.number(),
  queued_at: z.date(),
  started_at: z.date().nullable(),
  finished_at: z.date().nullable(),
  duration_ms: z.number().nullable(),
  error: errorOut,
})
export type Execution = z.output<typeof executionSchema>

/** A list or stream item: the header with its job's name. */
export const listedExecutionSchema = executionSchema.extend({ job_name: z.string() })
export type ListedExecution = z.output<typeof listedExecutionSchema>

export const attemptSchema = z.object({
  id: z.string(),
  execution_id: z.string(),
  attempt_number: z.number(),
  status: executionStatusSchema,
  worker_id: z.string().nullable(),
  started_at: z.date(),
  finished_at: z.date().nullable(),
  error: errorOut,
})
export type Attempt = z.output<typeof attemptSchema>

export const componentRunOutSchema = z.object({
  attempt_id: z.string(),
  execution_id: z.string(),
  component_name: z.string(),
  status: componentRunStatusSchema,
  started_at: z.date().nullable(),
  finished_at: z.date().nullable(),
  lines_received: z.number(),
  lines_forwarded: z.number(),
  error_count: z.number(),
  processing_ms: z.number(),
  metrics: z.unknown(),
})
export type ComponentRun = z.output<typeof componentRunOutSchema>

export const executionEventSchema = z.object({
  id: z.string(),
  execution_id: z.string(),
  at: z.date(),
  level: eventLevelSchema,
  component_name: z.string().nullable(),
  message: z.string(),
  data: z.unknown(),
})
export type ExecutionEvent = z.output<typeof executionEventSchema>

/** `executions.get(id, {include})`: the header, its params, and what `include` asked for. */
export const executionDetailSchema = executionSchema.extend({
  params: z.unknown(),
  attempts: z.array(attemptSchema).optional(),
  component_runs: z.array(componentRunOutSchema).optional(),
  events: z.array(executionEventSchema).optional(),
  /** Pass as `include.events.after` for the next page; `null` at the end. */
  events_next_cursor: z.string().nullable().optional(),
})
export type ExecutionDetail = z.output<typeof executionDetailSchema>
