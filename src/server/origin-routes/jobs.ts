import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ConstraintError, isPersistenceError, NotFoundError, ValidationError, type ErrorType } from '../../errors.js'
import { statusOf } from '../http-errors.js'
import type { ServerDeps } from '../server-options.js'
import { originJob, originJobBriefSchema, originJobList, originJobSchema } from './job-origin-view.js'
import { originError, originValidationError, pythonRepr } from './origin-errors.js'

const tags = ['Jobs']

const jobParamsSchema = z.object({ job_id: z.string().min(1).describe("The job's id") })

/**
 * The store validates job configs itself (every issue with its JSON path), so the route
 * only documents the body: any JSON object, as the origin's `JobConfig` reads it.
 */
const jobConfigBodySchema = z
  .looseObject({})
  .describe("A job config in the origin's format; GET /configs/job and /configs/{comp_type}/full describe its fields")

/**
 * /jobs (api/routers/jobs.py): create, list, read, replace and delete job configs.
 * Every request runs as its principal (`request.store`). There is no response cache as
 * in the origin: the store's own graph cache is invalidated by every write, so a second
 * server process on the same database never answers a stale job.
 */
export async function registerOriginJobRoutes(app: FastifyInstance, _deps: ServerDeps): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()

  routes.post(
    '/jobs',
    {
      schema: {
        tags,
        summary: 'Create a new Job',
        description: "Validates the job config and saves it as the job's first version. Answers the new job's id as a JSON string.",
        body: jobConfigBodySchema,
        response: { 200: z.string().describe("The new job's id") },
      },
    },
    async (request, reply) => {
      try {
        return jsonString(reply, (await request.store.jobs.create(request.body)).id)
      } catch (error) {
        throw jobWriteError(error, 'persisting')
      }
    },
  )

  routes.get(
    '/jobs',
    {
      schema: {
        tags,
        summary: 'List all Jobs (no components)',
        description: 'Every job, oldest first, with its own fields and metadata but without components.',
        response: { 200: z.array(originJobBriefSchema) },
      },
    },
    async (request) => {
      try {
        return await originJobList(request.store)
      } catch (error) {
        throw databaseError(error, 'Failed to list jobs.')
      }
    },
  )

  routes.get(
    '/jobs/:job_id',
    {
      schema: {
        tags,
        summary: 'Get Job by ID',
        description: "The job config as saved (what `etlp jobs export` writes), with the job's own fields filled in and its `id`.",
        params: jobParamsSchema,
        response: { 200: originJobSchema },
      },
    },
    async (request) => {
      const { job_id: jobId } = request.params
      try {
        return await originJob(request.store, jobId)
      } catch (error) {
        if (error instanceof NotFoundError) throw jobNotFound(jobId, error)
        throw databaseError(error, 'Failed to load job.')
      }
    },
  )

  routes.put(
    '/jobs/:job_id',
    {
      schema: {
        tags,
        summary: "Replace a Job's config",
        description: "Validates the config and saves it as the job's next version (an identical config makes none). Answers the job's id.",
        params: jobParamsSchema,
        body: jobConfigBodySchema,
        response: { 200: z.string().describe("The job's id") },
      },
    },
    async (request, reply) => {
      const { job_id: jobId } = request.params
      try {
        return jsonString(reply, (await request.store.jobs.update(jobId, request.body)).id)
      } catch (error) {
        if (error instanceof NotFoundError) throw jobNotFound(jobId, error, { context: { job_id: jobId } })
        throw jobWriteError(error, 'updating', jobId)
      }
    },
  )

  routes.delete(
    '/jobs/:job_id',
    {
      schema: {
        tags,
        summary: 'Delete Job by ID',
        description: 'Deletes the job with its versions, components and links, and its execution history, as the origin does.',
        params: jobParamsSchema,
        response: { 200: z.object({ message: z.string() }) },
      },
    },
    async (request) => {
      const { job_id: jobId } = request.params
      try {
        // The origin's job rows cascade to their executions: so does this route.
        await request.store.jobs.delete(jobId, { force: true })
      } catch (error) {
        if (error instanceof NotFoundError) throw jobNotFound(jobId, error)
        throw databaseError(error, 'Failed to delete job.')
      }
      return { message: `Job ${pythonRepr(jobId)} deleted successfully` }
    },
  )
}

/**
 * The origin answers an id as a JSON string (`"0190…"`, quotes included). Fastify sends a
 * string as it is, so it is encoded here.
 */
function jsonString(reply: FastifyReply, value: string): string {
  void reply.type('application/json; charset=utf-8')
  return JSON.stringify(value)
}

/** 404 JOB_NOT_FOUND with the origin's message. */
function jobNotFound(jobId: string, cause: NotFoundError, extra: Record<string, unknown> = {}) {
  return originError(404, 'JOB_NOT_FOUND', `Job with id ${pythonRepr(jobId)} not found`, cause, extra)
}

/**
 * A failed create or update: a config the store refused is FastAPI's 422 list (the
 * origin validates `JobConfig` before its handler runs), a constraint is 409
 * DB_INTEGRITY_ERROR, and database trouble is DB_ERROR.
 */
function jobWriteError(error: unknown, doing: 'persisting' | 'updating', jobId?: string): unknown {
  const context = jobId === undefined ? {} : { context: { job_id: jobId } }
  if (error instanceof ValidationError) return originValidationError(error, 'body')
  if (error instanceof ConstraintError) return originError(409, 'DB_INTEGRITY_ERROR', `Database integrity error while ${doing} a job.`, error, context)
  return databaseError(error, `Database error while ${doing} a job.`, context)
}

/**
 * The store's connection, transaction and query failures as the origin's DB_ERROR, with
 * this product's status (503 when the database is unreachable or busy: worth a retry).
 * Other failures (access denied, a conflict) keep their own code and status.
 */
function databaseError(error: unknown, message: string, extra: Record<string, unknown> = {}): unknown {
  if (!isPersistenceError(error) || !DATABASE_ERRORS.has(error.error_type)) return error
  return originError(statusOf(error), 'DB_ERROR', message, error, extra)
}

const DATABASE_ERRORS: ReadonlySet<ErrorType> = new Set<ErrorType>(['connection_error', 'transaction_error', 'query_error'])
