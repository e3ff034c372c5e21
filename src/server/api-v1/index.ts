import type { FastifyInstance } from 'fastify'
import type { ServerDeps } from '../app.js'

/** /api/v1: the library in this product's own terms. */
export async function registerApiV1(_app: FastifyInstance, _deps: ServerDeps): Promise<void> {}
