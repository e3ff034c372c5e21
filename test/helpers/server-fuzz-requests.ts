/**
 * What the route fuzzer (test/server-fuzz.test.ts) needs: the server's routes, read from
 * Fastify's own route tree, so that routes added anywhere are covered; requests that keep
 * their input for the report; and the check every answer must pass.
 */

export interface RouteEntry {
  readonly method: string
  /** Fastify's template: `/api/v1/jobs/:id`. */
  readonly path: string
}

export interface FuzzRequest {
  readonly method: string
  readonly path: string
  readonly headers?: Record<string, string>
  readonly body?: string | Uint8Array
  /** What the input is, for the report. */
  readonly label: string
}

export interface FuzzOutcome {
  readonly request: FuzzRequest
  readonly status: number
  readonly contentType: string
  readonly text: string
}

/**
 * Every route of `app.printRoutes({ commonPrefix: false })`: the tree indents four
 * characters a level, each node adds its segment to its parent's, and a node with
 * methods is a route (HEAD and OPTIONS are Fastify's own and left out). Parameters that
 * share a position (`:id_or_name|:id`) keep the first name.
 */
export function routesOfTree(tree: string): RouteEntry[] {
  const routes: RouteEntry[] = []
  const segments: string[] = []
  for (const line of tree.split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line)
    if (!match) continue
    const depth = (match[1] ?? '').length / 4
    segments.length = depth
    segments.push((match[2] ?? '').replace(/(:[\w-]+)(?:\|:[\w-]+)+/g, '$1'))
    for (const method of (match[3] ?? '').split(', ').filter((name) => name !== '' && name !== 'HEAD' && name !== 'OPTIONS')) {
      routes.push({ method, path: segments.join('') })
    }
  }
  return routes
}

/** The names of a route's path parameters, in order (`*` counts as one). */
export function parametersOf(path: string): string[] {
  return [...path.matchAll(/:([\w-]+)|\*/g)].map((match) => match[1] ?? '*')
}

/** The path with each parameter replaced by `values[name]`. */
export function fillPath(path: string, values: Readonly<Record<string, string>>): string {
  return path.replace(/:([\w-]+)|\*/g, (_whole, name: string | undefined) => values[name ?? '*'] ?? 'x')
}

/** Sends one request and reads its whole answer (an unread body would hold the connection open). */
export async function send(base: string, request: FuzzRequest): Promise<FuzzOutcome> {
  const response = await fetch(base + request.path, {
    method: request.method,
    headers: request.headers,
    // A redirect is an answer of its own (the dashboard sends to its sign-in page).
    redirect: 'manual',
    ...(request.body === undefined ? {} : { body: request.body }),
  })
  return { request, status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() }
}

/** Sends requests a few at a time (the store queues them anyway; this keeps the run short). */
export async function sendAll(base: string, requests: readonly FuzzRequest[], concurrency = 6): Promise<FuzzOutcome[]> {
  const outcomes: FuzzOutcome[] = []
  for (let start = 0; start < requests.length; start += concurrency) {
    outcomes.push(...(await Promise.all(requests.slice(start, start + concurrency).map((request) => send(base, request)))))
  }
  return outcomes
}

/** Pages for browsers (the dashboard, the API reference) answer errors as HTML pages. */
const HTML_PAGES = /^\/(dashboard|docs)(\/|$|\?)/

/**
 * What is wrong with an answer, if anything: a 5xx other than 503, a stack trace or one
 * of `secrets` in it, or, outside the browser pages, an error whose body is not the typed
 * JSON report (`persistence_error`, or the origin routes' `detail`).
 */
export function problemsOf(outcome: FuzzOutcome, secrets: readonly string[]): string[] {
  const { request, status, contentType, text } = outcome
  const where = `${request.method} ${request.path.slice(0, 160)} [${request.label}] → ${status}`
  const problems: string[] = []
  if (status >= 500 && status !== 503) problems.push(`${where}: server error ${text.slice(0, 300)}`)
  if (text.includes('    at ')) problems.push(`${where}: a stack trace in the answer`)
  for (const secret of secrets) if (text.includes(secret)) problems.push(`${where}: a stored secret in the answer`)
  if (status < 400 || HTML_PAGES.test(request.path)) return problems
  if (!contentType.includes('application/json')) return [...problems, `${where}: error answered as ${contentType || 'no content type'}: ${text.slice(0, 200)}`]
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return [...problems, `${where}: error body is not JSON`]
  }
  const report = (body as { persistence_error?: { error_type?: unknown; message?: unknown } }).persistence_error
  const detail = (body as { detail?: unknown }).detail
  const typed = (typeof report?.error_type === 'string' && typeof report.message === 'string') || detail !== undefined
  if (!typed) problems.push(`${where}: error body has neither persistence_error nor detail: ${text.slice(0, 200)}`)
  return problems
}

/** `n` levels of nesting: `[[[…]]]` or `{"a":{"a":…}}`. */
export function nested(kind: 'array' | 'object', depth: number): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
}
