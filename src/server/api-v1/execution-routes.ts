import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { GetExecutionOptions } from '../../repositories/execution-reads.js'
import { claimSchema } from '../../schema/execution-schemas.js'
import { isUuid } from '../../schema/ids.js'
import {
  attemptOut,
  claimBody,
  componentRunBody,
  eventBody,
  executionDetailOut,
  executionOut,
  finishBody,
  listedExecutionOut,
  startExecutionBody,
} from './api-components.js'
import { registerListRoutes } from './list-routes.js'
import { bodyCheckedByStore, errorResponses, idParams, instantText, listText, lookupText, noContent, storable, storedObject } from './route-support.js'

const tags = ['executions']
const workerTags = ['workers']

const detailQuery = z.strictObject({
  include: listText(['attempts', 'component_runs', 'events']).optional(),
  events_limit: z.coerce.number().pipe(z.int().min(1).max(10_000)).optional().describe('Events per page (default 100)'),
  events_after: lookupText(36).optional().describe('The events_next_cursor of the previous page'),
})
const statsQuery = z.strictObject({
  job_id: z.string().refine(isUuid, 'Expected a UUID').optional(),
  since: instantText.optional().describe('Only executions queued at or after this time'),
  slowest: z.coerce.number().pipe(z.int().min(1).max(100)).optional().describe('How many components slowest_components lists (default 5)'),
})

/**
 * The lease a worker may take with an attempt it starts itself (claimNext takes one
 * always). Optional bodies are `nullish`: Fastify hands an empty POST over as null.
 */
const attemptBody = z
  .strictObject({ workerId: storable(claimSchema.shape.workerId), leaseMs: claimSchema.shape.leaseMs.unwrap() })
  .partial()
  .nullish()
const heartbeatBody = z.strictObject({ workerId: storable(claimSchema.shape.workerId) })
/** Purge options; the store checks all but `olderThan`, which JSON can only carry as text. */
const purgeBody = z
  .looseObject({ olderThan: instantText.optional().describe('Purge what finished before this time (default: retention.execution_days ago)') })
  .describe('olderThan, jobId, status, dryRun, batchSize')
  .nullish()
const written = z.object({ written: z.number() })

/**
 * /api/v1/executions and /api/v1/attempts: the history, stats, and every transition a
 * remote worker makes (claim, heartbeat, attempts, component runs, events, finish).
 */
