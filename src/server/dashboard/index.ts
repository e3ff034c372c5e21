import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { isUuid } from '../../schema/ids.js'
import type { ServerDeps } from '../server-options.js'
import { HttpProblem, problemFor } from '../http-errors.js'
import { registerDashboardAssets } from './dashboard-assets.js'
import { executionFilterSchema, listPageSchema } from './dashboard-filters.js'
import { errorPage } from './error-page.js'
import { failuresPage } from './failures-page.js'
import { overviewPage } from './overview-page.js'
import { DASHBOARD_PATHS, sendHtml } from './page-layout.js'
import { runDetailPage } from './run-detail-page.js'
import { clearedTokenCookie, hasTokenCookie, registerSignInRoutes } from './sign-in-routes.js'
import { timelinePage } from './timeline-page.js'

/**
 * Pages can load only this server's own scripts and styles; SVG bars and uPlot size
 * things through attributes and the CSSOM, which this policy allows.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

const listQuerySchema = executionFilterSchema.extend(listPageSchema.shape)

/**
 * The execution dashboard at /: server-rendered pages (jobs overview, timeline, run
 * detail, failures) whose state is all in the query string, and a sign-in page. Every
 * data read goes through `request.store`, the request's principal. A page request
 * without a valid token is sent to the sign-in page; other failures are pages with
 * the status an API client would get.
 */
export async function registerDashboard(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  await app.register(async (dashboard) => {
    // The sign-in form posts urlencoded; only this context parses it.
    dashboard.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))))
    })
    dashboard.addHook('onSend', async (_request, reply, payload) => {
      void reply.header('content-security-policy', CONTENT_SECURITY_POLICY).header('x-content-type-options', 'nosniff').header('referrer-policy', 'same-origin')
      return payload
    })
    dashboard.setErrorHandler((error, request, reply) => {
      if (error instanceof HttpProblem && error.statusCode === 401) {
        // A stale cookie goes, or the sign-in page itself would keep answering 401.
        if (hasTokenCookie(request)) void reply.header('set-cookie', clearedTokenCookie(request))
        return reply.redirect(signInRedirect(request), 303)
      }
      const { status, body } = problemFor(error)
      if (status >= 500) request.log.error({ err: error }, 'dashboard page failed')
      return sendHtml(reply, status, errorPage(status, body))
    })
    await registerDashboardAssets(dashboard)
    await registerSignInRoutes(dashboard, deps)
    registerPages(dashboard)
  })
}

function registerPages(app: FastifyInstance): void {
  const pages = app.withTypeProvider<ZodTypeProvider>()
  pages.get(DASHBOARD_PATHS.overview, { schema: { hide: true, querystring: executionFilterSchema } }, async (request, reply) =>
    sendHtml(reply, 200, await overviewPage(request.store, request.query, hasTokenCookie(request))),
  )
  pages.get(DASHBOARD_PATHS.timeline, { schema: { hide: true, querystring: listQuerySchema } }, async (request, reply) => {
    const { limit, cursor, ...filter } = request.query
    return sendHtml(reply, 200, await timelinePage(request.store, { filter, limit, cursor }, hasTokenCookie(request)))
  })
  pages.get(DASHBOARD_PATHS.failures, { schema: { hide: true, querystring: listQuerySchema } }, async (request, reply) => {
    const { limit, cursor, ...filter } = request.query
    return sendHtml(reply, 200, await failuresPage(request.store, { filter, limit, cursor }, hasTokenCookie(request)))
  })
  pages.get(
    `${DASHBOARD_PATHS.timeline}/:id`,
    {
      schema: {
        hide: true,
        params: z.object({ id: z.string().refine(isUuid, 'Expected a run id (a UUID)') }),
        querystring: z.object({ events_after: z.string().max(36).optional() }),
      },
    },
    async (request, reply) => sendHtml(reply, 200, await runDetailPage(request.store, request.params.id, request.query.events_after, hasTokenCookie(request))),
  )
}

/** The sign-in page, told to come back here; on the sign-in page itself, the same page again. */
function signInRedirect(request: FastifyRequest): string {
  if (request.routeOptions.url === DASHBOARD_PATHS.signIn) return request.url
  return `${DASHBOARD_PATHS.signIn}?${new URLSearchParams({ next: request.url }).toString()}`
}
