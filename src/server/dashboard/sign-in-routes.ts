import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ServerDeps } from '../server-options.js'
import { TOKEN_COOKIE } from '../server-options.js'
import { principalForToken } from '../token-auth.js'
import { html } from './html-template.js'
import { DASHBOARD_PATHS, page, sendHtml } from './page-layout.js'

/**
 * Sign-in for browsers: a navigation cannot send `Authorization: Bearer`, so the page
 * takes a token once and keeps it in the `etlp_token` cookie (HttpOnly: no script reads
 * it; SameSite=Strict: no other site's page sends it). The server honours that cookie
 * on GET and HEAD only.
 */
export async function registerSignInRoutes(app: FastifyInstance, { store, options }: ServerDeps): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()
  routes.get(
    DASHBOARD_PATHS.signIn,
    { config: { public: true }, schema: { hide: true, querystring: z.object({ next: z.string().max(2000).optional() }) } },
    async (request, reply) => sendHtml(reply, 200, signInPage(safeNext(request.query.next), options.anonymous !== undefined)),
  )

  routes.post(
    DASHBOARD_PATHS.signIn,
    {
      config: { public: true },
      schema: { hide: true, body: z.object({ token: z.string().trim().min(1, 'Enter a token').max(4096), next: z.string().max(2000).optional() }) },
    },
    async (request, reply) => {
      const next = safeNext(request.body.next)
      // The system store checks the token: the request has no principal yet.
      const principal = await principalForToken(store, request.body.token)
      if (!principal) return sendHtml(reply, 401, signInPage(next, false, 'This token is unknown or revoked.'))
      void reply.header('set-cookie', tokenCookie(request, encodeURIComponent(request.body.token)))
      return reply.redirect(next, 303)
    },
  )

  routes.post(DASHBOARD_PATHS.signOut, { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    void reply.header('set-cookie', clearedTokenCookie(request))
    return reply.redirect(DASHBOARD_PATHS.signIn, 303)
  })
}

/** The cookie that carries the token; `Secure` when the request came over HTTPS. */
function tokenCookie(request: FastifyRequest, value: string, extra = ''): string {
  return `${TOKEN_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict${request.protocol === 'https' ? '; Secure' : ''}${extra}`
}

/** A `Set-Cookie` that removes the token cookie (signed out, or the token stopped working). */
export function clearedTokenCookie(request: FastifyRequest): string {
  return tokenCookie(request, '', '; Max-Age=0')
}

/** Whether the request carries the token cookie (then the page offers to sign out). */
export function hasTokenCookie(request: FastifyRequest): boolean {
  return (request.headers.cookie ?? '').split(';').some((part) => part.trim().startsWith(`${TOKEN_COOKIE}=`))
}

/** Only a path on this server: `//host` or an absolute URL would send the token's owner elsewhere. */
export function safeNext(next: string | undefined): string {
  if (next === undefined || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return DASHBOARD_PATHS.overview
  return next
}

function signInPage(next: string, anonymous: boolean, problem?: string): string {
  const body = html`
    ${anonymous && html`<p class="notice" id="anonymous-notice">This server lets requests without a token in: <a href="${next}">go on without signing in</a>.</p>`}
    ${problem && html`<p class="notice" id="sign-in-error" role="alert">${problem}</p>`}
    <form class="card sign-in" method="post" action="${DASHBOARD_PATHS.signIn}">
      <label>API token <input type="password" name="token" autocomplete="current-password" required></label>
      <input type="hidden" name="next" value="${next}">
      <p class="muted">Create one with <code>etlp tokens create</code>. It is kept in an HttpOnly cookie for this browser session.</p>
      <button type="submit">Sign in</button>
    </form>`
  return page({ title: 'Sign in', section: 'none', body })
}
