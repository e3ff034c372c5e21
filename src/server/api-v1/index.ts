import type { FastifyInstance } from 'fastify'
import type { ServerDeps } from '../server-options.js'
import { registerAuditRoutes } from './audit-routes.js'
import { registerContextRoutes } from './context-routes.js'
import { registerCredentialRoutes } from './credential-routes.js'
import { registerExecutionRoutes } from './execution-routes.js'
import { registerJobRoutes } from './job-routes.js'
import { registerKeyRoutes } from './key-routes.js'
import { registerModelRoutes } from './model-routes.js'
import { registerScheduleRoutes } from './schedule-routes.js'

export const API_V1_PREFIX = '/api/v1'

/**
 * /api/v1: the library in this product's own terms. Every handler calls `request.store`,
 * the store acting as the request's principal, so access control and the audit trail
 * apply exactly as in-process; errors answer with the seed's report and the status of
 * http-errors.ts. Bodies are the library's own input shapes (`store.executions.start`'s
 * `{jobId, environment, …}`), query parameters are snake_case, lists take the shared
 * query language and answer `{items, next_cursor, total?}`.
 */
export async function registerApiV1(app: FastifyInstance, _deps: ServerDeps): Promise<void> {
  await app.register(
    async (api) => {
      // Answers are the store's values as they are: the route's response schemas document
      // them (OpenAPI) without filtering them, so a field the schema lacks is never dropped
      // and an answer never fails its own serialization.
      api.setSerializerCompiler(() => (data) => JSON.stringify(data))
      await registerJobRoutes(api)
      await registerExecutionRoutes(api)
      await registerContextRoutes(api)
      await registerCredentialRoutes(api)
      await registerScheduleRoutes(api)
      await registerAuditRoutes(api)
      await registerModelRoutes(api)
      await registerKeyRoutes(api)
    },
    { prefix: API_V1_PREFIX },
  )
}
