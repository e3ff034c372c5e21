import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { errorResponses, storedObject } from './route-support.js'

const tags = ['keys']

/**
 * /api/v1/keys: the state of envelope encryption, and rotating the data key. A new
 * master key is not taken over HTTP: key material stays out of requests and their logs
 * (`etlp keys rotate --new-key-file` does that on the host).
 */
export async function registerKeyRoutes(app: FastifyInstance): Promise<void> {
  const typed = app.withTypeProvider<ZodTypeProvider>()

  typed.get(
    '/keys',
    {
      schema: {
        tags,
        summary: 'The data keys and the master keys that wrap them (needs keys:read)',
        response: { 200: z.object({ items: z.array(storedObject('id, status (current|previous), master_key_ids')) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await request.store.keys.list() }),
  )

  typed.post(
    '/keys/rotate',
    {
      schema: {
        tags,
        summary: 'Re-encrypt every secret under a new data key (needs keys:rotate)',
        description: 'Resumable: after an interruption, call it again to finish.',
        body: z.strictObject({ batchSize: z.int().min(1).max(10_000).optional() }).nullish(),
        response: { 200: storedObject('key_id, master_key_id, re-encrypted counts'), ...errorResponses },
      },
    },
    async (request) => request.store.keys.rotate(request.body ?? {}),
  )
}
