import { NotFoundError } from '../../errors.js'
import type { ExecutionDetail } from '../../repositories/execution-reads.js'
import type { Attempt, ComponentRun, ExecutionEvent } from '../../schema/execution-schemas.js'
import type { Store } from '../../store.js'
import { pageUrl } from './dashboard-filters.js'
import { formatCount, formatDuration, formatTime } from './display-format.js'
import { html, type SafeHtml } from './html-template.js'
import { DASHBOARD_PATHS, page, statusBadge } from './page-layout.js'

/** Events per page of a run's log. */
const EVENT_PAGE = 100

/**
 * One run: its header, its attempts, each attempt's components as bars (time spent,
 * lines received and forwarded), and its event log, a page at a time (`events_after`).
 */
export async function runDetailPage(store: Store, id: string, eventsAfter: string | undefined, signedIn: boolean): Promise<string> {
  const run = await store.executions.get(id, {
    include: { attempts: true, componentRuns: true, events: { limit: EVENT_PAGE, ...(eventsAfter !== undefined ? { after: eventsAfter } : {}) } },
  })
  const jobName = await jobNameOf(store, run.job_id)
  const body = html`
    ${runSummary(run, jobName)}
    ${run.error && html`<div class="card" id="run-error"><strong>${run.error.type}</strong><pre class="error-text">${run.error.message}</pre></div>`}
    <h2>Attempts</h2>
    ${attemptTable(run.attempts ?? [])}
    <h2>Components</h2>
    ${componentSections(run.attempts ?? [], run.component_runs ?? [])}
    <h2>Events</h2>
    ${eventTable(run.events ?? [])}
    ${run.events_next_cursor && html`<p class="pager"><a id="more-events" href="${pageUrl(DASHBOARD_PATHS.run(run.id), {}, { events_after: run.events_next_cursor })}">More events →</a></p>`}
    <h2>Parameters</h2>
    <pre class="card" id="params">${JSON.stringify(run.params, null, 2)}</pre>`
  return page({ title: `Run of ${jobName}`, section: 'none', body, signedIn })
}

/** The job's name; a job removed since keeps its id on the page. */
async function jobNameOf(store: Store, jobId: string): Promise<string> {
  try {
    return (await store.jobs.get(jobId)).name
  } catch (error) {
    if (error instanceof NotFoundError) return jobId
    throw error
  }
}

function runSummary(run: ExecutionDetail, jobName: string): SafeHtml {
  return html`<p class="run-id muted">Run <code>${run.id}</code></p>
  <dl class="summary" id="run-summary">
    <div><dt>Status</dt><dd>${statusBadge(run.status)}</dd></div>
    <div><dt>Job</dt><dd><a href="${pageUrl(DASHBOARD_PATHS.timeline, { job: run.job_id })}">${jobName}</a> v${run.job_version}</dd></div>
    <div><dt>Environment</dt><dd>${run.environment ?? '–'}</dd></div>
    <div><dt>Trigger</dt><dd>${run.trigger}</dd></div>
    <div><dt>Queued</dt><dd>${formatTime(run.queued_at)}</dd></div>
    <div><dt>Duration</dt><dd>${formatDuration(run.duration_ms)}</dd></div>
    <div><dt>Attempts</dt><dd>${run.attempt_count} / ${run.max_attempts}</dd></div>
  </dl>`
}

function attemptTable(attempts: readonly Attempt[]): SafeHtml {
  if (attempts.length === 0) return html`<p class="muted">No attempt has started.</p>`
  return html`<table class="rows" id="attempts">
    <thead><tr><th class="num">#</th><th>Status</th><th>Worker</th><th>Started</th><th class="num">Duration</th><th>Error</th></tr></thead>
    <tbody>${attempts.map(
      (attempt) => html`<tr data-status="${attempt.status}">
        <td class="num" data-label="Attempt">${attempt.attempt_number}</td>
        <td data-label="Status">${statusBadge(attempt.status)}</td>
        <td data-label="Worker">${attempt.worker_id ?? '–'}</td>
        <td data-label="Started">${formatTime(attempt.started_at)}</td>
        <td class="num" data-label="Duration">${formatDuration(attempt.finished_at ? attempt.finished_at.getTime() - attempt.started_at.getTime() : null)}</td>
        <td class="wide" data-label="Error">${attempt.error ? html`<pre class="error-text">${attempt.error.type}: ${attempt.error.message}</pre>` : '–'}</td>
      </tr>`,
    )}</tbody>
  </table>`
}

