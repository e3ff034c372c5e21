import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { environmentSchema } from '../../schema/credential-schema.js'
import { contextBody, contextOut, resolvedContextOut } from './api-components.js'
import { registerListRoutes } from './list-routes.js'
import { bodyCheckedByStore, errorResponses, idOrNameParams, idParams, noContent } from './route-support.js'

const tags = ['contexts']

/** /api/v1/contexts: parameters per pipeline (secure ones masked) and the credentials per environment. */
export async function registerContextRoutes(app: FastifyInstance): Promise<void> {
  const typed = app.withTypeProvider<ZodTypeProvider>()

  registerListRoutes(app, {
    path: '/contexts',
    tag: 'contexts',
    noun: 'contexts',
    columns: 'id, name, environment, created_at, updated_at',
    item: contextOut,
    list: (store, query) => store.contexts.list(query),
  })

  typed.put(
    '/contexts',
    {
      ...bodyCheckedByStore,
      schema: {
        tags,
        summary: 'Save the context named in the body',
        description: 'Creates it, or replaces its environment, parameters and credentials map, in one transaction.',
        body: contextBody,
        response: { 200: contextOut, ...errorResponses },
      },
    },
    async (request) => request.store.contexts.upsert(request.body as never),
  )

  typed.get(
    '/contexts/:id_or_name',
    { schema: { tags, summary: 'Get a context by id or name', params: idOrNameParams, response: { 200: contextOut, ...errorResponses } } },
    async (request) => request.store.contexts.find(request.params.id_or_name),
  )

  typed.get(
    '/contexts/:id_or_name/resolve',
    {
      schema: {
        tags,
        summary: 'What a pipeline needs in one environment: parameters and credentials, secrets masked',
        params: idOrNameParams,
        querystring: z.strictObject({ environment: environmentSchema }),
        response: { 200: resolvedContextOut, ...errorResponses },
      },
    },
    async (request) => request.store.contexts.resolve(request.params.id_or_name, request.query.environment),
  )

  typed.delete(
    '/contexts/:id',
    { schema: { tags, summary: 'Delete a context', params: idParams, response: { 204: noContent, ...errorResponses } } },
    async (request, reply) => {
      await request.store.contexts.delete(request.params.id)
      return reply.status(204).send()
    },
  )
}
