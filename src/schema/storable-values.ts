import type { ValidationIssue } from '../errors.js'
import { formatPath } from './json-path.js'

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
/** A NUL or any surrogate: one quick scan, so the precise checks run only on the rare text that has one. */
const SUSPECT = /[\u0000\uD800-\uDFFF]/
const MIN_TIME = Date.UTC(1000, 0, 1)
const MAX_TIME = Date.UTC(10000, 0, 1) - 1
const MAX_ISSUES = 20
/** MySQL refuses JSON nested deeper than 100 levels; deeper still overflows recursive code. */
export const MAX_NESTING = 100

/**
 * What one of the engines cannot store, with its path, so every engine refuses it alike
 * instead of one failing with a driver error: NUL characters and unpaired surrogates
 * (PostgreSQL text and jsonb), values that are not JSON (BigInt, symbols, non-finite
 * numbers), times outside the years 1000–9999 (MySQL `datetime`), and nesting deeper
 * than MySQL's JSON allows. Functions pass:
 * options carry callbacks (`onProgress`), and data schemas never accept them.
 */
export function unstorableValues(value: unknown, root = ''): ValidationIssue[] {
  const found: ValidationIssue[] = []
  // One path stack for the whole walk; a path string is only built for a finding.
  const segments: PropertyKey[] = []
  const at = (message: string) => found.push({ path: formatPath(segments, root), message })
  const visit = (item: unknown): void => {
    if (found.length >= MAX_ISSUES) return
    switch (typeof item) {
      case 'string':
        if (!SUSPECT.test(item)) return
        if (item.includes('\u0000')) at('Text may not contain NUL characters')
        else if (LONE_SURROGATE.test(item)) at('Text may not contain unpaired surrogates (invalid UTF-16)')
        return
      case 'number':
        if (!Number.isFinite(item)) at('Numbers must be finite')
        return
      case 'bigint':
      case 'symbol':
        at(`A ${typeof item} is not a storable value`)
        return
      case 'object':
        if (item === null) return
        if (segments.length >= MAX_NESTING) {
          at(`Values may not be nested deeper than ${MAX_NESTING} levels`)
          return
        }
        if (item instanceof Date) {
          const time = item.getTime()
          if (!(time >= MIN_TIME && time <= MAX_TIME)) at('Times must lie between the years 1000 and 9999')
          return
        }
        if (Array.isArray(item)) {
          for (let i = 0; i < item.length; i++) {
            segments.push(i)
            visit(item[i])
            segments.pop()
          }
          return
        }
        for (const key in item) {
          if (!Object.hasOwn(item, key)) continue
          segments.push(key)
          if (SUSPECT.test(key) && (key.includes('\u0000') || LONE_SURROGATE.test(key))) at('Keys may not contain NUL characters or unpaired surrogates')
          visit((item as Record<string, unknown>)[key])
          segments.pop()
        }
    }
  }
  visit(value)
  return found
}
