import { z } from 'zod'
import { environmentSchema } from '../schema/credential-schema.js'
import { triggerSchema, triggerTypeSchema } from './trigger-schema.js'

export const scheduleInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  job_id: z.uuid({ message: 'Expected a job id (UUID)' }),
  environment: environmentSchema.default('DEV'),
  trigger: triggerSchema,
  paused: z.boolean().default(false),
})

export const schedulePatchSchema = scheduleInputSchema.omit({ job_id: true }).partial()

export type ScheduleInput = z.input<typeof scheduleInputSchema>
export type SchedulePatch = z.input<typeof schedulePatchSchema>

export const scheduleSchema = z.object({
  id: z.string(),
  name: z.string(),
  job_id: z.string(),
  environment: environmentSchema,
  trigger_type: triggerTypeSchema,
  /** As given, with an interval's `start_date` filled in (one period after it was created). */
  trigger: triggerSchema,
  paused: z.boolean(),
  /** When it is next due (jitter included); null once the trigger has no more occurrences. */
  next_fire_at: z.date().nullable(),
  last_fired_at: z.date().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
})
export type Schedule = z.output<typeof scheduleSchema>

/** One occurrence that `due` handed out: it fires exactly once, whatever the number of schedulers. */
export const dueFireSchema = z.object({
  schedule: scheduleSchema,
  /** The trigger's occurrence (without jitter). */
  fire_at: z.date(),
})
export type DueFire = z.output<typeof dueFireSchema>
