import type { ValidationIssue } from '../errors.js'
import { triggerSchema, type Trigger } from '../schedules/trigger-schema.js'
import { formatPath } from '../schema/json-path.js'
import { ianaZone, isOriginTimeZone, originInstant, type OriginTimeZone } from './origin-time.js'

const INTERVAL_KEYS = ['weeks', 'days', 'hours', 'minutes', 'seconds', 'start_date', 'end_date', 'timezone', 'jitter']
const CRON_KEYS = ['year', 'month', 'day', 'week', 'day_of_week', 'hour', 'minute', 'second', 'start_date', 'end_date', 'timezone', 'jitter']
const DATE_KEYS = ['run_date', 'timezone']
/** APScheduler numbers the days of the week from Monday (0) to Sunday (6); crontab from Sunday (0). */
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']

/**
 * An etl-core schedule's `trigger_type` and `trigger_args` (APScheduler's keyword
 * arguments) as this store's trigger. What changes on the way:
 * - naive `start_date`, `end_date` and `run_date` are read in the trigger's `timezone`,
 *   else in `zone` (APScheduler's default is the scheduler's local zone), and become
 *   ISO instants; an interval's or date's `timezone` has then done its work and is dropped;
 * - a cron trigger without `timezone` gets `zone`'s IANA name, so it fires at the same
 *   wall-clock times as before (this store's cron default is UTC);
 * - `day_of_week` numbers (APScheduler: 0 = Monday) become day names, since crontab
 *   counts from Sunday; lists of values become comma lists; `week: '*'` is dropped.
 * Problems come back as issues whose paths start at `trigger_args` (or `trigger_type`).
 */
export function originTrigger(type: unknown, args: Record<string, unknown>, zone: OriginTimeZone): { trigger?: Trigger; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = []
  const at = (key: string, message: string) => issues.push({ path: key === '' ? 'trigger_args' : `trigger_args.${key}`, message })
  const kind =
    typeof type === 'string'
      ? type
          .trim()
          .toLowerCase()
          .replace(/^triggertype\./, '')
      : ''
  const allowed = kind === 'interval' ? INTERVAL_KEYS : kind === 'cron' ? CRON_KEYS : kind === 'date' ? DATE_KEYS : undefined
  if (allowed === undefined) {
    return { issues: [{ path: 'trigger_type', message: `${JSON.stringify(type)} is not a trigger type of etl-core (interval, cron, date)` }] }
  }
  const source = { ...args }
  if (kind === 'date' && 'date' in source && !('run_date' in source)) {
    // etl-core's ScheduleConfig accepts `date` for `run_date`.
    source.run_date = source.date
    delete source.date
  }
  for (const key of Object.keys(source)) if (!allowed.includes(key)) at(key, `APScheduler's ${kind} trigger has no ${key}`)

  let own = zone
  if (source.timezone !== undefined && source.timezone !== null) {
    if (typeof source.timezone === 'string' && isOriginTimeZone(source.timezone)) own = source.timezone
    else at('timezone', `Unknown time zone ${JSON.stringify(source.timezone)}`)
  }
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(source)) {
    if (!allowed.includes(key) || key === 'timezone' || value === null) continue
    if (key === 'start_date' || key === 'end_date' || key === 'run_date') {
      const instant = typeof value === 'string' ? originInstant(value, own) : undefined
      if (instant === undefined) at(key, `Not a date-time: ${JSON.stringify(value)}`)
      else out[key] = instant.toISOString()
    } else if (kind === 'cron' && key === 'week') {
      if (String(value).trim() !== '*') at(key, 'This store’s cron triggers have no week-of-year field: use day and month, or an expression')
    } else if (kind === 'cron' && key === 'day_of_week') {
      const days = weekdays(value)
      if (days === undefined) at(key, `Cannot read ${JSON.stringify(value)} as APScheduler days of the week`)
      else out[key] = days
    } else if (kind === 'cron') {
      out[key] = Array.isArray(value) ? value.map(String).join(',') : value
    } else out[key] = value
  }
  if (kind === 'cron') out.timezone = ianaZone(own)
  if (issues.length > 0) return { issues }

  const parsed = triggerSchema.safeParse({ [kind]: out })
  if (!parsed.success) {
    // The store's paths start at the trigger kind (`cron.minute`); the origin's at trigger_args.
    return { issues: parsed.error.issues.map((issue) => ({ path: formatPath(issue.path.slice(1), 'trigger_args'), message: issue.message })) }
  }
  return { trigger: parsed.data, issues }
}

/**
 * APScheduler's `day_of_week` (0 = Monday … 6 = Sunday, names, `*`, ranges, steps, lists)
 * as day names, which mean the same in crontab: numbers are spelled out, numeric ranges
 * and steps expanded (`0-4` → `mon,tue,wed,thu,fri`).
 */
function weekdays(value: unknown): string | undefined {
  const items = Array.isArray(value) ? value : [value]
  const out: string[] = []
  for (const item of items) {
    if (typeof item === 'number') {
      const name = WEEKDAYS[item]
      if (!Number.isInteger(item) || name === undefined) return undefined
      out.push(name)
      continue
    }
    if (typeof item !== 'string') return undefined
    for (const raw of item.split(',')) {
      const part = raw.trim().toLowerCase()
      const numeric = /^(\*|\d)(?:-(\d))?(?:\/(\d+))?$/.exec(part)
      if (!numeric) {
        // Names (`mon`, `mon-fri`) read the same in both.
        if (!/^[a-z]{3}(-[a-z]{3})?$/.test(part)) return undefined
        out.push(part)
        continue
      }
      const [, first, last, step] = numeric
      if (first === '*' && last === undefined && step === undefined) {
        out.push('*')
        continue
      }
      const from = first === '*' ? 0 : Number(first)
      const to = first === '*' ? 6 : last === undefined ? (step === undefined ? from : 6) : Number(last)
      const by = step === undefined ? 1 : Number(step)
      if (from > 6 || to > 6 || from > to || by < 1) return undefined
      for (let day = from; day <= to; day += by) out.push(WEEKDAYS[day] as string)
    }
  }
  return out.length === 0 ? undefined : [...new Set(out)].join(',')
}
