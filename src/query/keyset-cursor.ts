import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { ValidationError } from '../errors.js'

/** A sort key value as it travels inside a cursor (timestamps as ISO strings). */
export type CursorValue = string | number | boolean | null

/**
 * Keyset cursors: base64url JSON of the last row's sort keys (the id last), followed
 * by a MAC over it and over the query's shape (entity, order, filter). A cursor that was
 * edited, truncated, or reused with another filter or order is a `validation_error`.
 * The MAC guards integrity, not secrecy: the keys inside are readable, and every value
 * decoded from a cursor is still type-checked and bound as a parameter.
 */
const MAC_KEY = 'etlp-keyset-cursor-v1'

export function queryShapeHash(shape: unknown): string {
  return createHash('sha256').update(JSON.stringify(shape)).digest('base64url').slice(0, 16)
}

export function encodeCursor(shapeHash: string, values: readonly CursorValue[]): string {
  const body = Buffer.from(JSON.stringify(values), 'utf8').toString('base64url')
  return `${body}.${mac(shapeHash, body)}`
}

export function decodeCursor(shapeHash: string, cursor: string, expectedLength: number): CursorValue[] {
  const [body, tag, extra] = cursor.split('.')
  if (body === undefined || tag === undefined || extra !== undefined || !sameTag(tag, mac(shapeHash, body))) {
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

function mac(shapeHash: string, body: string): string {
  return createHmac('sha256', MAC_KEY).update(shapeHash).update('.').update(body).digest('base64url').slice(0, 22)
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
