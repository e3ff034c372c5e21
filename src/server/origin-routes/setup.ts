import type { FastifyInstance } from 'fastify'
import type { ServerDeps } from '../app.js'

/** /setup (api/routers/setup.py). */
export async function registerOriginSetupRoutes(_app: FastifyInstance, _deps: ServerDeps): Promise<void> {}
