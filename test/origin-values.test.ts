import { describe, expect, it } from 'vitest'
import { originInstant } from '../src/origin/origin-time.js'
import { originTrigger } from '../src/origin/origin-triggers.js'

describe('etl-core times', () => {
  it('reads SQLAlchemy’s naive DATETIME text in the zone given, to the millisecond', () => {
    expect(originInstant('2025-03-14 09:12:33.123456', 'UTC')?.toISOString()).toBe('2025-03-14T09:12:33.123Z')
    expect(originInstant('2025-03-14 09:12:33.123456', 'Europe/Berlin')?.toISOString()).toBe('2025-03-14T08:12:33.123Z')
    expect(originInstant('2025-07-14T09:12:33', 'Europe/Berlin')?.toISOString()).toBe('2025-07-14T07:12:33.000Z')
    expect(originInstant('2025-03-14', 'America/New_York')?.toISOString()).toBe('2025-03-14T04:00:00.000Z')
  })

  it('keeps an offset the text carries, whatever the zone', () => {
    expect(originInstant('2025-03-14T09:12:33+02:00', 'America/New_York')?.toISOString()).toBe('2025-03-14T07:12:33.000Z')
    expect(originInstant('2025-03-14 09:12:33Z', 'Europe/Berlin')?.toISOString()).toBe('2025-03-14T09:12:33.000Z')
  })

  it('reads a wall time skipped by summer time as the clocks showed it, one hour on', () => {
    // 29 March 2026, Berlin: 02:00 → 03:00.
    expect(originInstant('2026-03-29 02:30:00', 'Europe/Berlin')?.toISOString()).toBe('2026-03-29T01:30:00.000Z')
  })

  it('refuses text that is no date-time', () => {
    for (const text of ['yesterday', '2025-02-30 10:00:00', '2025-03-14 25:00:00', '']) expect(originInstant(text, 'UTC'), text).toBeUndefined()
  })
})

describe('etl-core triggers (APScheduler keyword arguments)', () => {
  it('makes naive dates instants in the trigger’s own zone and drops the zone an interval no longer needs', () => {
    const { trigger, issues } = originTrigger('interval', { minutes: 30, start_date: '2025-03-15 08:00:00', timezone: 'Europe/Berlin', jitter: 10 }, 'UTC')
    expect(issues).toEqual([])
    expect(trigger).toEqual({ interval: { minutes: 30, start_date: '2025-03-15T07:00:00.000Z', jitter: 10 } })
  })

  it('gives a cron trigger without a zone the import’s zone, and spells APScheduler’s weekday numbers out', () => {
    expect(originTrigger('cron', { day_of_week: '0-4', hour: 6 }, 'Europe/Berlin').trigger).toEqual({
      cron: { day_of_week: 'mon,tue,wed,thu,fri', hour: 6, timezone: 'Europe/Berlin' },
    })
    expect(originTrigger('cron', { day_of_week: [5, 6], minute: '*/15' }, 'UTC').trigger?.cron?.day_of_week).toBe('sat,sun')
    expect(originTrigger('cron', { day_of_week: '*/2', hour: 1 }, 'UTC').trigger?.cron?.day_of_week).toBe('mon,wed,fri,sun')
    expect(originTrigger('cron', { day_of_week: 'sat,sun', hour: [1, 13] }, 'UTC').trigger?.cron).toMatchObject({ day_of_week: 'sat,sun', hour: '1,13' })
  })

  it('accepts etl-core’s `date` alias of run_date and its enum’s spelling of the type', () => {
    expect(originTrigger('TriggerType.DATE', { date: '2030-01-01 06:00:00' }, 'UTC').trigger).toEqual({ date: { run_date: '2030-01-01T06:00:00.000Z' } })
  })

  it('reports what this store cannot take, at trigger_args paths', () => {
    const paths = (type: string, args: Record<string, unknown>) => originTrigger(type, args, 'UTC').issues.map((issue) => issue.path)
    expect(paths('cron', { week: 12, hour: 3 })).toEqual(['trigger_args.week'])
    expect(originTrigger('cron', { week: '*', hour: 3 }, 'UTC').trigger?.cron).toEqual({ hour: 3, timezone: 'UTC' })
    expect(paths('interval', { hours: 1, every: 2 })).toEqual(['trigger_args.every'])
    expect(paths('interval', { hours: 1, start_date: 'soon' })).toEqual(['trigger_args.start_date'])
    expect(paths('cron', { minute: 75 })).toEqual(['trigger_args.minute'])
    expect(paths('cron', { day_of_week: 9 })).toEqual(['trigger_args.day_of_week'])
    expect(paths('interval', {})).toEqual(['trigger_args'])
    expect(paths('weekly', {})).toEqual(['trigger_type'])
    expect(paths('date', { run_date: '2030-01-01', timezone: 'Mars/Olympus' })).toEqual(['trigger_args.timezone'])
  })
})
