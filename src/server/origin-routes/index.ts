import type { FastifyInstance } from 'fastify'
import type { ServerDeps } from '../server-options.js'
import { originProblemFor } from './origin-errors.js'
import { registerOriginJobRoutes } from './jobs.js'
import { registerOriginConfigRoutes } from './configs.js'
import { registerOriginSetupRoutes } from './setup.js'
import { registerOriginExecutionRoutes } from './execution.js'
import { registerOriginContextRoutes } from './contexts.js'
import { registerOriginScheduleRoutes } from './schedules.js'

/**
 * The origin's routes (etl-core's `api/routers/`), same paths, shapes and status codes,
 * so its GUI and scripts work unchanged. They answer errors in the origin's
 * `{"detail": {"code", "message"}}` shape, with the seed's report beside it.
 */
export async function registerOriginRoutes(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  await app.register(async (origin) => {
    origin.setErrorHandler((error, request, reply) => {
      const { status, body } = originProblemFor(error)
      if (status >= 500) request.log.error({ err: error }, 'request failed')
      void reply.status(status).send(body)
    })
    await registerOriginJobRoutes(origin, deps)
    await registerOriginConfigRoutes(origin, deps)
    await registerOriginSetupRoutes(origin, deps)
    await registerOriginExecutionRoutes(origin, deps)
    await registerOriginContextRoutes(origin, deps)
    await registerOriginScheduleRoutes(origin, deps)
  })
}
