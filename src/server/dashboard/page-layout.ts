import type { FastifyReply } from 'fastify'
import { html, type SafeHtml } from './html-template.js'
import { DASHBOARD_ASSETS } from './dashboard-assets.js'

/** The dashboard's pages, by the path each lives at. */
export const DASHBOARD_PATHS = {
  overview: '/',
  timeline: '/dashboard/runs',
  /** A run's page; the route is `${timeline}/:id`. */
  run: (id: string) => `/dashboard/runs/${encodeURIComponent(id)}`,
  failures: '/dashboard/failures',
  signIn: '/dashboard/sign-in',
  signOut: '/dashboard/sign-out',
} as const

export type NavSection = 'overview' | 'timeline' | 'failures' | 'none'

export interface PageOptions {
  readonly title: string
  readonly section: NavSection
  readonly body: SafeHtml
  /** The query string the navigation keeps (the current filters), with its `?`. */
  readonly navQuery?: string
  /** Pages with charts load uPlot and the chart script. */
  readonly charts?: boolean
  /** Shown in the header when the viewer signed in with a token cookie. */
  readonly signedIn?: boolean
}

/** A whole page: header with navigation, the body, and only the assets it needs. */
export function page({ title, section, body, navQuery = '', charts = false, signedIn = false }: PageOptions): string {
  const link = (target: NavSection, href: string, label: string) =>
    html`<a href="${href}${navQuery}"${section === target ? html` aria-current="page"` : ''}>${label}</a>`
  return `<!doctype html>${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · etlp</title>
<link rel="icon" href="${DASHBOARD_ASSETS.icon}" type="image/svg+xml">
<link rel="stylesheet" href="${DASHBOARD_ASSETS.styles}">
${charts && html`<link rel="stylesheet" href="${DASHBOARD_ASSETS.uplotStyles}">`}
</head>
<body>
<header class="top">
  <span class="brand">etlp</span>
  <nav aria-label="Dashboard">
    ${link('overview', DASHBOARD_PATHS.overview, 'Jobs')}
    ${link('timeline', DASHBOARD_PATHS.timeline, 'Timeline')}
    ${link('failures', DASHBOARD_PATHS.failures, 'Failures')}
  </nav>
  ${signedIn && html`<form class="sign-out" method="post" action="${DASHBOARD_PATHS.signOut}"><button type="submit">Sign out</button></form>`}
</header>
<main>
<h1>${title}</h1>
${body}
</main>
${charts && html`<script src="${DASHBOARD_ASSETS.uplotScript}"></script><script src="${DASHBOARD_ASSETS.chartScript}"></script>`}
</body>
</html>`}`
}

/** A status as a coloured badge; the colour comes from the status' class. */
export function statusBadge(status: string): SafeHtml {
  return html`<span class="status status-${status.toLowerCase()}">${status}</span>`
}

/** Sends a page with the dashboard's content type. */
export function sendHtml(reply: FastifyReply, status: number, markup: string): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(markup)
}
