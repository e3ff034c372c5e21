import type { z } from 'zod'
import { ValidationError, type ValidationIssue } from '../errors.js'
import { fastSafeParse } from './fast-parse.js'
import { unstorableValues } from './storable-values.js'

/** Formats a path the way users write it: `components[2].routes.out[0].to`. */
export function formatPath(segments: readonly PropertyKey[], root = ''): string {
  let out = root
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`
    else out += out === '' ? String(segment) : `.${String(segment)}`
  }
  return out
}

export function toValidationIssues(error: z.ZodError, root = ''): ValidationIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path, root), message: issue.message }))
}

/**
 * Parses `value` with `schema`, throwing a `ValidationError` whose issue paths start
 * at `root` (e.g. `database`); values no engine may store (see storable-values.ts) are
 * refused the same way.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, root = ''): z.output<S> {
  const result = fastSafeParse(schema, value)
  if (!result.success) throw new ValidationError(toValidationIssues(result.error, root))
  const unstorable = unstorableValues(result.data, root)
  if (unstorable.length > 0) throw new ValidationError(unstorable)
  return result.data
}
