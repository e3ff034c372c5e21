import type { FastifyInstance } from 'fastify'
import type { ServerDeps } from '../app.js'

/** /jobs (api/routers/jobs.py). */
export async function registerOriginJobRoutes(_app: FastifyInstance, _deps: ServerDeps): Promise<void> {}
