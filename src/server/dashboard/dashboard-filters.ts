import { z } from 'zod'
import { MAX_LIMIT, type FilterRule, type ListResult } from '../../query/query-schema.js'
import type { ListedExecution } from '../../repositories/execution-list.js'
import type { JobHeader } from '../../repositories/job-rows.js'
import type { Store } from '../../store.js'
import { executionStatuses, executionStatusSchema } from '../../schema/execution-schemas.js'
import { isUuid } from '../../schema/ids.js'
import { html, type SafeHtml } from './html-template.js'

/**
 * The filters every page reads from its query string, so a view is a link: a form
 * submits them with GET, and the links between pages carry them along.
 */

/** A form leaves an unused field empty: that means "no filter", not a bad value. */
const blankIsAbsent = (value: unknown) => (value === '' ? undefined : value)
const optionalField = <T extends z.ZodType>(schema: T) => z.preprocess(blankIsAbsent, schema.optional())

/** `2026-01-31T14:05` (what `<input type="datetime-local">` sends), read as UTC; or a full ISO time. */
const utcTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/, 'Expected a time like 2026-01-31T14:05 (UTC)')
  .transform((text, ctx) => {
    const at = new Date(/(Z|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text}Z`)
    if (Number.isNaN(at.getTime())) ctx.addIssue({ code: 'custom', message: 'Not a valid time' })
    return at
  })

export const executionFilterSchema = z.object({
  job: optionalField(z.string().refine(isUuid, 'Expected a job id')),
  status: optionalField(executionStatusSchema),
  environment: optionalField(z.string().max(50)),
  from: optionalField(utcTime),
  to: optionalField(utcTime),
})
export type ExecutionFilter = z.output<typeof executionFilterSchema>

/** A list page's own fields: how many rows (`limit`, as in every list query) and where it starts (`cursor`). */
export const listPageSchema = z.object({
  limit: optionalField(z.coerce.number().int().min(1).max(MAX_LIMIT)),
  cursor: optionalField(z.string().max(4096)),
})

/** The filter as a `where` of the shared query language; `undefined` when nothing is set. */
export function filterRules(filter: ExecutionFilter): FilterRule | undefined {
  const rules: FilterRule[] = []
  if (filter.job !== undefined) rules.push({ column: 'job_id', operator: '==', value: filter.job })
  if (filter.status !== undefined) rules.push({ column: 'status', operator: '==', value: filter.status })
  if (filter.environment !== undefined) rules.push({ column: 'environment', operator: '==', value: filter.environment })
  if (filter.from !== undefined) rules.push({ column: 'queued_at', operator: '>=', value: filter.from.toISOString() })
  if (filter.to !== undefined) rules.push({ column: 'queued_at', operator: '<', value: filter.to.toISOString() })
  if (rules.length === 0) return undefined
  return rules.length === 1 ? rules[0] : { logical_operator: 'AND', rules }
}

/** The time as the form field shows it: `2026-01-31T14:05`, seconds only when there are some. */
export function formTime(at: Date | undefined): string {
  if (at === undefined) return ''
  const iso = at.toISOString()
  return iso.slice(17, 23) === '00.000' ? iso.slice(0, 16) : iso.slice(0, 19)
}

/** `path?job=…&status=…` with only the values that are set; `extra` adds or overrides. */
export function pageUrl(path: string, filter: Partial<ExecutionFilter>, extra: Readonly<Record<string, string | number | undefined>> = {}): string {
  const params = new URLSearchParams()
  const values: Record<string, string | number | undefined> = {
    job: filter.job,
    status: filter.status,
    environment: filter.environment,
    from: filter.from && formTime(filter.from),
    to: filter.to && formTime(filter.to),
    ...extra,
  }
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && value !== '') params.set(name, String(value))
  }
  const query = params.toString()
  return query === '' ? path : `${path}?${query}`
}

/** The query string (`?…`, or nothing) the navigation links carry, so switching pages keeps the filter. */
export function navQuery(filter: Partial<ExecutionFilter>): string {
  return pageUrl('', filter)
}

export interface FilterFormOptions {
  readonly action: string
  readonly filter: ExecutionFilter
  readonly jobs: ReadonlyArray<{ readonly id: string; readonly name: string }>
  /** The fields this page honours. */
  readonly fields: ReadonlyArray<'job' | 'status' | 'environment' | 'from' | 'to'>
}

/** Environments the field suggests; any other name may be typed. */
const SUGGESTED_ENVIRONMENTS = ['DEV', 'TEST', 'PROD']

/** The filter bar: a GET form, so applying it gives the view its own URL. */
export function filterForm({ action, filter, jobs, fields }: FilterFormOptions): SafeHtml {
  const shows = (field: FilterFormOptions['fields'][number]) => fields.includes(field)
  return html`<form class="filters" method="get" action="${action}" role="search">
    ${
      shows('job') &&
      html`<label>Job <select name="job"><option value="">All jobs</option>${jobs.map(
        (job) => html`<option value="${job.id}"${filter.job === job.id ? html` selected` : ''}>${job.name}</option>`,
      )}</select></label>`
    }
    ${
      shows('status') &&
      html`<label>Status <select name="status"><option value="">Any status</option>${executionStatuses.map(
        (status) => html`<option${filter.status === status ? html` selected` : ''}>${status}</option>`,
      )}</select></label>`
    }
    ${
      shows('environment') &&
      html`<label>Environment <input name="environment" list="environments" maxlength="50" value="${filter.environment ?? ''}" placeholder="Any"></label>
    <datalist id="environments">${SUGGESTED_ENVIRONMENTS.map((name) => html`<option value="${name}">`)}</datalist>`
    }
    ${shows('from') && html`<label>From (UTC) <input type="datetime-local" name="from" value="${formTime(filter.from)}"></label>`}
    ${shows('to') && html`<label>To (UTC) <input type="datetime-local" name="to" value="${formTime(filter.to)}"></label>`}
    <div class="filter-actions"><button type="submit">Apply</button> <a href="${action}">Clear</a></div>
  </form>`
}

export interface ListPage {
  readonly limit: number
  readonly cursor?: string | undefined
}

/** One page of the executions the filter matches, newest first. */
export function filteredExecutions(store: Store, filter: ExecutionFilter, { limit, cursor }: ListPage): Promise<ListResult<ListedExecution>> {
  const where = filterRules(filter)
  return store.executions.list({ ...(where ? { where } : {}), limit, ...(cursor !== undefined ? { cursor } : {}) })
}

/** The job filter offers at most this many jobs (one query). */
const JOB_CHOICES = 1000

/** The jobs a filter form offers, by name. */
export async function jobChoices(store: Store): Promise<JobHeader[]> {
  return (await store.jobs.list({ order_by: 'name', limit: JOB_CHOICES })).items
}
