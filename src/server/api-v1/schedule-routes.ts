import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { dueFireOut, scheduleCreateBody, scheduleOut, schedulePatchBody } from './api-components.js'
import { registerListRoutes } from './list-routes.js'
import { bodyCheckedByStore, errorResponses, idOrNameParams, idParams, noContent } from './route-support.js'

const tags = ['schedules']

/** /api/v1/schedules: triggers of jobs, pausing, and the due occurrences a scheduler fires. */
export async function registerScheduleRoutes(app: FastifyInstance): Promise<void> {
  const typed = app.withTypeProvider<ZodTypeProvider>()

  registerListRoutes(app, {
    path: '/schedules',
    tag: 'schedules',
    noun: 'schedules',
    columns: 'id, name, job_id, environment, trigger_type, paused, next_fire_at, last_fired_at, created_at',
    item: scheduleOut,
    list: (store, query) => store.schedules.list(query),
  })

  typed.post(
    '/schedules',
    { ...bodyCheckedByStore, schema: { tags, summary: 'Create a schedule', body: scheduleCreateBody, response: { 201: scheduleOut, ...errorResponses } } },
    async (request, reply) => reply.status(201).send(await request.store.schedules.create(request.body as never)),
  )

  typed.post(
    '/schedules/due',
    {
      schema: {
        tags,
        summary: 'Hand out the occurrences due now, each exactly once',
        description: 'For a scheduler process: each schedule advances to its next occurrence in the same transaction.',
        body: z.strictObject({ limit: z.int().min(1).max(10_000).optional() }).nullish(),
        response: { 200: z.object({ items: z.array(dueFireOut) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await request.store.schedules.due(undefined, request.body ?? {}) }),
  )

  typed.get(
    '/schedules/:id_or_name',
    { schema: { tags, summary: 'Get a schedule by id or name', params: idOrNameParams, response: { 200: scheduleOut, ...errorResponses } } },
    async (request) => request.store.schedules.find(request.params.id_or_name),
  )

  typed.patch(
    '/schedules/:id',
    {
      ...bodyCheckedByStore,
      schema: {
        tags,
        summary: 'Change name, environment, trigger or paused',
        params: idParams,
        body: schedulePatchBody,
        response: { 200: scheduleOut, ...errorResponses },
      },
    },
    async (request) => request.store.schedules.update(request.params.id, request.body as never),
  )

  typed.delete(
    '/schedules/:id',
    { schema: { tags, summary: 'Delete a schedule', params: idParams, response: { 204: noContent, ...errorResponses } } },
    async (request, reply) => {
      await request.store.schedules.delete(request.params.id)
      return reply.status(204).send()
    },
  )

  typed.post(
    '/schedules/:id/pause',
    { schema: { tags, summary: 'Stop firing until resumed', params: idParams, response: { 200: scheduleOut, ...errorResponses } } },
    async (request) => request.store.schedules.pause(request.params.id),
  )

  typed.post(
    '/schedules/:id/resume',
    {
      schema: {
        tags,
        summary: 'Fire again from the next occurrence (those missed while paused are skipped)',
        params: idParams,
        response: { 200: scheduleOut, ...errorResponses },
      },
    },
    async (request) => request.store.schedules.resume(request.params.id),
  )
}
