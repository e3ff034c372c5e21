import { CronExpressionParser } from 'cron-parser'
import { z } from 'zod'

/** An IANA time zone the runtime knows (`Europe/Berlin`, `UTC`). */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value })
    return true
  } catch {
    return false
  }
}

const timezone = z.string().refine(isTimeZone, 'Unknown time zone: use an IANA name such as UTC or Europe/Berlin')
const instant = z.iso.datetime({ offset: true, message: 'Expected an ISO 8601 date-time with a time zone offset or Z' })
const amount = z.number().min(0, 'Must not be negative').optional()
const jitter = z.int().min(0).max(86_400).optional()

/** Longer intervals would carry next fire times past what a Date (and the databases) hold. */
const MAX_INTERVAL_MS = 1000 * 365.25 * 86_400_000

/** Every `weeks`…`seconds`, `start_date`/`end_date` bound the occurrences, `jitter` delays each by up to that many seconds. */
export const intervalTriggerSchema = z
  .strictObject({
    weeks: amount,
    days: amount,
    hours: amount,
    minutes: amount,
    seconds: amount,
    start_date: instant.optional(),
    end_date: instant.optional(),
    jitter,
  })
  .superRefine((value, context) => {
    const ms = intervalMs(value)
    if (!(ms > 0)) context.addIssue({ code: 'custom', message: 'An interval must be positive: give weeks, days, hours, minutes or seconds' })
    else if (ms > MAX_INTERVAL_MS) context.addIssue({ code: 'custom', message: 'An interval may be at most 1,000 years' })
    if (value.start_date && value.end_date && Date.parse(value.end_date) <= Date.parse(value.start_date)) {
      context.addIssue({ code: 'custom', path: ['end_date'], message: 'end_date must be after start_date' })
    }
  })

/** The order APScheduler gives cron fields, most significant first; `week` is not supported. */
export const CRON_FIELDS = ['year', 'month', 'day', 'day_of_week', 'hour', 'minute', 'second'] as const
const cronField = z.union([z.int().min(0), z.string().trim().min(1).max(100)]).optional()
const YEAR = /^(\*|\d{4}(-\d{4})?(,\d{4}(-\d{4})?)*)$/

/**
 * Either a crontab `expression` (5 fields, or 6 with seconds first) or fields in
 * APScheduler's manner: fields less significant than the least significant given one
 * default to their minimum, the others to `*`. `day_of_week` counts as crontab does
 * (0 or 7 = Sunday) or by name (`mon-fri`).
 */
export const cronTriggerSchema = z
  .strictObject({
    expression: z.string().trim().min(1).max(200).optional(),
    year: cronField,
    month: cronField,
    day: cronField,
    day_of_week: cronField,
    hour: cronField,
    minute: cronField,
    second: cronField,
    timezone: timezone.default('UTC'),
    start_date: instant.optional(),
    end_date: instant.optional(),
    jitter,
  })
  .superRefine((value, context) => {
    const given = CRON_FIELDS.filter((field) => value[field] !== undefined)
    if (value.expression === undefined && given.length === 0) {
      context.addIssue({ code: 'custom', message: 'A cron trigger needs an expression or at least one field (year … second)' })
      return
    }
    if (value.expression !== undefined && given.length > 0) {
      context.addIssue({ code: 'custom', path: [given[0] as string], message: 'Give either expression or fields, not both' })
      return
    }
    if (value.year !== undefined && !YEAR.test(String(value.year))) {
      context.addIssue({ code: 'custom', path: ['year'], message: 'Expected *, a year, a range (2026-2028) or a list of them' })
    }
    if (value.expression !== undefined) {
      const count = value.expression.split(/\s+/).length
      if (count !== 5 && count !== 6) {
        context.addIssue({ code: 'custom', path: ['expression'], message: 'A crontab expression has 5 fields (or 6, seconds first)' })
        return
      }
    }
    const problem = cronProblem(value)
    if (problem !== undefined) context.addIssue({ code: 'custom', path: [problem.path], message: problem.message })
  })

export const dateTriggerSchema = z.strictObject({ run_date: instant })

/** Exactly one of `interval`, `cron` or `date`. */
export const triggerSchema = z
  .strictObject({ interval: intervalTriggerSchema.optional(), cron: cronTriggerSchema.optional(), date: dateTriggerSchema.optional() })
  .superRefine((value, context) => {
    const kinds = [value.interval, value.cron, value.date].filter((kind) => kind !== undefined)
    if (kinds.length !== 1) context.addIssue({ code: 'custom', message: 'A trigger is exactly one of interval, cron or date' })
  })

export type TriggerInput = z.input<typeof triggerSchema>
export type Trigger = z.output<typeof triggerSchema>
export type IntervalTrigger = z.output<typeof intervalTriggerSchema>
export type CronTrigger = z.output<typeof cronTriggerSchema>
export const triggerTypeSchema = z.enum(['interval', 'cron', 'date'])
export type TriggerType = z.output<typeof triggerTypeSchema>

export function triggerType(trigger: Trigger): TriggerType {
  if (trigger.interval !== undefined) return 'interval'
  if (trigger.cron !== undefined) return 'cron'
  return 'date'
}

export function intervalMs(value: Pick<IntervalTrigger, 'weeks' | 'days' | 'hours' | 'minutes' | 'seconds'>): number {
  const { weeks = 0, days = 0, hours = 0, minutes = 0, seconds = 0 } = value
  return Math.round(((((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000)
}

/** The 6-field crontab expression (seconds first) of a cron trigger. */
export function cronExpression(value: Omit<CronTrigger, 'timezone'> & { timezone?: string }): string {
  if (value.expression !== undefined) {
    const fields = value.expression.split(/\s+/)
    return fields.length === 5 ? `0 ${value.expression}` : value.expression
  }
  const order = ['month', 'day', 'day_of_week', 'hour', 'minute', 'second'] as const
  const minimum = { month: '1', day: '1', day_of_week: '*', hour: '0', minute: '0', second: '0' } as const
  const given = order.map((field) => value[field] !== undefined)
  const last = given.lastIndexOf(true)
  const field = (name: (typeof order)[number], index: number) => {
    const explicit = value[name]
    if (explicit !== undefined) return String(explicit)
    // day and day_of_week: leaving one out never narrows the other.
    if (index > last && name !== 'day' && name !== 'day_of_week') return minimum[name]
    return '*'
  }
  const [month, day, dayOfWeek, hour, minute, second] = order.map(field)
  return `${second} ${minute} ${hour} ${day} ${month} ${dayOfWeek}`
}

function cronProblem(value: z.output<typeof cronTriggerSchema>): { path: string; message: string } | undefined {
  try {
    CronExpressionParser.parse(cronExpression(value), { tz: isTimeZone(value.timezone) ? value.timezone : 'UTC' })
    return undefined
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    if (value.expression !== undefined) return { path: 'expression', message: `Invalid cron expression: ${message}` }
    const given = CRON_FIELDS.filter((field) => field !== 'year' && value[field] !== undefined)
    // Find the field at fault by parsing each alone.
    for (const field of given) {
      try {
        CronExpressionParser.parse(cronExpression({ [field]: value[field] } as CronTrigger), { tz: 'UTC' })
      } catch {
        return { path: field, message: `Invalid cron field: ${message}` }
      }
    }
    return { path: given[0] ?? 'expression', message: `Invalid cron fields: ${message}` }
  }
}
