import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { decodeTimestampValue, isoMillis, IsoTextEncoder, postgresTimestampMillis } from '../src/db/speed/timestamp-codecs.js'
import { describeEngines } from './helpers/engines.js'
import { seededRandom } from '../src/demo/simulate-day.js'

describe('timestamp decoding', () => {
  it('reads every toISOString text as Date does', () => {
    const next = seededRandom(11)
    for (let i = 0; i < 20_000; i++) {
      // Years 1970 to about 2250, and the edges of every field.
      const time = Math.floor(next() * 2 ** 43)
      const text = new Date(time).toISOString()
      expect(decodeTimestampValue(text).getTime(), text).toBe(time)
    }
    for (const text of ['2024-02-28T23:59:59.999Z', '2024-02-29T00:00:00.000Z', '2023-12-31T23:59:59.999Z', '2000-01-01T00:00:00.000Z']) {
      expect(decodeTimestampValue(text).getTime(), text).toBe(Date.parse(text))
    }
  })

  it('writes every instant as toISOString does', () => {
    const next = seededRandom(12)
    const min = Date.UTC(1000, 0, 1)
    const max = Date.UTC(10_000, 0, 1) - 1
    const times = [min, max, min - 1, max + 1, -1, 0, 1, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2024, 2, 1), -8.64e15, 8.64e15]
    for (let i = 0; i < 20_000; i++) {
      const time = min + Math.floor(next() * (max - min))
      // Runs of nearby instants too, which share the cached hour.
      times.push(time, time + Math.floor(next() * 7_200_000), time - Math.floor(next() * 1000))
    }
    const encoder = new IsoTextEncoder()
    for (const time of times) expect(encoder.encode(new Date(time)), String(time)).toBe(new Date(time).toISOString())
    expect(() => encoder.encode(new Date(Number.NaN))).toThrow(RangeError)
  })

  it('keeps the cached hour per encoder: one store writing another hour does not change what another writes', () => {
    const first = new IsoTextEncoder()
    const second = new IsoTextEncoder()
    const a = Date.UTC(2024, 0, 1, 10, 5, 6, 7)
    const b = Date.UTC(2031, 6, 2, 22, 59, 59, 999)
    for (let i = 0; i < 3; i++) {
      expect(first.encode(new Date(a + i))).toBe(new Date(a + i).toISOString())
      expect(second.encode(new Date(b - i))).toBe(new Date(b - i).toISOString())
    }
  })

  it("reads PostgreSQL's timestamptz text in any session time zone as the driver's parser does", async () => {
    const pgTypes = (await import('pg')).default.types
    const driver = pgTypes.getTypeParser(1184, 'text') as (text: string) => Date
    const next = seededRandom(12)
    const pad = (n: number, width = 2) => String(n).padStart(width, '0')
    for (let i = 0; i < 20_000; i++) {
      const date = new Date(Math.floor(next() * 2 ** 43))
      const offset = [0, 330, -210, 60, -480, 345][i % 6] as number
      const local = new Date(date.getTime() + offset * 60_000)
      const fraction = ['', '.5', '.12', '.123', '.1234', '.123456'][Math.floor(next() * 6)] as string
      const zone = `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}${Math.abs(offset) % 60 ? `:${pad(Math.abs(offset) % 60)}` : ''}`
      const text = `${local.toISOString().slice(0, 19).replace('T', ' ')}${fraction}${zone}`
      expect(postgresTimestampMillis(text) ?? driver(text).getTime(), text).toBe(driver(text).getTime())
    }
    for (const other of [
      'infinity',
      '-infinity',
      '2024-01-01 00:00:00+00 BC',
      '2024-01-01 00:00:00.1234567+00',
      '2024-01-01 00:00:00+05:30:15',
      '2024-01-01T00:00:00+00',
    ]) {
      expect(postgresTimestampMillis(other), other).toBeUndefined()
    }
  })

  it('leaves every other text to Date, a wrong character anywhere included', () => {
    const text = '2024-05-17T08:09:10.123Z'
    for (let at = 0; at < text.length; at++) {
      for (const replacement of ['x', '/', ' ', '9', '0', ':']) {
        const changed = text.slice(0, at) + replacement + text.slice(at + 1)
        const fast = isoMillis(changed)
        // Read here only if it is still a valid time, and then exactly as Date reads it.
        if (fast !== undefined) expect(fast, changed).toBe(Date.parse(changed))
        expect(decodeTimestampValue(changed).getTime(), changed).toEqual(new Date(changed).getTime())
      }
    }
    for (const other of [
      '2024-05-17 08:09:10',
      '2024-05-17T08:09:10Z',
      '2024-13-01T00:00:00.000Z',
      '2024-02-30T00:00:00.000Z',
      '0099-01-01T00:00:00.000Z',
      '',
    ]) {
      expect(isoMillis(other), other).toBeUndefined()
      expect(decodeTimestampValue(other).getTime(), other).toEqual(new Date(other).getTime())
    }
  })
})

describeEngines('timestamps read back', (target) => {
  it('come back as the same instants, on PostgreSQL in any session time zone', async () => {
    const { db, adapter } = target().raw()
    await adapter
      .tableOptions(
        db.schema
          .createTable('ts_items')
          .addColumn('n', 'integer', (c) => c.primaryKey())
          .addColumn('at', adapter.types.timestamp),
      )
      .execute()
    const next = seededRandom(13)
    const times = Array.from({ length: 500 }, () => new Date(Math.floor(next() * 2 ** 43)))
    await db
      .insertInto('ts_items')
      .values(times.map((at, n) => ({ n, at: adapter.encodeTimestamp(at) })))
      .execute()
    const zones = target().engine === 'postgres' ? ['UTC', 'Asia/Kolkata', 'America/St_Johns', 'Pacific/Chatham'] : [undefined]
    for (const zone of zones) {
      const rows = await db.transaction().execute(async (trx) => {
        if (zone) await sql`set local time zone ${sql.lit(zone)}`.execute(trx)
        return trx.selectFrom('ts_items').select(['n', 'at']).orderBy('n').execute()
      })
      expect(
        rows.map((row) => adapter.decodeTimestamp(row.at).getTime()),
        zone,
      ).toEqual(times.map((time) => time.getTime()))
    }
  })
})
