import type { ExecutionStats, StatsQuery } from '../../repositories/execution-stats.js'
import type { ListedExecution } from '../../repositories/execution-list.js'
import type { JobHeader } from '../../repositories/job-rows.js'
import type { Store } from '../../store.js'
import { filterForm, filteredExecutions, jobChoices, navQuery, pageUrl, type ExecutionFilter } from './dashboard-filters.js'
import { formatCount, formatDuration, formatRate, formatTime } from './display-format.js'
import { html, type SafeHtml } from './html-template.js'
import { DASHBOARD_PATHS, page, statusBadge } from './page-layout.js'

/** How many jobs the overview aggregates: each costs its own stats queries. */
const OVERVIEW_JOBS = 100

interface JobRow {
  readonly job: JobHeader
  readonly stats: ExecutionStats
  readonly lastRun: ListedExecution | undefined
}

/**
 * The jobs overview at /: totals, then each job with its success rate, p50/p95 duration
 * and last run. The aggregates come from `executions.stats`, narrowed by every filter the
 * other pages have: job, status, environment and the time range.
 */
export async function overviewPage(store: Store, filter: ExecutionFilter, signedIn: boolean): Promise<string> {
  const jobs = await jobChoices(store)
  const shown = (filter.job === undefined ? jobs : jobs.filter((job) => job.id === filter.job)).slice(0, OVERVIEW_JOBS)
  const scope = statsScope(filter)
  const overall = await store.executions.stats(scope)
  const rows: JobRow[] = []
  for (const job of shown) {
    const stats = await store.executions.stats({ ...scope, jobId: job.id })
    const lastRun = await lastRunOf(store, job.id, filter)
    rows.push({ job, stats, lastRun })
  }
  const kept = filter
  const body = html`
    ${filterForm({ action: DASHBOARD_PATHS.overview, filter, jobs, fields: ['job', 'status', 'environment', 'from', 'to'] })}
    ${summaryCards(overall)}
    <h2>Jobs</h2>
    ${rows.length === 0 ? html`<p class="muted" id="no-jobs">No jobs match.</p>` : jobTable(rows, kept)}
    ${jobs.length > OVERVIEW_JOBS && filter.job === undefined && html`<p class="muted">The first ${OVERVIEW_JOBS} jobs by name; pick a job to see another.</p>`}`
  return page({ title: 'Jobs', section: 'overview', body, navQuery: navQuery(kept), signedIn })
}

/** The dashboard's filter as an `executions.stats` query. */
function statsScope(filter: ExecutionFilter): StatsQuery {
  return {
    ...(filter.job !== undefined ? { jobId: filter.job } : {}),
    ...(filter.status !== undefined ? { status: filter.status } : {}),
    ...(filter.environment !== undefined ? { environment: filter.environment } : {}),
    ...(filter.from !== undefined ? { since: filter.from } : {}),
    ...(filter.to !== undefined ? { until: filter.to } : {}),
  }
}

async function lastRunOf(store: Store, jobId: string, filter: ExecutionFilter): Promise<ListedExecution | undefined> {
  const [latest] = (await filteredExecutions(store, { ...filter, job: jobId }, { limit: 1 })).items
  return latest
}

function summaryCards(stats: ExecutionStats): SafeHtml {
  return html`<dl class="summary" id="summary">
    <div><dt>Executions</dt><dd data-stat="total">${formatCount(stats.total)}</dd></div>
    <div><dt>Success rate</dt><dd data-stat="success-rate">${formatRate(stats.success_rate)}</dd></div>
    <div><dt>p50 duration</dt><dd>${formatDuration(stats.duration_ms.p50)}</dd></div>
    <div><dt>p95 duration</dt><dd>${formatDuration(stats.duration_ms.p95)}</dd></div>
    <div><dt>Failed</dt><dd data-stat="failed">${formatCount(stats.by_status.FAILED)}</dd></div>
    <div><dt>Running / queued</dt><dd>${formatCount(stats.by_status.RUNNING)} / ${formatCount(stats.by_status.QUEUED)}</dd></div>
  </dl>`
}

function jobTable(rows: readonly JobRow[], kept: Partial<ExecutionFilter>): SafeHtml {
  return html`<table class="rows" id="jobs">
    <thead><tr><th>Job</th><th class="num">Runs</th><th class="num">Success rate</th><th class="num">p50</th><th class="num">p95</th><th class="num">Failed</th><th>Last run</th></tr></thead>
    <tbody>${rows.map(({ job, stats, lastRun }) => {
      const forJob = { ...kept, job: job.id }
      return html`<tr data-job="${job.name}">
        <td data-label="Job"><a href="${pageUrl(DASHBOARD_PATHS.timeline, forJob)}">${job.name}</a></td>
        <td class="num" data-label="Runs">${formatCount(stats.total)}</td>
        <td class="num" data-label="Success rate">${formatRate(stats.success_rate)}</td>
        <td class="num" data-label="p50">${formatDuration(stats.duration_ms.p50)}</td>
        <td class="num" data-label="p95">${formatDuration(stats.duration_ms.p95)}</td>
        <td class="num" data-label="Failed"><a href="${pageUrl(DASHBOARD_PATHS.failures, forJob)}">${formatCount(stats.by_status.FAILED)}</a></td>
        <td data-label="Last run">${lastRun ? html`<a href="${DASHBOARD_PATHS.run(lastRun.id)}">${formatTime(lastRun.queued_at)}</a> ${statusBadge(lastRun.status)}` : html`<span class="muted">never</span>`}</td>
      </tr>`
    })}</tbody>
  </table>`
}
