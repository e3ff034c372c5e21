import { z } from 'zod'
import { environmentSchema } from '../schema/credential-schema.js'
import { triggerSchema, type Trigger, type TriggerType } from './trigger-schema.js'

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

export interface Schedule {
  readonly id: string
  readonly name: string
  readonly job_id: string
  readonly environment: z.output<typeof environmentSchema>
  readonly trigger_type: TriggerType
  /** As given, with an interval's `start_date` filled in (the moment it was created). */
  readonly trigger: Trigger
  readonly paused: boolean
  /** When it is next due (jitter included); null once the trigger has no more occurrences. */
  readonly next_fire_at: Date | null
  readonly last_fired_at: Date | null
  readonly created_at: Date
  readonly updated_at: Date
}

/** One occurrence that `due` handed out: it fires exactly once, whatever the number of schedulers. */
export interface DueFire {
  readonly schedule: Schedule
  /** The trigger's occurrence (without jitter). */
  readonly fire_at: Date
}
