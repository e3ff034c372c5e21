import { html } from './html-template.js'
import { page } from './page-layout.js'

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad request',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
  422: 'Invalid request',
  503: 'Unavailable',
}

interface ReportedProblem {
  readonly message: string
  readonly issues: ReadonlyArray<{ readonly path: string; readonly message: string }>
}

/**
 * A failure as a page: the same status and report an API client gets
 * (`problemFor`), written for a person, with each bad value's path.
 */
export function errorPage(status: number, body: unknown): string {
  const problem = reportedProblem(body)
  const content = html`<div class="card" id="problem" data-status="${status}">
    <p>${problem.message}</p>
    ${problem.issues.length > 0 && html`<ul>${problem.issues.map((issue) => html`<li><code>${issue.path}</code>: ${issue.message}</li>`)}</ul>`}
    <p><a href="/">Back to the jobs</a></p>
  </div>`
  return page({ title: TITLES[status] ?? (status >= 500 ? 'Something went wrong' : 'Request refused'), section: 'none', body: content })
}

/** The message and issues of a `{persistence_error: {...}}` body. */
function reportedProblem(body: unknown): ReportedProblem {
  const report = isRecord(body) && isRecord(body.persistence_error) ? body.persistence_error : {}
  const issues = Array.isArray(report.issues) ? report.issues.filter(isRecord) : []
  return {
    message: typeof report.message === 'string' ? report.message : 'The request failed.',
    issues: issues.map((issue) => ({ path: String(issue.path ?? ''), message: String(issue.message ?? '') })),
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
