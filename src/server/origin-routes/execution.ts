import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { NotFoundError } from '../../errors.js'
import { isUuid } from '../../schema/ids.js'
import type { Store } from '../../store.js'
import type { ServerDeps } from '../server-options.js'
import { originError } from './origin-errors.js'
import {
  executionDetailSchema,
  executionIdParamsSchema,
  executionListSchema,
  jobIdParamsSchema,
  listExecutionsQuerySchema,
  originAttempt,
  originAttemptSchema,
  originExecution,
  startExecutionBodySchema,
  startedExecutionSchema,
  storeListQuery,
} from './execution-shapes.js'

const tags = ['execution']

/**
 * /execution (api/routers/execution.py): start a job, list and read executions with
 * their attempts. The origin runs the job inside the request; here `POST` queues it
 * and a worker (`store.executions.claimNext`) runs it. The answer keeps the origin's
 * shape and `status: "started"`; `execution_status` says it is QUEUED.
 */
export async function registerOriginExecutionRoutes(app: FastifyInstance, _deps: ServerDeps): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()

  routes.post(
    '/execution/:job_id',
    {
      schema: {
        tags,
        summary: 'Start a job execution',
        description: 'Queues an execution of the job’s current version for a worker. The body and its environment are optional.',
        params: jobIdParamsSchema,
        body: startExecutionBodySchema,
        response: { 200: startedExecutionSchema },
      },
    },
    async (request) => {
      const jobId = request.params.job_id
      const environment = request.body?.environment
      const execution = await startExecution(request.store, jobId, environment)
      return {
        job_id: jobId,
        status: 'started' as const,
        execution_id: execution.id,
        max_attempts: execution.max_attempts,
        environment: environment ?? null,
        execution_status: execution.status,
      }
    },
  )

  routes.get(
    '/execution/executions',
    {
      schema: {
        tags,
        summary: 'List executions with filters',
        description:
          'Newest first by default. `started_after`/`started_before` and `sort_by=started_at` use the time the run was asked for; a time without a zone is this server’s local time.',
        querystring: listExecutionsQuerySchema,
        response: { 200: executionListSchema },
      },
    },
    async (request) => {
      const query = storeListQuery(request.query)
      if (query === undefined) return { data: [] }
      const page = await request.store.executions.list(query)
      return { data: page.items.map(originExecution) }
    },
  )

  routes.get(
    '/execution/executions/:execution_id',
    {
      schema: {
        tags,
        summary: 'Get one execution (with attempts)',
        params: executionIdParamsSchema,
        response: { 200: executionDetailSchema },
      },
    },
    async (request) => {
      const execution = await executionWithAttempts(request.store, request.params.execution_id)
      return { execution: originExecution(execution), attempts: (execution.attempts ?? []).map(originAttempt) }
    },
  )

  routes.get(
    '/execution/executions/:execution_id/attempts',
    {
      schema: {
        tags,
        summary: 'List attempts for one execution',
        description: 'In attempt order (attempt_index 1, 2, …).',
        params: executionIdParamsSchema,
        response: { 200: originAttemptSchema.array() },
      },
    },
    async (request) => {
      const execution = await executionWithAttempts(request.store, request.params.execution_id)
      return (execution.attempts ?? []).map(originAttempt)
    },
  )
}

/** Queues the run; a job id that names no job (a malformed one too) is the origin's JOB_NOT_FOUND. */
async function startExecution(store: Store, jobId: string, environment: string | undefined) {
  const notFound = (cause?: unknown) => originError(404, 'JOB_NOT_FOUND', `Job ${jobId} not found`, cause, { context: { job_id: jobId } })
  if (!isUuid(jobId)) throw notFound()
  try {
    return await store.executions.start({ jobId, trigger: 'api', ...(environment === undefined ? {} : { environment }) })
  } catch (error) {
    if (error instanceof NotFoundError) throw notFound(error)
    throw error
  }
}

async function executionWithAttempts(store: Store, id: string) {
  const notFound = (cause?: unknown) => originError(404, 'EXECUTION_NOT_FOUND', 'Execution not found', cause, { execution_id: id })
  // Ids here are UUIDs: any other text names no execution (and never reaches a uuid column).
  if (!isUuid(id)) throw notFound()
  try {
    return await store.executions.get(id, { include: { attempts: true } })
  } catch (error) {
    if (error instanceof NotFoundError) throw notFound(error)
    throw error
  }
}
