import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { credentialCreateBody, credentialOut, credentialPatchBody } from './api-components.js'
import { registerListRoutes } from './list-routes.js'
import { bodyCheckedByStore, errorResponses, idOrNameParams, idParams, noContent } from './route-support.js'

const tags = ['credentials']

/**
 * /api/v1/credentials: database credentials, always with the password masked. Its clear
 * text is a separate call (`POST …/reveal`) that needs `credentials:reveal`; a POST, so
 * that the dashboard's read-only cookie can never reach it.
 */
export async function registerCredentialRoutes(app: FastifyInstance): Promise<void> {
  const typed = app.withTypeProvider<ZodTypeProvider>()

  registerListRoutes(app, {
    path: '/credentials',
    tag: 'credentials',
    noun: 'credentials',
    columns: 'id, name, user, host, port, database, created_at, updated_at',
    item: credentialOut,
    list: (store, query) => store.credentials.list(query),
  })

  typed.post(
    '/credentials',
    {
      ...bodyCheckedByStore,
      schema: {
        tags,
        summary: 'Create credentials (the password is stored only encrypted)',
        body: credentialCreateBody,
        response: { 201: credentialOut, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await request.store.credentials.create(request.body as never)),
  )

  typed.get(
    '/credentials/:id_or_name',
    { schema: { tags, summary: 'Get credentials by id or name', params: idOrNameParams, response: { 200: credentialOut, ...errorResponses } } },
    async (request) => request.store.credentials.find(request.params.id_or_name),
  )

  typed.patch(
    '/credentials/:id',
    {
      ...bodyCheckedByStore,
      schema: { tags, summary: 'Change some fields', params: idParams, body: credentialPatchBody, response: { 200: credentialOut, ...errorResponses } },
    },
    async (request) => request.store.credentials.update(request.params.id, request.body as never),
  )

  typed.delete(
    '/credentials/:id',
    {
      schema: {
        tags,
        summary: 'Delete credentials',
        description: 'Credentials a context still uses are a 409 naming the contexts.',
        params: idParams,
        response: { 204: noContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      await request.store.credentials.delete(request.params.id)
      return reply.status(204).send()
    },
  )

  typed.post(
    '/credentials/:id/reveal',
    {
      schema: {
        tags,
        summary: 'The password in clear (needs credentials:reveal)',
        params: idParams,
        response: { 200: z.object({ id: z.string(), password: z.string().nullable() }), ...errorResponses },
      },
    },
    async (request) => ({ id: request.params.id, password: await request.store.credentials.reveal(request.params.id) }),
  )
}
