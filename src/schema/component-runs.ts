import { componentRunSchema, componentRunsSchema, finishedStatusSchema } from './execution-schemas.js'
import { unstorableValues } from './storable-values.js'
import { parseOrThrow } from './zod-issues.js'
import { ValidationError } from '../errors.js'

/** A component run as `componentRunSchema` gives it back (defaults filled in). */
export type ParsedComponentRun = ReturnType<typeof componentRunsSchema.parse>[number]

const STATUSES: ReadonlySet<unknown> = new Set([...finishedStatusSchema.options, 'RUNNING'])
/** The keys the strict schema knows: any other sends a run to Zod, which names it. */
const KEYS: ReadonlySet<string> = new Set(Object.keys(componentRunSchema.shape))

/**
 * `runs` parsed as `componentRunsSchema` parses them, and checked for unstorable values,
 * as `parseOrThrow` does. Runs of the plain shape pipelines send (Dates or nothing for
 * the times, numbers, a plain metrics object) are checked by hand: Zod took 10 % of an
 * execution's lifecycle on SQLite. Anything else goes to Zod, which names the problem
 * with its path; test/component-runs.test.ts checks that both give the same result.
 * @throws ValidationError with paths like `runs[3].lines_received`
 */
export function parseComponentRuns(runs: unknown): ParsedComponentRun[] {
  const plain = plainRuns(runs)
  if (!plain) return parseOrThrow(componentRunsSchema, runs, 'runs')
  const unstorable = unstorableValues(plain, 'runs')
  if (unstorable.length > 0) throw new ValidationError(unstorable)
  return plain
}

/**
 * The parsed runs when every one is of the plain shape and valid (unstorable values are
 * checked afterwards); `undefined` leaves them to Zod. @internal exported for its test
 */
export function plainRuns(runs: unknown): ParsedComponentRun[] | undefined {
  if (!Array.isArray(runs)) return undefined
  const parsed: ParsedComponentRun[] = new Array(runs.length)
  for (let i = 0; i < runs.length; i++) {
    const run = plainRun(runs[i])
    if (!run) return undefined
    parsed[i] = run
  }
  return parsed
}

function plainRun(run: unknown): ParsedComponentRun | undefined {
  if (!isPlainObject(run)) return undefined
  for (const key in run) if (!KEYS.has(key)) return undefined
  const { component_name, status = 'SUCCEEDED', started_at, finished_at, metrics } = run as Record<string, unknown>
  if (typeof component_name !== 'string' || component_name.length < 1 || component_name.length > 200) return undefined
  if (!STATUSES.has(status)) return undefined
  if (!optionalDate(started_at) || !optionalDate(finished_at)) return undefined
  if (metrics !== undefined && !plainMetrics(metrics)) return undefined
  const lines_received = count(run.lines_received)
  const lines_forwarded = count(run.lines_forwarded)
  const error_count = count(run.error_count)
  const processing_ms = run.processing_ms ?? 0
  if (lines_received < 0 || lines_forwarded < 0 || error_count < 0) return undefined
  if (typeof processing_ms !== 'number' || !(processing_ms >= 0 && processing_ms < Infinity)) return undefined
  const parsed: Record<string, unknown> = { component_name, status, lines_received, lines_forwarded, error_count, processing_ms }
  if (started_at !== undefined) parsed.started_at = started_at
  if (finished_at !== undefined) parsed.finished_at = finished_at
  if (metrics !== undefined) parsed.metrics = { ...metrics }
  return parsed as ParsedComponentRun
}

/** A record Zod copies key for key (it drops a `__proto__` key and refuses symbol keys). */
function plainMetrics(value: unknown): boolean {
  return isPlainObject(value) && !Object.hasOwn(value, '__proto__') && Object.getOwnPropertySymbols(value).length === 0
}

/** A count as the schema reads it (0 when absent), or -1 when it is not one. */
function count(value: unknown): number {
  if (value === undefined) return 0
  return Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : -1
}

function optionalDate(value: unknown): boolean {
  return value === undefined || (value instanceof Date && !Number.isNaN(value.getTime()))
}

/** An object literal (or one without a prototype), which is what `z.strictObject` and `z.record` accept here. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const prototype = Object.getPrototypeOf(value) as unknown
  return prototype === Object.prototype || prototype === null
}
