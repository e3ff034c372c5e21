import type { FastifyInstance } from 'fastify'
import type { ServerDeps } from '../app.js'

/** /execution (api/routers/execution.py). */
export async function registerOriginExecutionRoutes(_app: FastifyInstance, _deps: ServerDeps): Promise<void> {}
