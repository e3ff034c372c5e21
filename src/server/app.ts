import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import cors from '@fastify/cors'
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import type { Store } from '../store.js'
import type { Principal } from '../security/access-policy.js'
import { ValidationError } from '../errors.js'
import { MAX_BODY_DEPTH, pathBeyondDepth } from './body-depth.js'
import { HttpProblem, problemFor } from './http-errors.js'
import { DEFAULT_BODY_LIMIT, TOKEN_COOKIE, type ServeOptions, type ServerDeps } from './server-options.js'
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
    // Errors Fastify answers before any route runs (an over-long path parameter, a URL
    // it cannot decode) skip the error handler: give them the same typed body.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      const status = typeof error.statusCode === 'number' ? error.statusCode : 400
      void reply.status(status).send(new HttpProblem(status, 'bad_request', error.message).toJSON())
    },
  })
  app.decorateRequest('store', null as unknown as Store)
  // Route schemas are the Zod schemas the library already has (fastify-type-provider-zod);
  // the OpenAPI document is generated from the same schemas.
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  // @fastify/cors reads `*` as "any origin" only as a string, not inside a list.
  const origins = options.corsOrigins
  await app.register(cors, { origin: !origins ? false : origins.includes('*') ? '*' : [...origins] })

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = problemFor(error)
    if (status >= 500) request.log.error({ err: error }, 'request failed')
    void reply.status(status).send(body)
  })
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(new HttpProblem(404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}`).toJSON())
  })

  const actingAs = storesByPrincipal(store)
  app.addHook('onRequest', async (request) => {
    const scoped = await authenticate(store, actingAs, options, request)
    if (scoped) request.store = scoped
  })
  // A body nested thousands deep overflows the stack of recursive validation: refused first.
  app.addHook('preValidation', async (request) => {
    const path = pathBeyondDepth(request.body, MAX_BODY_DEPTH)
    if (path !== undefined) throw new ValidationError([{ path, message: `Nested deeper than ${MAX_BODY_DEPTH} levels` }])
  })

  const deps: ServerDeps = { store, options }
  await registerOpenApi(app, deps)
  await registerHealthRoutes(app, deps)
  await registerOriginRoutes(app, deps)
  await registerApiV1(app, deps)
  await registerDashboard(app, deps)
  return app
}

/**
 * The store for this request: its token's principal, else `anonymous` when configured.
 * Public routes (health, static files) are let through without one and must not read
 * stored data: their `request.store` stays unset.
 */
async function authenticate(
  store: Store,
  actingAs: (principal: Principal) => Store,
  options: ServeOptions,
  request: FastifyRequest,
): Promise<Store | undefined> {
  const bearer = bearerToken(request)
  const token = bearer ?? cookieToken(request)
  const principal = token === undefined ? undefined : await principalForToken(store, token)
  if (principal) return actingAs(principal)
  // A bearer token that does not check out is refused; a stale cookie counts as no token,
  // so it cannot lock a browser out of the sign-in page, the assets or /health.
  if (bearer !== undefined) throw new HttpProblem(401, 'unauthorized', 'This API token is unknown or revoked')
  if (options.anonymous) return actingAs(options.anonymous)
  if (request.routeOptions.config.public) return undefined
  if (token !== undefined) throw new HttpProblem(401, 'unauthorized', 'This API token is unknown or revoked')
  throw new HttpProblem(401, 'unauthorized', 'This request needs an API token: send "Authorization: Bearer <token>" (etlp tokens create)')
}

/** How many principals' stores are kept; a server has a few tokens, not thousands. */
const KEPT_PRINCIPALS = 1000

/**
 * `store.as(principal)`, kept per principal. The token is still checked on every request
 * (a revoked token is refused at once); what is kept is the store acting as its
 * principal, with its repositories and the policy's per-principal grants, which W8
 * measured among the costs of a request when built anew each time.
 */
function storesByPrincipal(store: Store): (principal: Principal) => Store {
  const kept = new Map<string, Store>()
  return (principal) => {
    const key = JSON.stringify([principal.id, principal.roles])
    let acting = kept.get(key)
    if (!acting) {
      acting = store.as(principal)
      if (kept.size >= KEPT_PRINCIPALS) kept.delete(kept.keys().next().value as string)
      kept.set(key, acting)
    }
    return acting
  }
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
    if (name !== TOKEN_COOKIE || value.length === 0) continue
    try {
      return decodeURIComponent(value.join('='))
    } catch {
      throw new HttpProblem(401, 'unauthorized', `The ${TOKEN_COOKIE} cookie is not a valid token`)
    }
  }
  return undefined
}
