import type { FastifyInstance } from 'fastify'
import type { ServerDeps } from './app.js'

/** The OpenAPI 3.1 document at /openapi.json and the reference page at /docs; registered before the routes so it sees them. */
export async function registerOpenApi(_app: FastifyInstance, _deps: ServerDeps): Promise<void> {}
