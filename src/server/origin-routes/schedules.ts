import type { FastifyInstance } from 'fastify'
import type { ServerDeps } from '../app.js'

/** /schedules (api/routers/schedules.py). */
export async function registerOriginScheduleRoutes(_app: FastifyInstance, _deps: ServerDeps): Promise<void> {}
