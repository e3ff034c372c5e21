import type { FastifyInstance } from 'fastify'
import type { ServerDeps } from '../app.js'

/** /contexts (api/routers/contexts.py). */
export async function registerOriginContextRoutes(_app: FastifyInstance, _deps: ServerDeps): Promise<void> {}
