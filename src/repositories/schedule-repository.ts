import type { SelectType } from 'kysely'
import { ConstraintError, NotFoundError, ValidationError } from '../errors.js'
import { isUuid, uuidv7 } from '../schema/ids.js'
import { parseOrThrow } from '../schema/zod-issues.js'
import { dueTime, nextOccurrence } from '../schedules/next-fire.js'
import { scheduleInputSchema, schedulePatchSchema, type DueFire, type Schedule, type ScheduleInput, type SchedulePatch } from '../schedules/schedule-schema.js'
import { intervalMs, triggerSchema, triggerType, type Trigger } from '../schedules/trigger-schema.js'
import type { StoreContext } from '../store-context.js'
import { listQuery, type ListResult, type QueryEntity } from '../query/index.js'
import { queryColumnsOf } from '../query/query-entity.js'
import { schedulesTable } from '../tables/environment-tables.js'
import type { DecodedRow } from '../db/table-declaration.js'
import type { CoreDatabase } from '../tables/core-database.js'

/** Deadlocks between concurrent schedulers are expected: `due` retries more than the default 3. */
const DUE_RETRIES = { retries: 10 }

/** What `list(query)` may filter and sort schedules by. */
const scheduleEntity: QueryEntity = {
  name: 'schedules',
  columns: queryColumnsOf(schedulesTable, ['id', 'name', 'job_id', 'environment', 'trigger_type', 'paused', 'next_fire_at', 'last_fired_at', 'created_at']),
  defaultOrder: [{ column: 'name' }],
}

/** An encoded value as the column stores it: the adapter's encoders return `unknown`. */
type Stored<C extends keyof CoreDatabase['schedules']> = SelectType<CoreDatabase['schedules'][C]>

type ScheduleChanges = Partial<Record<(typeof schedulesTable.columnNames)[number], unknown>>

/**
 * Schedules of jobs. `next_fire_at` is always current; `due` hands each occurrence
 * to exactly one caller, however many scheduler processes ask at once.
 */
export class ScheduleRepository {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  /** @example await store.schedules.create({ name: 'nightly', job_id, trigger: { cron: { hour: 2, timezone: 'Europe/Berlin' } } }) */
  async create(input: ScheduleInput, now: Date = this.#context.now()): Promise<Schedule> {
    const value = parseOrThrow(scheduleInputSchema, input)
    const trigger = anchorTrigger(value.trigger, now)
    const { db, adapter } = this.#context
    const id = uuidv7()
    const at = adapter.encodeTimestamp(now)
    try {
      await db
        .insertInto('schedules')
        .values({
          id,
          name: value.name,
          job_id: value.job_id,
          environment: value.environment,
          trigger_type: triggerType(trigger),
          trigger: adapter.encodeJson(trigger),
          paused: adapter.encodeBoolean(value.paused),
          ...this.#nextFire(trigger, new Date(now.getTime() - 1)),
          last_fired_at: null,
          created_at: at,
          updated_at: at,
        })
        .execute()
    } catch (error) {
      if (error instanceof ConstraintError && error.constraint_kind === 'foreign_key') {
        throw new ValidationError([{ path: 'job_id', message: `No job with id ${value.job_id}` }], { cause: error })
      }
      throw error
    }
    return this.get(id)
  }

