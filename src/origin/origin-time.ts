import { isTimeZone } from '../schedules/trigger-schema.js'

/**
 * How the origin's times are read. etl-core writes `datetime.now()`: a wall-clock time
 * of the machine it ran on, without a zone (its own code reads such times as local
 * time). `local` reads them in this process's zone; `UTC` or an IANA name in that zone.
 */
export type OriginTimeZone = 'local' | 'UTC' | (string & {})

const STAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i

/** Checks a zone given by the user; `local` and `UTC` always pass. */
export function isOriginTimeZone(zone: string): boolean {
  return zone === 'local' || zone === 'UTC' || isTimeZone(zone)
}

/** The IANA name a zone stands for (`local` → this process's zone). */
export function ianaZone(zone: OriginTimeZone): string {
  return zone === 'local' ? Intl.DateTimeFormat().resolvedOptions().timeZone : zone
}

/**
 * The instant an origin time stands for, to the millisecond (microseconds are cut off),
 * or undefined when the text is not an ISO date-time. A time that carries its own offset
 * keeps it; a naive one is read in `zone`.
 *
 * @example originInstant('2025-03-14 09:12:33.123456', 'Europe/Berlin') // 2025-03-14T08:12:33.123Z
 */
export function originInstant(text: string, zone: OriginTimeZone): Date | undefined {
  const match = STAMP.exec(text.trim())
  if (!match) return undefined
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', offset] = match
  const parts = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), Number(fraction.padEnd(3, '0').slice(0, 3))] as const
  const wall = wallClockMs(...parts)
  if (wall === undefined) return undefined
  if (offset !== undefined) return new Date(wall - offsetMs(offset))
  if (zone === 'UTC') return new Date(wall)
  return new Date(wallToUtc(wall, ianaZone(zone)))
}

/** The wall-clock fields as if they were UTC; undefined when a field is out of range (Feb 30). */
function wallClockMs(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number | undefined {
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms))
  date.setUTCFullYear(year)
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined
  return date.getTime()
}

function offsetMs(offset: string): number {
  if (offset.toUpperCase() === 'Z') return 0
  const sign = offset.startsWith('-') ? -1 : 1
  const digits = offset.slice(1).replace(':', '')
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0')) * 60_000
}

/**
 * The UTC instant at which `zone`'s clocks show `wall`. Two rounds settle the offset at
 * a change of summer time; a wall time skipped by one (02:30 on a spring-forward night)
 * comes out an hour later, as the zone's clocks would have read it.
 */
function wallToUtc(wall: number, zone: string): number {
  let utc = wall - zoneOffsetMs(zone, wall)
  const second = wall - zoneOffsetMs(zone, utc)
  if (second !== utc) utc = second
  return utc
}

const formatters = new Map<string, Intl.DateTimeFormat>()

/** How far `zone`'s clocks are ahead of UTC at instant `utc`. */
function zoneOffsetMs(zone: string, utc: number): number {
  let format = formatters.get(zone)
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(zone, format)
  }
  const field: Record<string, number> = {}
  for (const part of format.formatToParts(new Date(utc))) if (part.type !== 'literal') field[part.type] = Number(part.value)
  const shown = Date.UTC(field.year ?? 1970, (field.month ?? 1) - 1, field.day ?? 1, field.hour ?? 0, field.minute ?? 0, field.second ?? 0)
  return shown - (utc - (((utc % 1000) + 1000) % 1000))
}
