import type { ListedExecution } from '../../repositories/execution-list.js'
import type { Store } from '../../store.js'
import { filterForm, filteredExecutions, jobChoices, navQuery, pageUrl, type ExecutionFilter } from './dashboard-filters.js'
import { formatTime } from './display-format.js'
import { html, type SafeHtml } from './html-template.js'
import { DASHBOARD_PATHS, page } from './page-layout.js'

/** Failures a page lists unless `limit` says otherwise. */
export const FAILURES_DEFAULT_LIMIT = 50

export interface FailuresQuery {
  readonly filter: ExecutionFilter
  readonly limit: number | undefined
  readonly cursor: string | undefined
}

/** Failed executions, newest first, each with the error that ended it. */
export async function failuresPage(store: Store, { filter, limit = FAILURES_DEFAULT_LIMIT, cursor }: FailuresQuery, signedIn: boolean): Promise<string> {
  const failed: ExecutionFilter = { ...filter, status: 'FAILED' }
  const jobs = await jobChoices(store)
  const listed = await filteredExecutions(store, failed, { limit, cursor })
  const body = html`
    ${filterForm({ action: DASHBOARD_PATHS.failures, filter, jobs, fields: ['job', 'environment', 'from', 'to'] })}
    ${listed.items.length === 0 ? html`<p class="muted" id="no-failures">No failures match.</p>` : failureTable(listed.items)}
    ${listed.next_cursor !== null && html`<p class="pager"><a id="older" href="${pageUrl(DASHBOARD_PATHS.failures, filter, { limit, cursor: listed.next_cursor })}">Older failures →</a></p>`}`
  return page({ title: 'Failures', section: 'failures', body, navQuery: navQuery({ ...filter, status: undefined }), signedIn })
}

function failureTable(executions: readonly ListedExecution[]): SafeHtml {
  return html`<table class="rows" id="failures">
    <thead><tr><th>Queued</th><th>Job</th><th>Environment</th><th class="num">Attempts</th><th>Error</th></tr></thead>
    <tbody>${executions.map(
      (execution) => html`<tr data-environment="${execution.environment ?? ''}" data-job="${execution.job_name}">
        <td data-label="Queued"><a href="${DASHBOARD_PATHS.run(execution.id)}">${formatTime(execution.queued_at)}</a></td>
        <td data-label="Job">${execution.job_name}</td>
        <td data-label="Environment">${execution.environment ?? '–'}</td>
        <td class="num" data-label="Attempts">${execution.attempt_count} / ${execution.max_attempts}</td>
        <td class="wide" data-label="Error">${
          execution.error
            ? html`<strong class="error-type">${execution.error.type}</strong><pre class="error-text">${execution.error.message}</pre>`
            : html`<span class="muted">no error recorded</span>`
        }</td>
      </tr>`,
    )}</tbody>
  </table>`
}