/** Each attempt's component runs in the order they started, scaled to that attempt's largest. */
function componentSections(attempts: readonly Attempt[], runs: readonly ComponentRun[]): SafeHtml {
  if (runs.length === 0) return html`<p class="muted">No component runs recorded.</p>`
  return html`${attempts.map((attempt) => {
    const own = runs.filter((run) => run.attempt_id === attempt.id).sort(byStart)
    if (own.length === 0) return html``
    const longest = Math.max(...own.map((run) => run.processing_ms))
    const mostLines = Math.max(...own.map((run) => Math.max(run.lines_received, run.lines_forwarded)))
    return html`<section class="card components" data-attempt="${attempt.attempt_number}">
      <h3>Attempt ${attempt.attempt_number} ${statusBadge(attempt.status)}</h3>
      <h4>Time spent</h4>
      <div class="bars duration-bars">${own.map(
        (run) =>
          html`<span class="label">${run.component_name}</span>${bar([{ className: 'bar-duration', share: ratio(run.processing_ms, longest) }], `${run.component_name}: ${formatDuration(run.processing_ms)}`, run.component_name)}<span class="value">${formatDuration(run.processing_ms)}</span>`,
      )}</div>
      <h4>Lines</h4>
      <p class="legend"><span><i class="swatch-received"></i>received</span><span><i class="swatch-forwarded"></i>forwarded</span></p>
      <div class="bars line-bars">${own.map(
        (run) =>
          html`<span class="label">${run.component_name}${run.error_count > 0 && html` <span class="level-error">(${formatCount(run.error_count)} errors)</span>`}</span>${bar(
            [
              { className: 'bar-received', share: ratio(run.lines_received, mostLines) },
              { className: 'bar-forwarded', share: ratio(run.lines_forwarded, mostLines) },
            ],
            `${run.component_name}: ${formatCount(run.lines_received)} received, ${formatCount(run.lines_forwarded)} forwarded`,
            run.component_name,
          )}<span class="value">${formatCount(run.lines_received)} → ${formatCount(run.lines_forwarded)}</span>`,
      )}</div>
    </section>`
  })}`
}

function byStart(a: ComponentRun, b: ComponentRun): number {
  return (a.started_at?.getTime() ?? 0) - (b.started_at?.getTime() ?? 0) || a.component_name.localeCompare(b.component_name)
}

function ratio(value: number, largest: number): number {
  return largest > 0 ? value / largest : 0
}

/**
 * A horizontal bar as inline SVG: one rectangle per value, stacked in rows. Sizes are
 * attributes, not style, so the page's Content-Security-Policy can forbid inline styles.
 */
function bar(values: ReadonlyArray<{ className: string; share: number }>, label: string, component: string): SafeHtml {
  const rowHeight = 10 / values.length
  return html`<svg viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="${label}" data-component="${component}">
    <rect class="track" x="0" y="0" width="100" height="10"></rect>
    ${values.map((value, i) => html`<rect class="${value.className}" x="0" y="${(i * rowHeight).toFixed(2)}" width="${(value.share * 100).toFixed(2)}" height="${(rowHeight - (values.length > 1 ? 0.5 : 0)).toFixed(2)}"></rect>`)}
  </svg>`
}

function eventTable(events: readonly ExecutionEvent[]): SafeHtml {
  if (events.length === 0) return html`<p class="muted">No events.</p>`
  return html`<table class="rows" id="events">
    <thead><tr><th>At</th><th>Level</th><th>Component</th><th>Message</th></tr></thead>
    <tbody>${events.map(
      (event) => html`<tr data-level="${event.level}">
        <td data-label="At">${formatTime(event.at)}</td>
        <td data-label="Level" class="level-${event.level}">${event.level}</td>
        <td data-label="Component">${event.component_name ?? '–'}</td>
        <td class="wide" data-label="Message">${event.message}</td>
      </tr>`,
    )}</tbody>
  </table>`
}
