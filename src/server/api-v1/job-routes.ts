import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { NotFoundError } from '../../errors.js'
import { isUuid } from '../../schema/ids.js'
import { componentLinkOut, componentOut, jobConfigBody, jobOut, jobVersionOut, jobVersionSummaryOut } from './api-components.js'
import { registerListRoutes } from './list-routes.js'
import { bodyCheckedByStore, booleanText, errorResponses, idParams, listText, lookupText, noContent, storedObject } from './route-support.js'

const tags = ['jobs']
const job = jobOut
  .extend({ components: z.array(componentOut).readonly().optional(), links: z.array(componentLinkOut).readonly().optional() })
  .describe('A job header; with include, its components and links')
const savedJob = job
  .extend({
    warnings: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .readonly()
      .describe('Keys of the config that no schema declares (kept as given)'),
  })
  .describe('The saved job, with its warnings')
const includeQuery = z.strictObject({ include: listText(['components', 'links']).optional() })
const versionParams = idParams.extend({ version: z.coerce.number().pipe(z.int().min(1)) })
const stateParams = idParams.extend({ key: lookupText(200) })
const stateBody = z.strictObject({
  value: z.json().describe('Any JSON value'),
  attempt_id: z.string().refine(isUuid, 'Expected a UUID').optional().describe('Visible once this running attempt succeeds; discarded if it fails'),
})

/** /api/v1/jobs: job configurations, their versions and export, and each job's durable state. */
export async function registerJobRoutes(app: FastifyInstance): Promise<void> {
  const typed = app.withTypeProvider<ZodTypeProvider>()

  registerListRoutes(app, {
    path: '/jobs',
    tag: 'jobs',
    noun: 'jobs',
    columns: 'id, name, strategy_type, tags, current_version, component_count, created_at, updated_at, created_by, updated_by',
    item: job,
    list: (store, query) => store.jobs.list(query),
  })

  typed.post(
    '/jobs',
    {
      ...bodyCheckedByStore,
      schema: { tags, summary: 'Create a job (version 1)', body: jobConfigBody, response: { 201: savedJob, ...errorResponses } },
    },
    async (request, reply) => reply.status(201).send(await request.store.jobs.create(request.body, { actor: request.store.principal.id })),
  )

  typed.get(
    '/jobs/by-name/:name',
    {
      schema: {
        tags,
        summary: 'Get the job of a name',
        description: 'Names need not be unique: several jobs of one name are a 409 that lists their ids.',
        params: z.strictObject({ name: lookupText(200) }),
        querystring: includeQuery,
        response: { 200: job, ...errorResponses },
      },
    },
    async (request) => request.store.jobs.getByName(request.params.name, { include: includeOf(request.query.include) }),
  )

  typed.get(
    '/jobs/:id',
    { schema: { tags, summary: 'Get a job', params: idParams, querystring: includeQuery, response: { 200: job, ...errorResponses } } },
    async (request) => request.store.jobs.get(request.params.id, { include: includeOf(request.query.include) }),
  )

  typed.put(
    '/jobs/:id',
    {
      ...bodyCheckedByStore,
      schema: {
        tags,
        summary: 'Save a new version of a job',
        description: 'An identical config makes no new version. With expected_version, a job that has moved on is a 409 and nothing is written.',
        params: idParams,
        querystring: z.strictObject({ expected_version: z.coerce.number().pipe(z.int().min(1)).optional() }),
        body: jobConfigBody,
        response: { 200: savedJob, ...errorResponses },
      },
    },
    async (request) =>
      request.store.jobs.update(request.params.id, request.body, {
        actor: request.store.principal.id,
        ...(request.query.expected_version === undefined ? {} : { expectedVersion: request.query.expected_version }),
      }),
  )

  typed.delete(
    '/jobs/:id',
    {
      schema: {
        tags,
        summary: 'Delete a job with its versions',
        description: 'A job with execution history is a 409 unless force=true, which deletes the history too.',
        params: idParams,
        querystring: z.strictObject({ force: booleanText.optional() }),
        response: { 204: noContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      await request.store.jobs.delete(request.params.id, { force: request.query.force === true })
      return reply.status(204).send()
    },
  )

  typed.get(
    '/jobs/:id/versions',
    {
      schema: {
        tags,
        summary: "A job's versions, oldest first",
        params: idParams,
        response: { 200: z.object({ items: z.array(jobVersionSummaryOut) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await request.store.jobs.versions(request.params.id) }),
  )

  typed.get(
    '/jobs/:id/versions/:version',
    { schema: { tags, summary: 'One version of a job, with its config as saved', params: versionParams, response: { 200: jobVersionOut, ...errorResponses } } },
    async (request) => request.store.jobs.getVersion(request.params.id, request.params.version),
  )

  typed.get(
    '/jobs/:id/export',
    {
      schema: {
        tags,
        summary: "The current version in the origin's JSON format",
        params: idParams,
        response: { 200: storedObject('A job config'), ...errorResponses },
      },
    },
    async (request) => request.store.jobs.export(request.params.id),
  )

  typed.get(
    '/jobs/:id/state/:key',
    {
      schema: {
        tags,
        summary: "A job's durable state value (e.g. the watermark of an incremental load)",
        params: stateParams,
        response: { 200: z.object({ key: z.string(), value: z.unknown().describe('Any JSON value') }), ...errorResponses },
      },
    },
    async (request) => {
      const { id, key } = request.params
      const value = await request.store.state.get(id, key)
      if (value === undefined) throw new NotFoundError(`Job ${id} has no state ${JSON.stringify(key)}`)
      return { key, value }
    },
  )

  typed.put(
    '/jobs/:id/state/:key',
    {
      schema: {
        tags,
        summary: "Set a job's state value",
        description: "With attempt_id the value is published atomically with that attempt's success.",
        params: stateParams,
        body: stateBody,
        response: { 204: noContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id, key } = request.params
      const { value, attempt_id } = request.body
      await request.store.state.set(id, key, value, attempt_id === undefined ? {} : { attemptId: attempt_id })
      return reply.status(204).send()
    },
  )
}

function includeOf(include: readonly ('components' | 'links')[] | undefined): { components: boolean; links: boolean } {
  return { components: include?.includes('components') ?? false, links: include?.includes('links') ?? false }
}