export async function registerExecutionRoutes(app: FastifyInstance): Promise<void> {
  const typed = app.withTypeProvider<ZodTypeProvider>()

  registerListRoutes(app, {
    path: '/executions',
    tag: 'executions',
    noun: 'executions (newest first)',
    columns:
      'id, job_id, job_name, job_version, status, environment, trigger, worker_id, idempotency_key, attempt_count, queued_at, started_at, finished_at, duration_ms',
    item: listedExecutionOut,
    list: (store, query) => store.executions.list(query),
  })

  typed.post(
    '/executions',
    {
      ...bodyCheckedByStore,
      schema: {
        tags,
        summary: "Queue an execution of a job's current version",
        description: 'The same idempotencyKey answers the execution it first started.',
        body: startExecutionBody,
        response: { 201: executionOut, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await request.store.executions.start(request.body as never)),
  )

  typed.get(
    '/executions/stats',
    {
      schema: {
        tags,
        summary: 'Counts, success rate, duration percentiles, lines and the slowest components',
        querystring: statsQuery,
        response: {
          200: storedObject('total, by_status, success_rate, duration_ms, lines, last_success_at, last_failure_at, slowest_components'),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { job_id, since, slowest } = request.query
      return request.store.executions.stats({
        ...(job_id === undefined ? {} : { jobId: job_id }),
        ...(since === undefined ? {} : { since }),
        ...(slowest === undefined ? {} : { slowest }),
      })
    },
  )

  typed.get(
    '/executions/:id',
    {
      schema: {
        tags,
        summary: 'An execution with its params, and on request its attempts, component runs and a page of events',
        params: idParams,
        querystring: detailQuery,
        response: { 200: executionDetailOut, ...errorResponses },
      },
    },
    async (request) => request.store.executions.get(request.params.id, detailOptions(request.query)),
  )

  typed.post(
    '/executions/:id/finish',
    {
      ...bodyCheckedByStore,
      schema: {
        tags,
        summary: 'Finish an execution directly (cancel a queued one, end a running one)',
        description: 'A running attempt ends with the same status; finishing a finished execution is a 409.',
        params: idParams,
        body: finishBody,
        response: { 200: executionOut, ...errorResponses },
      },
    },
    async (request) => request.store.executions.finish(request.params.id, request.body as never),
  )

  typed.post(
    '/executions/:id/events',
    {
      ...bodyCheckedByStore,
      schema: {
        tags: workerTags,
        summary: 'Append log lines to an execution (all or none)',
        params: idParams,
        body: z.array(eventBody),
        response: { 201: written, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await request.store.executions.appendEvents(request.params.id, request.body as never)),
  )

  typed.post(
    '/executions/claim',
    {
      ...bodyCheckedByStore,
      schema: {
        tags: workerTags,
        summary: 'Take the oldest queued execution, with a lease',
        description: 'Exactly one worker gets each execution. 204 when none is queued.',
        body: claimBody,
        response: { 200: z.object({ execution: executionOut, attempt: attemptOut }), 204: noContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      const claim = await request.store.executions.claimNext(request.body as never)
      return claim === null ? reply.status(204).send() : claim
    },
  )

  typed.post(
    '/executions/:id/attempts',
    {
      schema: {
        tags: workerTags,
        summary: 'Start the next attempt of a queued execution (QUEUED → RUNNING)',
        description: 'With workerId and leaseMs, the worker holds a lease that it keeps with heartbeats.',
        params: idParams,
        body: attemptBody,
        response: { 201: attemptOut, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await request.store.executions.startAttempt(request.params.id, request.body ?? {})),
  )

  typed.post(
    '/executions/:id/heartbeat',
    {
      schema: {
        tags: workerTags,
        summary: 'Extend the lease of a running execution held by this worker',
        params: idParams,
        body: heartbeatBody,
        response: { 200: executionOut, ...errorResponses },
      },
    },
    async (request) => request.store.executions.heartbeat(request.params.id, request.body.workerId),
  )

  typed.post(
    '/executions/reap',
    {
      schema: {
        tags: workerTags,
        summary: 'Fail the attempts whose lease ran out, requeueing where retries remain',
        response: { 200: storedObject('reaped: [{execution_id, attempt_id, status}]'), ...errorResponses },
      },
    },
    async (request) => request.store.executions.reapExpired(),
  )

  typed.post(
    '/executions/purge',
    {
      schema: {
        tags,
        summary: 'Delete finished executions older than a time, in batches',
        body: purgeBody,
        response: { 200: storedObject('dry_run, executions, attempts, component_runs, events, pending_state, batches'), ...errorResponses },
      },
    },
    async (request) => request.store.executions.purge((request.body ?? {}) as never),
  )

  typed.post(
    '/attempts/:id/finish',
    {
      ...bodyCheckedByStore,
      schema: {
        tags: workerTags,
        summary: 'End an attempt',
        description: 'SUCCEEDED publishes the state set under it; FAILED requeues the execution while retries remain.',
        params: idParams,
        body: finishBody,
        response: { 200: executionOut, ...errorResponses },
      },
    },
    async (request) => request.store.executions.finishAttempt(request.params.id, request.body as never),
  )

  typed.post(
    '/attempts/:id/component-runs',
    {
      ...bodyCheckedByStore,
      schema: {
        tags: workerTags,
        summary: "Record an attempt's per-component metrics (all or none)",
        params: idParams,
        body: z.array(componentRunBody),
        response: { 201: written, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await request.store.executions.recordComponentRuns(request.params.id, request.body as never)),
  )
}

function detailOptions(query: z.output<typeof detailQuery>): GetExecutionOptions {
  const include = query.include ?? []
  const page = {
    ...(query.events_limit === undefined ? {} : { limit: query.events_limit }),
    ...(query.events_after === undefined ? {} : { after: query.events_after }),
  }
  return {
    include: {
      attempts: include.includes('attempts'),
      componentRuns: include.includes('component_runs'),
      events: include.includes('events') ? (Object.keys(page).length > 0 ? page : true) : false,
    },
  }
}
