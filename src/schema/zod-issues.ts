import type { z } from 'zod'
import { ValidationError, type ValidationIssue } from '../errors.js'
import { fastSafeParse } from '../db/speed/fast-parse.js'
import { unstorableValues } from './storable-values.js'
import { formatPath } from './json-path.js'

export function toValidationIssues(error: z.ZodError, root = ''): ValidationIssue[] {
  return flatten(error.issues, [], root)
}

type Issue = z.core.$ZodIssue

/**
 * A union that refused a value names the problem inside the one option of the value's
 * kind (`{to: 5}` as a route target: `…[0].to`, not "no option matched" at `…[0]`);
 * where more than one or none is of its kind, the union's own issue stands.
 */
function flatten(issues: readonly Issue[], prefix: readonly PropertyKey[], root: string): ValidationIssue[] {
  const out: ValidationIssue[] = []
  for (const issue of issues) {
    const path = [...prefix, ...issue.path]
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const ofItsKind = issue.errors.filter((option) => !option.some((inner) => inner.code === 'invalid_type' && inner.path.length === 0))
      if (ofItsKind.length === 1) {
        out.push(...flatten(ofItsKind[0] as Issue[], path, root))
        continue
      }
    }
    out.push({ path: formatPath(path, root), message: issue.message })
  }
  return out
}

/**
 * Parses `value` with `schema`, throwing a `ValidationError` whose issue paths start
 * at `root` (e.g. `database`); values no engine may store (see storable-values.ts) are
 * refused the same way.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, root = ''): z.output<S> {
  return checked(schema.safeParse(value), root)
}

/**
 * `parseOrThrow` through the compiled fast path (db/speed/fast-parse.ts), for the schemas
 * on hot paths only: execution starts and finishes, component runs and events, list
 * options, declarative records. Zod itself took 70–100 µs for a small object there.
 */
export function parseHotOrThrow<S extends z.ZodType>(schema: S, value: unknown, root = ''): z.output<S> {
  return checked(fastSafeParse(schema, value), root)
}

function checked<T>(result: z.ZodSafeParseResult<T>, root: string): T {
  if (!result.success) throw new ValidationError(toValidationIssues(result.error, root))
  const unstorable = unstorableValues(result.data, root)
  if (unstorable.length > 0) throw new ValidationError(unstorable)
  return result.data
}
