import type { ListedExecution } from '../../repositories/execution-list.js'
import type { Store } from '../../store.js'
import { filterForm, filteredExecutions, jobChoices, navQuery, pageUrl, type ExecutionFilter } from './dashboard-filters.js'
import { formatDuration, formatTime } from './display-format.js'
import { html, jsonScript, type SafeHtml } from './html-template.js'
import { DASHBOARD_PATHS, page, statusBadge } from './page-layout.js'

/** Executions the timeline shows unless `limit` says otherwise. */
export const TIMELINE_DEFAULT_LIMIT = 200

export interface TimelineQuery {
  readonly filter: ExecutionFilter
  readonly limit: number | undefined
  readonly cursor: string | undefined
}

/**
 * Recent executions as points in time (x: queued, y: duration), coloured by status,
 * with the same executions as a table below: the chart for the pattern, the table
 * for the links.
 */
export async function timelinePage(store: Store, { filter, limit = TIMELINE_DEFAULT_LIMIT, cursor }: TimelineQuery, signedIn: boolean): Promise<string> {
  const jobs = await jobChoices(store)
  const listed = await filteredExecutions(store, filter, { limit, cursor })
  const points = listed.items.map((execution) => ({
    id: execution.id,
    t: execution.queued_at.getTime() / 1000,
    // A run that has not finished sits on the axis until it has a duration.
    d: execution.duration_ms === null ? 0 : execution.duration_ms / 1000,
    status: execution.status,
  }))
  const body = html`
    ${filterForm({ action: DASHBOARD_PATHS.timeline, filter, jobs, fields: ['job', 'status', 'environment', 'from', 'to'] })}
    ${
      listed.items.length === 0
        ? html`<p class="muted" id="no-executions">No executions match.</p>`
        : html`<div class="chart" id="timeline-chart" role="img" aria-label="Executions by time and duration, coloured by status"></div>
        ${jsonScript('timeline-data', { points, runPath: DASHBOARD_PATHS.run('') })}
        ${executionTable(listed.items)}`
    }
    ${listed.next_cursor !== null && html`<p class="pager"><a id="older" href="${pageUrl(DASHBOARD_PATHS.timeline, filter, { limit, cursor: listed.next_cursor })}">Older executions →</a></p>`}`
  return page({ title: 'Timeline', section: 'timeline', body, navQuery: navQuery(filter), charts: listed.items.length > 0, signedIn })
}

function executionTable(executions: readonly ListedExecution[]): SafeHtml {
  return html`<table class="rows" id="executions">
    <thead><tr><th>Queued</th><th>Job</th><th>Environment</th><th>Status</th><th class="num">Attempts</th><th class="num">Duration</th></tr></thead>
    <tbody>${executions.map(
      (execution) => html`<tr data-status="${execution.status}" data-environment="${execution.environment ?? ''}" data-job="${execution.job_name}">
        <td data-label="Queued"><a href="${DASHBOARD_PATHS.run(execution.id)}">${formatTime(execution.queued_at)}</a></td>
        <td data-label="Job">${execution.job_name}</td>
        <td data-label="Environment">${execution.environment ?? '–'}</td>
        <td data-label="Status">${statusBadge(execution.status)}</td>
        <td class="num" data-label="Attempts">${execution.attempt_count} / ${execution.max_attempts}</td>
        <td class="num" data-label="Duration">${formatDuration(execution.duration_ms)}</td>
      </tr>`,
    )}</tbody>
  </table>`
}
