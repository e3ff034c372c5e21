import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { FastifyInstance } from 'fastify'
import { DASHBOARD_CHART_SCRIPT } from './chart-script.js'
import { DASHBOARD_STYLES } from './dashboard-styles.js'

/** Where the dashboard's static files are served; public, as they hold no data. */
export const DASHBOARD_ASSETS = {
  styles: '/dashboard/assets/dashboard.css',
  chartScript: '/dashboard/assets/charts.js',
  uplotScript: '/dashboard/assets/uPlot.iife.min.js',
  uplotStyles: '/dashboard/assets/uPlot.min.css',
  icon: '/dashboard/assets/icon.svg',
} as const

/** Three bars in the status colours: the tab's icon, so browsers do not ask for /favicon.ico. */
const ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect x="1" y="6" width="4" height="9" fill="#2e7d32"/><rect x="6" y="2" width="4" height="13" fill="#1f5fae"/><rect x="11" y="9" width="4" height="6" fill="#c62828"/></svg>'

// uPlot is served from the installed package (wherever npm put it), never from a CDN.
const requireFromHere = createRequire(import.meta.url)

/** Registers the static files: the dashboard's own CSS and script, and uPlot's. */
export async function registerDashboardAssets(app: FastifyInstance): Promise<void> {
  const [uplotScript, uplotStyles] = await Promise.all([
    readFile(requireFromHere.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    readFile(requireFromHere.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  ])
  const files: ReadonlyArray<readonly [string, string, string]> = [
    [DASHBOARD_ASSETS.styles, 'text/css; charset=utf-8', DASHBOARD_STYLES],
    [DASHBOARD_ASSETS.chartScript, 'text/javascript; charset=utf-8', DASHBOARD_CHART_SCRIPT],
    [DASHBOARD_ASSETS.uplotScript, 'text/javascript; charset=utf-8', uplotScript],
    [DASHBOARD_ASSETS.uplotStyles, 'text/css; charset=utf-8', uplotStyles],
    [DASHBOARD_ASSETS.icon, 'image/svg+xml', ICON],
  ]
  for (const [path, type, body] of files) {
    app.get(path, { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
      reply.header('content-type', type).header('cache-control', 'public, max-age=3600').send(body),
    )
  }
}
