import { randomFillSync } from 'node:crypto'

let lastMs = 0
let sequence = 0

// Random bytes are drawn in blocks: one call into the CSPRNG per 256 ids, not two per id.
const pool = Buffer.alloc(4096)
let poolOffset = pool.length

function randomBlock(size: number): Buffer {
  if (poolOffset + size > pool.length) {
    randomFillSync(pool)
    poolOffset = 0
  }
  poolOffset += size
  return pool.subarray(poolOffset - size, poolOffset)
}

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits, so ids sort by
 * creation time and B-tree indexes stay compact. Within one millisecond a 12-bit counter
 * keeps ids from one process increasing.
 */
export function uuidv7(now: number = Date.now()): string {
  if (now <= lastMs) {
    sequence = (sequence + 1) & 0xfff
    if (sequence === 0) lastMs += 1
    now = lastMs
  } else {
    lastMs = now
    sequence = randomBlock(2).readUInt16BE(0) & 0x3ff
  }
  const bytes = Buffer.from(randomBlock(16))
  bytes.writeUIntBE(now, 0, 6)
  bytes[6] = 0x70 | (sequence >> 8)
  bytes[7] = sequence & 0xff
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f)
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value)
}
