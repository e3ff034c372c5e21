import type { FastifyInstance } from 'fastify'
import type { ServerDeps } from '../app.js'

/** /configs: the component schemas (api/routers/schemas.py). */
export async function registerOriginConfigRoutes(_app: FastifyInstance, _deps: ServerDeps): Promise<void> {}