  /** Changes name, environment, trigger or paused; a new trigger starts over from `now`. */
  async update(id: string, patch: SchedulePatch, now: Date = this.#context.now()): Promise<Schedule> {
    const value = parseOrThrow(schedulePatchSchema, patch)
    await this.get(id)
    const { db, adapter } = this.#context
    const changes: ScheduleChanges = { updated_at: adapter.encodeTimestamp(now) }
    if (value.name !== undefined) changes.name = value.name
    if (value.environment !== undefined) changes.environment = value.environment
    if (value.paused !== undefined) changes.paused = adapter.encodeBoolean(value.paused)
    if (value.trigger !== undefined) {
      const trigger = anchorTrigger(value.trigger, now)
      Object.assign(changes, { trigger_type: triggerType(trigger), trigger: adapter.encodeJson(trigger) })
      Object.assign(changes, this.#nextFire(trigger, new Date(now.getTime() - 1)))
    }
    await db.updateTable('schedules').set(changes).where('id', '=', id).execute()
    return this.get(id)
  }

  async get(id: string): Promise<Schedule> {
    const row = isUuid(id) ? await this.#select().where('id', '=', id).executeTakeFirst() : undefined
    if (row === undefined) throw this.#notFound(`No schedule with id ${id}`)
    return this.#decode(row)
  }

  async getByName(name: string): Promise<Schedule> {
    const row = await this.#select().where('name', '=', name).executeTakeFirst()
    if (row === undefined) throw this.#notFound(`No schedule named ${name}`)
    return this.#decode(row)
  }

  async find(idOrName: string): Promise<Schedule> {
    return isUuid(idOrName) ? this.get(idOrName) : this.getByName(idOrName)
  }

  /** The shared query language: `where`, `order_by`, `limit`, `offset` or `cursor`, `total`. */
  async list(query: unknown = {}): Promise<ListResult<Schedule>> {
    return listQuery(this.#context, scheduleEntity, query, { key: 'schedules', base: () => this.#select(), decode: (row) => this.#decode(row) })
  }

  async delete(id: string): Promise<void> {
    const result = await this.#context.db.deleteFrom('schedules').where('id', '=', id).executeTakeFirst()
    if (Number(result.numDeletedRows) === 0) throw this.#notFound(`No schedule with id ${id}`)
  }

  /** Stops firing; `due` skips it until `resume`. */
  async pause(id: string, now: Date = this.#context.now()): Promise<Schedule> {
    await this.get(id)
    const { db, adapter } = this.#context
    await db
      .updateTable('schedules')
      .set({ paused: adapter.encodeBoolean(true), updated_at: adapter.encodeTimestamp(now) })
      .where('id', '=', id)
      .execute()
    return this.get(id)
  }

  /** Fires again from the next occurrence after `now`: occurrences missed while paused are skipped. */
  async resume(id: string, now: Date = this.#context.now()): Promise<Schedule> {
    const schedule = await this.get(id)
    const { db, adapter } = this.#context
    await db
      .updateTable('schedules')
      .set({
        paused: adapter.encodeBoolean(false),
        updated_at: adapter.encodeTimestamp(now),
        ...this.#nextFire(schedule.trigger, new Date(now.getTime() - 1)),
      })
      .where('id', '=', id)
      .execute()
    return this.get(id)
  }

  /**
   * The occurrences due at `now` (oldest first), each handed out once: the schedule
   * advances to its next occurrence in the same transaction. On PostgreSQL and MySQL
   * the rows are locked `FOR UPDATE SKIP LOCKED`, so concurrent schedulers split them;
   * on SQLite the write transaction itself serializes callers. A schedule that missed
   * several occurrences yields one per call, in order. Schedulers running at once can
   * deadlock on MariaDB's index locks; the call only hands out rows once it commits, so it
   * is retried up to 10 times (a CI run saw 4 deadlocks in a row between two schedulers).
   */
  async due(now: Date = this.#context.now(), options: { limit?: number } = {}): Promise<DueFire[]> {
    const limit = options.limit ?? 100
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      throw new ValidationError([{ path: 'limit', message: 'Expected an integer from 1 to 10000' }])
    }
    return this.#context.transaction(async (tx) => {
      const { db, adapter } = tx
      let query = db
        .selectFrom('schedules')
        .select(schedulesTable.columnNames)
        .where('paused', '=', adapter.encodeBoolean(false) as Stored<'paused'>)
        .where('next_fire_at', '<=', adapter.encodeTimestamp(now) as Stored<'next_fire_at'>)
        .orderBy('next_fire_at')
        .orderBy('id')
        .limit(limit)
      if (adapter.supportsSkipLocked) query = query.forUpdate().skipLocked()
      const rows = await query.execute()
      const fires: DueFire[] = []
      for (const row of rows) {
        const stored = schedulesTable.decode(adapter, row)
        const schedule = this.#toSchedule(stored)
        // Set whenever next_fire_at is, and only due rows (next_fire_at <= now) are read.
        const occurrence = stored.next_occurrence_at as Date
        const next = this.#nextFire(schedule.trigger, occurrence)
        const updated = await db
          .updateTable('schedules')
          .set({ ...next, last_fired_at: adapter.encodeTimestamp(occurrence), updated_at: adapter.encodeTimestamp(now) })
          .where('id', '=', schedule.id)
          .where('next_occurrence_at', '=', adapter.encodeTimestamp(occurrence) as Stored<'next_occurrence_at'>)
          .executeTakeFirst()
        // Another scheduler advanced it first (only possible without row locks): not ours.
        if (Number(updated.numUpdatedRows) !== 1) continue
        fires.push({ schedule: { ...schedule, last_fired_at: occurrence, next_fire_at: decodeNullable(adapter, next.next_fire_at) }, fire_at: occurrence })
      }
      return fires
    }, DUE_RETRIES)
  }

  #nextFire(trigger: Trigger, after: Date): { next_fire_at: unknown; next_occurrence_at: unknown } {
    const { adapter } = this.#context
    const occurrence = nextOccurrence(trigger, after)
    if (occurrence === null) return { next_fire_at: null, next_occurrence_at: null }
    return { next_fire_at: adapter.encodeTimestamp(dueTime(trigger, occurrence)), next_occurrence_at: adapter.encodeTimestamp(occurrence) }
  }

  #select() {
    return this.#context.db.selectFrom('schedules').select(schedulesTable.columnNames)
  }

  #decode(row: Record<string, unknown>): Schedule {
    return this.#toSchedule(schedulesTable.decode(this.#context.adapter, row))
  }

  /** The stored trigger is parsed again: it is the one column whose shape the table cannot check. */
  #toSchedule({ next_occurrence_at: _occurrence, trigger, ...row }: DecodedRow<typeof schedulesTable>): Schedule {
    return { ...row, trigger: triggerSchema.parse(trigger) }
  }

  #notFound(message: string): NotFoundError {
    return new NotFoundError(message, { tableName: this.#context.table('schedules') })
  }
}

function decodeNullable(adapter: StoreContext['adapter'], value: unknown): Date | null {
  return value === null || value === undefined ? null : adapter.decodeTimestamp(value)
}

/** An interval without `start_date` counts from its creation: the first occurrence is one period later. */
/**
 * An interval without `start_date` starts one interval from now. The anchored trigger is
 * checked again, so an `end_date` before that start is a validation error at its path.
 */
function anchorTrigger(trigger: Trigger, now: Date): Trigger {
  if (trigger.interval === undefined || trigger.interval.start_date !== undefined) return trigger
  const start = new Date(now.getTime() + intervalMs(trigger.interval)).toISOString()
  return parseOrThrow(triggerSchema, { interval: { ...trigger.interval, start_date: start } }, 'trigger')
}
