import { createHash, timingSafeEqual } from 'node:crypto'
import { ValidationError } from '../errors.js'

/** A sort key value as it travels inside a cursor (timestamps as ISO strings). */
export type CursorValue = string | number | boolean | null

/**
 * Keyset cursors: base64url JSON of the last row's sort keys (the id last), followed
 * by a tag over it and over the query's shape (entity, order, filter). A cursor that was
 * edited, truncated, or reused with another filter or order is a `validation_error`.
 * The tag guards integrity, not secrecy: its key is in this source, so it is a checksum
 * binding a cursor to its query, and one SHA-256 of key, shape and body is that checksum
 * (an HMAC over a separate hash of the shape cost three hashes and a key setup per page).
 * The keys inside are readable, and every value decoded from a cursor is still
 * type-checked and bound as a parameter.
 */
const TAG_KEY = 'etlp-keyset-cursor-v2'

/** The query's shape as the tag covers it: `JSON.stringify` of entity, filter and order. */
export function queryShape(shape: unknown): string {
  return JSON.stringify(shape)
}

export function encodeCursor(shape: string, values: readonly CursorValue[]): string {
  const body = Buffer.from(JSON.stringify(values), 'utf8').toString('base64url')
  return `${body}.${tag(shape, body)}`
}

export function decodeCursor(shape: string, cursor: string, expectedLength: number): CursorValue[] {
  const [body, given, extra] = cursor.split('.')
  if (body === undefined || given === undefined || extra !== undefined || !sameTag(given, tag(shape, body))) {
    throw invalid('The cursor is not valid for this query (edited, or made by a different filter or order)')
  }
  let values: unknown
  try {
    values = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
  } catch {
    throw invalid('The cursor is not valid for this query')
  }
  if (!Array.isArray(values) || values.length !== expectedLength || !values.every(isCursorValue)) {
    throw invalid('The cursor is not valid for this query')
  }
  return values
}

/** NUL separates the parts: JSON escapes it inside strings, and base64url has none. */
function tag(shape: string, body: string): string {
  return createHash('sha256').update(TAG_KEY).update('\0').update(shape).update('\0').update(body).digest('base64url').slice(0, 22)
}
function sameTag(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

function isCursorValue(value: unknown): value is CursorValue {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value)
}

function invalid(message: string): ValidationError {
  return new ValidationError([{ path: 'cursor', message }])
}
