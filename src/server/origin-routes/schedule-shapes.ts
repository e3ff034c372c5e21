import { z } from 'zod'
import { ValidationError } from '../../errors.js'
import { originTrigger } from '../../origin/origin-triggers.js'
import type { Schedule } from '../../schedules/schedule-schema.js'
import { triggerType, type CronTrigger, type Trigger } from '../../schedules/trigger-schema.js'
import { originValidationError } from './origin-errors.js'

/**
 * The origin's schedule shapes (`api/routers/schedules.py`): a trigger is
 * `{trigger_type, trigger_args}` with APScheduler's keyword arguments. They are read
 * with the import's mapping (`originTrigger`: naive times in this server's local zone,
 * APScheduler's Monday-first weekday numbers) and answered back in APScheduler's terms.
 */

const triggerTypeSchema = z.enum(['interval', 'cron', 'date'])
const triggerArgsSchema = z.record(z.string(), z.unknown())

export const scheduleBodySchema = z.object({
  name: z.string(),
  job_id: z.string(),
  environment: z.string().describe('Execution environment gate: DEV/TEST/PROD'),
  trigger_type: triggerTypeSchema,
  trigger_args: triggerArgsSchema.default({}),
  paused: z.boolean().default(false),
})
export type ScheduleBody = z.output<typeof scheduleBodySchema>

export const schedulePatchBodySchema = z.object({
  name: z.string().nullish(),
  job_id: z.string().nullish().describe('Only the schedule’s own job: a schedule cannot move to another job here'),
  environment: z.string().nullish(),
  trigger_type: triggerTypeSchema.nullish(),
  trigger_args: triggerArgsSchema.nullish(),
  paused: z.boolean().nullish(),
})
export type SchedulePatchBody = z.output<typeof schedulePatchBodySchema>

export const originScheduleSchema = z.object({
  id: z.string(),
  name: z.string(),
  job_id: z.string(),
  environment: z.string(),
  trigger_type: triggerTypeSchema,
  trigger_args: triggerArgsSchema,
  is_paused: z.boolean(),
})
export type OriginSchedule = z.output<typeof originScheduleSchema>

export const scheduleIdParamsSchema = z.object({ schedule_id: z.string() })

/** The origin's spelling of an environment: trimmed, upper case (`dev` → `DEV`), as its ScheduleConfig reads it. */
export function storeEnvironment(environment: string): string {
  return environment.trim().toUpperCase()
}

/** An origin trigger as this store's, or 422 with the issues under `body.trigger_args` / `body.trigger_type`. */
export function storeTrigger(type: string, args: Record<string, unknown>): Trigger {
  const { trigger, issues } = originTrigger(type, args, 'local')
  if (trigger === undefined) throw originValidationError(new ValidationError(issues), 'body')
  return trigger
}

/** A schedule as the origin answers it. */
export function originSchedule(schedule: Schedule): OriginSchedule {
  return {
    id: schedule.id,
    name: schedule.name,
    job_id: schedule.job_id,
    environment: schedule.environment,
    trigger_type: triggerType(schedule.trigger),
    trigger_args: originTriggerArgs(schedule.trigger),
    is_paused: schedule.paused,
  }
}

/** The store's trigger as APScheduler's keyword arguments (instants as ISO times with their zone). */
export function originTriggerArgs(trigger: Trigger): Record<string, unknown> {
  if (trigger.interval !== undefined) return { ...trigger.interval }
  if (trigger.date !== undefined) return { ...trigger.date }
  return cronArgs(trigger.cron as CronTrigger)
}

/** Crontab's fields of an expression, in APScheduler's names, least significant first. */
const EXPRESSION_FIELDS = ['second', 'minute', 'hour', 'day', 'month', 'day_of_week'] as const
/** Crontab numbers the days from Sunday (0 and 7); APScheduler from Monday: names mean the same in both. */
const CRONTAB_DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']

function cronArgs(cron: CronTrigger): Record<string, unknown> {
  const { expression, ...fields } = cron
  const args: Record<string, unknown> = { ...fields }
  if (expression !== undefined) {
    const parts = expression.split(/\s+/)
    const names = parts.length === 5 ? EXPRESSION_FIELDS.slice(1) : EXPRESSION_FIELDS
    names.forEach((name, index) => (args[name] = parts[index]))
  }
  if (args.day_of_week !== undefined) args.day_of_week = dayNames(String(args.day_of_week))
  return args
}

/** `1-5` → `mon-fri`, `0,6` → `sun,sat`: crontab's day numbers as the names APScheduler reads alike. */
function dayNames(value: string): string {
  return value
    .split(',')
    .map((part) =>
      part.replace(/^([0-7])(?:-([0-7]))?(\/\d+)?$/, (_all, from: string, to: string | undefined, step: string | undefined) => {
        const range = to === undefined ? CRONTAB_DAYS[Number(from)] : `${CRONTAB_DAYS[Number(from)]}-${CRONTAB_DAYS[Number(to)]}`
        return `${range}${step ?? ''}`
      }),
    )
    .join(',')
}

/**
 * The store's verdict on a schedule, answered at the request's fields: the store's
 * `trigger.cron.minute` is the origin's `trigger_args.minute`.
 */
export function scheduleValidationError(error: ValidationError) {
  const issues = error.issues.map((issue) => ({ ...issue, path: issue.path.replace(/^trigger(\.(interval|cron|date))?(?=\.|$)/, 'trigger_args') }))
  return originValidationError(new ValidationError(issues, { cause: error }), 'body')
}
