import type { FastifyInstance } from 'fastify'
import type { ServerDeps } from '../app.js'

/** The execution dashboard at /. */
export async function registerDashboard(_app: FastifyInstance, _deps: ServerDeps): Promise<void> {}
