import { CronExpressionParser } from 'cron-parser'
import { cronExpression, intervalMs, type CronTrigger, type IntervalTrigger, type Trigger } from './trigger-schema.js'

/** Years the search for a matching `year` field skips ahead at most. */
const MAX_YEAR_SKIPS = 200

/**
 * The trigger's first occurrence strictly after `after`, or null when there is none
 * (a past `date`, an `end_date` reached, no matching year).
 */
export function nextOccurrence(trigger: Trigger, after: Date): Date | null {
  if (trigger.interval !== undefined) return nextInterval(trigger.interval, after)
  if (trigger.cron !== undefined) return nextCron(trigger.cron, after)
  const runDate = new Date(trigger.date?.run_date ?? Number.NaN)
  return runDate.getTime() > after.getTime() ? runDate : null
}

/** The seconds of jitter the trigger allows (0 when none). */
export function triggerJitter(trigger: Trigger): number {
  return trigger.interval?.jitter ?? trigger.cron?.jitter ?? 0
}

/** When an occurrence becomes due: itself, plus a random delay of up to the trigger's jitter. */
export function dueTime(trigger: Trigger, occurrence: Date, random: () => number = Math.random): Date {
  const jitter = triggerJitter(trigger)
  return jitter === 0 ? occurrence : new Date(occurrence.getTime() + Math.floor(random() * jitter * 1000))
}

function nextInterval(trigger: IntervalTrigger, after: Date): Date | null {
  const period = intervalMs(trigger)
  const start = new Date(trigger.start_date ?? Number.NaN).getTime()
  const from = after.getTime()
  const next = from < start ? start : start + (Math.floor((from - start) / period) + 1) * period
  return withinEnd(new Date(next), trigger.end_date)
}

function nextCron(trigger: CronTrigger, after: Date): Date | null {
  const start = trigger.start_date === undefined ? undefined : new Date(new Date(trigger.start_date).getTime() - 1)
  let from = start !== undefined && start > after ? start : after
  const years = yearMatcher(trigger.year)
  for (let skips = 0; skips <= MAX_YEAR_SKIPS; skips++) {
    const iterator = CronExpressionParser.parse(cronExpression(trigger), { tz: trigger.timezone, currentDate: from })
    let next: Date
    try {
      next = iterator.next().toDate()
    } catch {
      return null
    }
    if (years(next.getUTCFullYear())) return withinEnd(next, trigger.end_date)
    const nextYear = Date.UTC(next.getUTCFullYear() + 1, 0, 1) - 1
    if (trigger.end_date !== undefined && nextYear > new Date(trigger.end_date).getTime()) return null
    from = new Date(nextYear - 14 * 3_600_000)
  }
  return null
}

function withinEnd(next: Date, end: string | undefined): Date | null {
  return end !== undefined && next.getTime() > new Date(end).getTime() ? null : next
}

/** `*`, `2026`, `2026-2028`, `2026,2030`. */
function yearMatcher(spec: CronTrigger['year']): (year: number) => boolean {
  if (spec === undefined || String(spec) === '*') return () => true
  const ranges = String(spec)
    .split(',')
    .map((part) => part.split('-').map(Number) as [number, number?])
  return (year) => ranges.some(([low, high]) => year >= low && year <= (high ?? low))
}
