import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import cors from '@fastify/cors'
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import type { Store } from '../store.js'
import { HttpProblem, problemFor } from './http-errors.js'
import { DEFAULT_BODY_LIMIT, type ServeOptions } from './server-options.js'
import { principalForToken } from './token-auth.js'
import { registerHealthRoutes } from './health-routes.js'
import { registerOpenApi } from './openapi.js'
import { registerOriginRoutes } from './origin-routes/index.js'
import { registerApiV1 } from './api-v1/index.js'
import { registerDashboard } from './dashboard/index.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The store acting as this request's principal: access control and audit apply to it. */
    store: Store
  }
  interface FastifyContextConfig {
    /** Routes anyone may call without a token (health, the dashboard's static files). */
    public?: boolean
  }
}

/** What every route plugin gets. */
export interface ServerDeps {
  /** The store as the system principal: only for what no principal owns (readiness). */
  readonly store: Store
  readonly options: ServeOptions
}

/**
 * The HTTP server, not yet listening. Every request runs as its token's principal
 * through `store.as`; every failure answers with the seed's `persistence_error` JSON.
 */
export async function buildServer(store: Store, options: ServeOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.log === false ? false : { level: options.log ?? 'info' },
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Routes are matched as the origin's clients send them: `/jobs` and `/jobs/` alike.
    routerOptions: { ignoreTrailingSlash: true },
    return503OnClosing: true,
  })
  app.decorateRequest('store', null as unknown as Store)
  // Route schemas are the Zod schemas the library already has (fastify-type-provider-zod);
  // the OpenAPI document is generated from the same schemas.
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  await app.register(cors, { origin: options.corsOrigins ? [...options.corsOrigins] : false })

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = problemFor(error)
    if (status >= 500) request.log.error({ err: error }, 'request failed')
    void reply.status(status).send(body)
  })
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(new HttpProblem(404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}`).toJSON())
  })

  app.addHook('onRequest', async (request) => {
    const scoped = await authenticate(store, options, request)
    if (scoped) request.store = scoped
  })

  const deps: ServerDeps = { store, options }
  await registerOpenApi(app, deps)
  await registerHealthRoutes(app, deps)
  await registerOriginRoutes(app, deps)
  await registerApiV1(app, deps)
  await registerDashboard(app, deps)
  return app
}

/** The cookie the dashboard's sign-in sets; honoured only on reads, so a forged form cannot write. */
export const TOKEN_COOKIE = 'etlp_token'

/**
 * The store for this request: its token's principal, else `anonymous` when configured.
 * Public routes (health, static files) are let through without one and must not read
 * stored data: their `request.store` stays unset.
 */
async function authenticate(store: Store, options: ServeOptions, request: FastifyRequest): Promise<Store | undefined> {
  const token = bearerToken(request) ?? cookieToken(request)
  if (token === undefined) {
    if (options.anonymous) return store.as(options.anonymous)
    if (request.routeOptions.config.public) return undefined
    throw new HttpProblem(401, 'unauthorized', 'This request needs an API token: send "Authorization: Bearer <token>" (etlp tokens create)')
  }
  const principal = await principalForToken(store, token)
  if (!principal) throw new HttpProblem(401, 'unauthorized', 'This API token is unknown or revoked')
  return store.as(principal)
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (header === undefined) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (!match?.[1]) throw new HttpProblem(401, 'unauthorized', 'The Authorization header must be "Bearer <token>"')
  return match[1]
}

function cookieToken(request: FastifyRequest): string | undefined {
  if (request.method !== 'GET' && request.method !== 'HEAD') return undefined
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === TOKEN_COOKIE && value.length > 0) return decodeURIComponent(value.join('='))
  }
  return undefined
}
