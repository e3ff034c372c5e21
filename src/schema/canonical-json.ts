import { createHash } from 'node:crypto'

/**
 * Canonical JSON: object keys sorted at every level, `undefined` members dropped, no
 * whitespace. Two configs that mean the same JSON get the same text and the same hash.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

/** The value as canonical JSON would read it back (keys sorted, `undefined` dropped). */
export function canonicalValue<T>(value: T): T {
  return JSON.parse(canonicalJson(value)) as T
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : sortKeys(item)))
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key]
      if (member !== undefined) out[key] = sortKeys(member)
    }
    return out
  }
  return value
}
