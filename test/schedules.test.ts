import { beforeAll, expect, it } from 'vitest'
import { ValidationError } from '../src/errors.js'
import type { ScheduleInput } from '../src/schedules/schedule-schema.js'
import { Store } from '../src/store.js'
import { describeEngines, exec } from './helpers/engines.js'
import { createJob, openSecretStore, secretMigrations, writeKeyFile } from './helpers/secret-store.js'

const T0 = new Date('2026-03-27T22:10:00.000Z')

describeEngines('schedules', (target) => {
  let store: Store
  let jobId: string

  beforeAll(async () => {
    store = await openSecretStore(target(), writeKeyFile(target().dir).path)
    jobId = await createJob(store, 'orders_daily')
  })

  const invalid = async (trigger: unknown): Promise<string[]> => {
    const error = await store.schedules.create({ name: 'bad', job_id: jobId, trigger } as ScheduleInput).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ValidationError)
    return (error as ValidationError).issues.map((issue) => issue.path)
  }

  it('rejects each invalid trigger with its path', async () => {
    expect(await invalid({ cron: { hour: 2, hours: 3 } })).toEqual(['trigger.cron'])
    expect(await invalid({ interval: { weeks: -1 } })).toContain('trigger.interval.weeks')
    expect(await invalid({ interval: { seconds: 0 } })).toEqual(['trigger.interval'])
    expect(await invalid({ interval: {} })).toEqual(['trigger.interval'])
    expect(await invalid({ cron: {} })).toEqual(['trigger.cron'])
    expect(await invalid({ cron: { timezone: 'Europe/Berlin' } })).toEqual(['trigger.cron'])
    expect(await invalid({ date: {} })).toEqual(['trigger.date.run_date'])
    expect(await invalid({ cron: { hour: 2, timezone: 'Mars/Olympus' } })).toEqual(['trigger.cron.timezone'])
    expect(await invalid({ cron: { minute: 75 } })).toEqual(['trigger.cron.minute'])
    expect(await invalid({ cron: { expression: '* * *' } })).toEqual(['trigger.cron.expression'])
    expect(await invalid({ cron: { hour: 1 }, date: { run_date: '2026-01-01T00:00:00Z' } })).toEqual(['trigger'])
    expect(new Set(await invalid({ weekly: {} }))).toEqual(new Set(['trigger']))
  })

  it('rejects a schedule of an unknown job at job_id', async () => {
    const error = await store.schedules
      .create({ name: 'orphan', job_id: '01900000-0000-7000-8000-000000000000', trigger: { interval: { hours: 1 } } })
      .catch((caught: unknown) => caught)
    expect((error as ValidationError).issues?.[0]?.path).toBe('job_id')
  })

  it('computes the next cron occurrence in the trigger’s time zone', async () => {
    // 02:30 in Berlin is 01:30 UTC in winter, 00:30 UTC in summer; on 29 March 2026 the
    // clocks skip from 02:00 to 03:00, and the run happens at 03:30 (01:30 UTC).
    const schedule = await store.schedules.create(
      { name: 'nightly', job_id: jobId, environment: 'PROD', trigger: { cron: { hour: 2, minute: 30, timezone: 'Europe/Berlin' } } },
      T0,
    )
    expect(schedule.next_fire_at?.toISOString()).toBe('2026-03-28T01:30:00.000Z')
    const [fire] = await store.schedules.due(new Date('2026-03-28T01:30:00.000Z'))
    expect(fire?.fire_at.toISOString()).toBe('2026-03-28T01:30:00.000Z')
    expect(fire?.schedule.next_fire_at?.toISOString()).toBe('2026-03-29T01:30:00.000Z')
    expect(await store.schedules.due(new Date('2026-03-28T23:00:00.000Z'))).toEqual([])
    await store.schedules.due(new Date('2026-03-29T01:30:00.000Z'))
    expect((await store.schedules.get(schedule.id)).next_fire_at?.toISOString()).toBe('2026-03-30T00:30:00.000Z')
  })

  it('accepts a crontab expression and keeps next_fire_at current', async () => {
    const schedule = await store.schedules.create({ name: 'quarter-hourly', job_id: jobId, trigger: { cron: { expression: '*/15 * * * *' } } }, T0)
    expect(schedule.next_fire_at?.toISOString()).toBe('2026-03-27T22:15:00.000Z')
    const fires = await store.schedules.due(new Date('2026-03-27T22:31:00.000Z'))
    expect(fires.filter((fire) => fire.schedule.id === schedule.id).map((fire) => fire.fire_at.toISOString())).toEqual(['2026-03-27T22:15:00.000Z'])
    const again = await store.schedules.due(new Date('2026-03-27T22:31:00.000Z'))
    expect(again.map((fire) => fire.fire_at.toISOString())).toEqual(['2026-03-27T22:30:00.000Z'])
    expect((await store.schedules.get(schedule.id)).next_fire_at?.toISOString()).toBe('2026-03-27T22:45:00.000Z')
    await store.schedules.delete(schedule.id)
  })

  it('fires an interval from its start, within its jitter', async () => {
    const schedule = await store.schedules.create(
      { name: 'every-10m', job_id: jobId, trigger: { interval: { minutes: 10, start_date: '2026-03-27T22:00:00Z', jitter: 30 } } },
      T0,
    )
    const next = schedule.next_fire_at?.getTime() ?? 0
    const occurrence = Date.parse('2026-03-27T22:10:00Z')
    expect(next).toBeGreaterThanOrEqual(occurrence)
    expect(next).toBeLessThan(occurrence + 30_000)
    const fires = await store.schedules.due(new Date(occurrence + 30_000))
    expect(fires.find((fire) => fire.schedule.id === schedule.id)?.fire_at.toISOString()).toBe('2026-03-27T22:10:00.000Z')
    await store.schedules.delete(schedule.id)
  })

  it('fires a date trigger once, then never again', async () => {
    const schedule = await store.schedules.create({ name: 'one-off', job_id: jobId, trigger: { date: { run_date: '2026-03-28T12:00:00+01:00' } } }, T0)
    expect(schedule.next_fire_at?.toISOString()).toBe('2026-03-28T11:00:00.000Z')
    const fires = await store.schedules.due(new Date('2026-03-28T11:00:00.000Z'))
    expect(fires.map((fire) => fire.schedule.name)).toEqual(['one-off'])
    expect((await store.schedules.get(schedule.id)).next_fire_at).toBeNull()
    expect(await store.schedules.due(new Date('2027-01-01T00:00:00Z'), { limit: 10 })).not.toContainEqual(
      expect.objectContaining({ schedule: expect.objectContaining({ name: 'one-off' }) }),
    )
    await store.schedules.delete(schedule.id)
  })

  it('skips a paused schedule and resumes from the next occurrence after now', async () => {
    const schedule = await store.schedules.create({ name: 'hourly', job_id: jobId, trigger: { cron: { minute: 0 } } }, T0)
    await store.schedules.pause(schedule.id)
    expect((await store.schedules.due(new Date('2026-03-28T05:00:00Z'))).map((fire) => fire.schedule.name)).not.toContain('hourly')
    const resumed = await store.schedules.resume(schedule.id, new Date('2026-03-28T05:20:00Z'))
    expect(resumed.paused).toBe(false)
    expect(resumed.next_fire_at?.toISOString()).toBe('2026-03-28T06:00:00.000Z')
  })

  it('locks the due rows FOR UPDATE SKIP LOCKED where the engine can, inside a write transaction', async () => {
    const statements: string[] = []
    const watched = await target().open(
      { security: { master_key_file: writeKeyFile(target().dir).path }, onQuery: (event) => statements.push(event.sql) },
      { migrations: secretMigrations() },
    )
    statements.length = 0
    await watched.schedules.due(new Date('2026-03-28T00:00:00Z'))
    const select = statements.find((statement) => /^select .* from .*schedules/i.test(statement)) ?? ''
    if (target().engine === 'sqlite') {
      expect(select).not.toMatch(/for update/i)
      expect(statements[0]).toMatch(/^begin immediate$/i)
    } else {
      expect(select).toMatch(/for update skip locked$/i)
    }
  })

  it('runs on the store clock when no time is given', async () => {
    let now = new Date('2030-01-01T00:00:00Z')
    const clocked = await openSecretStore(target(), writeKeyFile(target().dir).path, {
      database: { ...target().config().database, table_prefix: 'clk_' },
      clock: () => now,
    })
    const job = await createJob(clocked, 'clocked_job')
    const schedule = await clocked.schedules.create({ name: 'clocked', job_id: job, trigger: { interval: { hours: 6 } } })
    expect(schedule.next_fire_at?.toISOString()).toBe('2030-01-01T06:00:00.000Z')
    expect(await clocked.schedules.due()).toEqual([])
    now = new Date('2030-01-01T06:00:00Z')
    expect((await clocked.schedules.due()).map((fire) => fire.fire_at.toISOString())).toEqual(['2030-01-01T06:00:00.000Z'])
    await clocked.schedules.delete(schedule.id)
  })

  it('lists schedules by name and deletes them with their job', async () => {
    const page = await store.schedules.list({ order_by: 'name' })
    expect(page.items.map((schedule) => schedule.name)).toEqual(['hourly', 'nightly'])
    const filtered = await store.schedules.list({ where: { column: 'environment', operator: '==', value: 'PROD' } })
    expect(filtered.items.map((schedule) => schedule.name)).toEqual(['nightly'])
    const context = Store.context(store)
    await exec(target().raw().db, `delete from ${context.table('schedules')} where name = 'hourly'`)
    const other = await createJob(store, 'to_delete')
    await store.schedules.create({ name: 'doomed', job_id: other, trigger: { interval: { hours: 1 } } })
    await context.db.deleteFrom('jobs').where('id', '=', other).execute()
    await expect(store.schedules.getByName('doomed')).rejects.toMatchObject({ error_type: 'not_found' })
  })
})
