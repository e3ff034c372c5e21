import type { z } from 'zod'
import type { ValidationIssue } from '../errors.js'
import { fastParser, NO } from '../db/speed/fast-parse.js'
import { formatPath } from './json-path.js'

/**
 * Keys a config has that its schema does not declare. The origin ignores them
 * (`extra="ignore"`); this store keeps them, so an export gives the file back, and
 * names each one with its path, and the declared key it may be a misspelling of.
 */
export interface UnknownKey {
  readonly path: string
  readonly key: string
  /** The declared key of the same object closest to it, if one is close. */
  readonly suggestion: string | undefined
}

type Shape = Readonly<Record<string, z.ZodType>>

interface Def {
  readonly type: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Zod's private definitions are untyped
  readonly [key: string]: any
}

const def = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def

/** Marks a key as known without a schema to look into (a key of a type whose own keys cannot be told). */
export const ANY_VALUE = { _zod: { def: { type: 'unknown' } } } as unknown as z.ZodType

/**
 * Walks `value` along `shape` (the keys of one object) and collects the keys no plain
 * object of the schema declares, at any depth. Loose objects and records take any key;
 * strict objects are left to the schema, which refuses their unknown keys itself.
 */
export function collectUnknownKeys(shape: Shape, value: Readonly<Record<string, unknown>>, root: string, found: UnknownKey[]): void {
  const segments: PropertyKey[] = []
  const visitObject = (known: Shape, object: Readonly<Record<string, unknown>>, reportUnknown: boolean) => {
    for (const key in object) {
      if (!Object.hasOwn(object, key)) continue
      const schema = Object.hasOwn(known, key) ? known[key] : undefined
      segments.push(key)
      if (schema) visit(schema, object[key])
      else if (reportUnknown) found.push({ path: formatPath(segments, root), key, suggestion: closestKey(key, Object.keys(known)) })
      segments.pop()
    }
  }
  const visit = (schema: z.ZodType, item: unknown): void => {
    const plan = planOf(schema)
    switch (plan.kind) {
      case 'object':
        if (isPlainObject(item)) visitObject(plan.shape, item, plan.strip)
        return
      case 'array':
        if (!Array.isArray(item)) return
        for (let i = 0; i < item.length; i++) {
          segments.push(i)
          visit(plan.element, item[i])
          segments.pop()
        }
        return
      case 'tuple':
        if (!Array.isArray(item)) return
        for (let i = 0; i < item.length; i++) {
          const element = plan.items[i] ?? plan.rest
          if (!element) continue
          segments.push(i)
          visit(element, item[i])
          segments.pop()
        }
        return
      case 'record':
        if (!isPlainObject(item)) return
        for (const key in item) {
          if (!Object.hasOwn(item, key)) continue
          segments.push(key)
          visit(plan.value, item[key])
          segments.pop()
        }
        return
      case 'union': {
        const option = chosenOption(plan.options, item)
        if (option) visit(option, item)
        return
      }
      case 'other':
        return
    }
  }
  visitObject(shape, value, true)
}

/** What the walk needs to know of a schema, worked out once per schema. */
type Plan =
  | { readonly kind: 'object'; readonly shape: Shape; readonly strip: boolean }
  | { readonly kind: 'array'; readonly element: z.ZodType }
  | { readonly kind: 'tuple'; readonly items: readonly z.ZodType[]; readonly rest: z.ZodType | null }
  | { readonly kind: 'record'; readonly value: z.ZodType }
  | { readonly kind: 'union'; readonly options: readonly z.ZodType[] }
  | { readonly kind: 'other' }

const plans = new WeakMap<z.ZodType, Plan>()

function planOf(schema: z.ZodType): Plan {
  let plan = plans.get(schema)
  if (!plan) {
    const d = def(unwrap(schema))
    switch (d.type) {
      case 'object':
        plan = { kind: 'object', shape: d.shape as Shape, strip: d.catchall === undefined }
        break
      case 'array':
        plan = { kind: 'array', element: d.element as z.ZodType }
        break
      case 'tuple':
        plan = { kind: 'tuple', items: d.items as z.ZodType[], rest: (d.rest as z.ZodType | null) ?? null }
        break
      case 'record':
        plan = { kind: 'record', value: d.valueType as z.ZodType }
        break
      case 'union':
        plan = { kind: 'union', options: d.options as z.ZodType[] }
        break
      default:
        plan = { kind: 'other' }
    }
    plans.set(schema, plan)
  }
  return plan
}

/** The schema under optional, nullable, default, pipe (its input side) and lazy wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema
  for (;;) {
    const d = def(current)
    switch (d.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'nonoptional':
      case 'readonly':
      case 'catch':
        current = d.innerType as z.ZodType
        break
      case 'pipe':
        current = d.in as z.ZodType
        break
      case 'lazy':
        current = d.getter() as z.ZodType
        break
      default:
        return current
    }
  }
}

/**
 * The union option that takes the value (as far as the fast parser can tell), else the
 * first of the value's kind, so that an invalid value is looked into too.
 */
function chosenOption(options: readonly z.ZodType[], value: unknown): z.ZodType | undefined {
  for (const option of options) if (fastParser(option)(value) !== NO) return option
  const kind = Array.isArray(value) ? 'array' : isPlainObject(value) ? 'object' : undefined
  return kind === undefined ? undefined : options.find((option) => planOf(option).kind === kind)
}

/**
 * The declared key closest to `key` by edit distance (insertions, deletions,
 * substitutions and swaps of neighbours), if it is close: at most one edit for keys of
 * up to four characters, two for longer ones. `seperator` → `separator`.
 */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const limit = key.length <= 4 ? 1 : 2
  let best: string | undefined
  let bestDistance = limit + 1
  const lower = key.toLowerCase()
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase(), bestDistance)
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

/** Optimal string alignment distance, given up once it reaches `ceiling`. */
function editDistance(a: string, b: string, ceiling: number): number {
  if (Math.abs(a.length - b.length) >= ceiling) return ceiling
  let previous2: number[] = []
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    let rowMin = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let value = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, (previous2[j - 2] as number) + 1)
      current.push(value)
      if (value < rowMin) rowMin = value
    }
    if (rowMin >= ceiling) return ceiling
    previous2 = previous
    previous = current
  }
  return Math.min(previous[b.length] as number, ceiling)
}

/** The issue of an unknown key: a warning, or (`jobs.strict`) a refusal. */
export function unknownKeyIssue({ path, key, suggestion }: UnknownKey, strict: boolean): ValidationIssue {
  const hint = suggestion === undefined ? '' : `; did you mean \`${suggestion}\`?`
  const what = strict ? 'refused (jobs.strict)' : 'kept as given, not used'
  return { path, message: `Unknown key \`${key}\`: ${what}${hint}` }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const prototype = Object.getPrototypeOf(value) as unknown
  return prototype === Object.prototype || prototype === null
}
