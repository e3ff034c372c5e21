import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ServerDeps } from '../server-options.js'
import { principalForToken } from '../token-auth.js'

const setupQuerySchema = z.object({ key: z.string().max(1000).describe("The key the GUI's setup page asks for: an API token") })

/**
 * /setup (api/routers/setup.py): the origin's GUI asks once whether the key a user
 * typed opens this server. The origin compares it with a fixed placeholder
 * (`VALID_KEY`); here the key is an API token (`etlp tokens create`), and the answer is
 * whether it is known and not revoked, so the GUI can then send it on every request.
 * A server that lets requests without a token in (`anonymous`) needs no key: every
 * key opens it. The route is public, since the GUI has no token yet when it asks.
 */
export async function registerOriginSetupRoutes(app: FastifyInstance, { store, options }: ServerDeps): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/setup',
    {
      config: { public: true },
      schema: {
        tags: ['setup'],
        summary: 'Validate GUI setup key',
        description: 'true when the key is a live API token (or the server needs none), false otherwise.',
        querystring: setupQuerySchema,
        response: { 200: z.boolean() },
      },
    },
    async (request) => {
      if (options.anonymous) return true
      // The system store: the caller has no principal yet, and a token lookup reads no user data.
      return (await principalForToken(store, request.query.key)) !== undefined
    },
  )
}
