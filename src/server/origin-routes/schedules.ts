import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ConstraintError, NotFoundError, ValidationError } from '../../errors.js'
import type { Schedule, SchedulePatch } from '../../schedules/schedule-schema.js'
import { triggerType } from '../../schedules/trigger-schema.js'
import type { Store } from '../../store.js'
import type { ServerDeps } from '../server-options.js'
import { everyItem } from './list-pages.js'
import { originError, originValidationError } from './origin-errors.js'
import {
  originSchedule,
  originScheduleSchema,
  originTriggerArgs,
  scheduleBodySchema,
  scheduleIdParamsSchema,
  schedulePatchBodySchema,
  scheduleValidationError,
  storeEnvironment,
  storeTrigger,
  type ScheduleBody,
  type SchedulePatchBody,
} from './schedule-shapes.js'

const tags = ['schedules']

/**
 * /schedules (api/routers/schedules.py): create, list, read, update, delete, pause,
 * resume and run-now. The origin hands schedules to an in-process APScheduler; here
 * they are rows whose next fire time the store keeps, and a scheduler process takes due
 * occurrences with `store.schedules.due`. Run-now queues an execution for a worker.
 */
export async function registerOriginScheduleRoutes(app: FastifyInstance, _deps: ServerDeps): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()
  const byId = { params: scheduleIdParamsSchema }

  routes.post(
    '/schedules/',
    {
      schema: {
        tags,
        summary: 'Create a schedule',
        description: 'Answers the new schedule’s id. A time without a zone in trigger_args is this server’s local time.',
        body: scheduleBodySchema,
        response: { 201: z.string() },
      },
    },
    async (request, reply) => {
      const schedule = await createSchedule(request.store, request.body)
      return sendJsonString(reply.status(201), schedule.id)
    },
  )

  routes.get('/schedules/', { schema: { tags, summary: 'List schedules', response: { 200: originScheduleSchema.array() } } }, async (request) => {
    const schedules = await everyItem((page) => request.store.schedules.list(page))
    return schedules.map(originSchedule)
  })

  routes.get('/schedules/:schedule_id', { schema: { tags, summary: 'Get a schedule', ...byId, response: { 200: originScheduleSchema } } }, async (request) =>
    originSchedule(await existingSchedule(request.store, request.params.schedule_id)),
  )

  routes.put(
    '/schedules/:schedule_id',
    {
      schema: {
        tags,
        summary: 'Update a schedule',
        description: 'Changes the fields given; trigger_type or trigger_args alone is merged with the stored trigger. Answers the schedule’s id.',
        ...byId,
        body: schedulePatchBodySchema,
        response: { 200: z.string() },
      },
    },
    async (request, reply) => sendJsonString(reply, (await updateSchedule(request.store, request.params.schedule_id, request.body)).id),
  )

  routes.delete(
    '/schedules/:schedule_id',
    { schema: { tags, summary: 'Delete a schedule', ...byId, response: { 200: z.object({ message: z.string() }) } } },
    async (request) => {
      const { schedule_id: id } = request.params
      await existingSchedule(request.store, id)
      await withNotFound(id, request.store.schedules.delete(id))
      return { message: `Schedule ${id} deleted` }
    },
  )

  routes.post(
    '/schedules/:schedule_id/pause',
    { schema: { tags, summary: 'Pause a schedule', ...byId, response: { 200: originScheduleSchema } } },
    async (request) => {
      await existingSchedule(request.store, request.params.schedule_id)
      return originSchedule(await withNotFound(request.params.schedule_id, request.store.schedules.pause(request.params.schedule_id)))
    },
  )

  routes.post(
    '/schedules/:schedule_id/resume',
    {
      schema: {
        tags,
        summary: 'Resume a schedule',
        description: 'Fires again from the next occurrence: the ones missed while paused are skipped.',
        ...byId,
        response: { 200: originScheduleSchema },
      },
    },
    async (request) => {
      await existingSchedule(request.store, request.params.schedule_id)
      return originSchedule(await withNotFound(request.params.schedule_id, request.store.schedules.resume(request.params.schedule_id)))
    },
  )

  routes.post(
    '/schedules/:schedule_id/run-now',
    {
      schema: {
        tags,
        summary: 'Run a schedule’s job now',
        description: 'Queues an execution of the schedule’s job in its environment (paused or not), for a worker.',
        ...byId,
        response: { 200: z.object({ status: z.literal('started'), execution_id: z.string() }) },
      },
    },
    async (request) => {
      const schedule = await existingSchedule(request.store, request.params.schedule_id)
      const execution = await request.store.executions.start({ jobId: schedule.job_id, environment: schedule.environment, trigger: 'schedule' })
      return { status: 'started' as const, execution_id: execution.id }
    },
  )
}

/** The origin answers a bare id as a JSON string (`"…"`); Fastify would send a string as plain text. */
function sendJsonString(reply: FastifyReply, value: string): FastifyReply {
  return reply.type('application/json').send(JSON.stringify(value))
}

async function createSchedule(store: Store, body: ScheduleBody): Promise<Schedule> {
  const trigger = storeTrigger(body.trigger_type, body.trigger_args)
  return saved(body.name, () =>
    store.schedules.create({
      name: body.name,
      job_id: body.job_id,
      environment: storeEnvironment(body.environment) as Schedule['environment'],
      trigger,
      paused: body.paused,
    }),
  )
}

/**
 * The patch merged with the stored schedule, as the origin's SchedulePatchConfig asks:
 * `trigger_type` alone keeps the stored arguments, `trigger_args` alone the stored type,
 * and the result is checked as a whole. A trigger left alone keeps its next fire time.
 */
async function updateSchedule(store: Store, id: string, patch: SchedulePatchBody): Promise<Schedule> {
  const schedule = await existingSchedule(store, id)
  if (patch.job_id != null && patch.job_id !== schedule.job_id) {
    const issue = { path: 'job_id', message: 'A schedule stays with its job here: create a schedule for the other job (and delete this one)' }
    throw originValidationError(new ValidationError([issue]), 'body')
  }
  const changes: SchedulePatch = {}
  if (patch.name != null) changes.name = patch.name
  if (patch.environment != null) changes.environment = storeEnvironment(patch.environment) as Schedule['environment']
  if (patch.paused != null) changes.paused = patch.paused
  if (patch.trigger_type != null || patch.trigger_args != null) {
    changes.trigger = storeTrigger(patch.trigger_type ?? triggerType(schedule.trigger), patch.trigger_args ?? originTriggerArgs(schedule.trigger))
  }
  return saved(changes.name ?? schedule.name, () => withNotFound(id, store.schedules.update(id, changes)))
}

/** A store write, its refusals answered as the origin's request fields: bad values 422, a taken name 409. */
async function saved(name: string, write: () => Promise<Schedule>): Promise<Schedule> {
  try {
    return await write()
  } catch (error) {
    if (error instanceof ValidationError) throw scheduleValidationError(error)
    if (error instanceof ConstraintError && error.constraint_kind === 'unique') {
      throw originError(409, 'SCHEDULE_EXISTS', `A schedule named ${JSON.stringify(name)} exists; names are unique here`, error)
    }
    throw error
  }
}

async function existingSchedule(store: Store, id: string): Promise<Schedule> {
  return withNotFound(id, store.schedules.get(id))
}

/** The origin's 404 for a schedule that is not there (also one deleted by another request meanwhile). */
async function withNotFound<T>(id: string, work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (error) {
    if (error instanceof NotFoundError) throw originError(404, 'SCHEDULE_NOT_FOUND', 'Schedule not found', error, { schedule_id: id })
    throw error
  }
}
