import { createRequire } from 'node:module'
import type { z } from 'zod'

/**
 * The Zod version whose private internals (`_zod.def`, `optin`/`optout`, `traits`,
 * `values`) this module reads. Any other installed version turns the fast path off
 * (every parse goes to `safeParse`), and test/fast-parse.test.ts fails until this line
 * and the parsers are checked against the new version: an upgrade is slower, never wrong.
 */
export const PINNED_ZOD_VERSION = '4.6.7'

/** The installed Zod's version, from its package.json. @internal exported for its test */
export const INSTALLED_ZOD_VERSION = (createRequire(import.meta.url)('zod/package.json') as { version: string }).version

const pinned = INSTALLED_ZOD_VERSION === PINNED_ZOD_VERSION

/**
 * A fast path in front of Zod for the values the store checks on its hot paths (job
 * graphs on save, component runs and events, execution starts and finishes, list
 * options, declarative records); every other caller uses `safeParse` itself.
 *
 * Zod's parser is general, so its code is large; called between database round trips it
 * runs cold, and a small object took 70–100 µs in an execution's lifecycle against 2 µs
 * in a tight loop. `fastSafeParse` compiles a schema once into small parsers (objects as
 * generated code, the rest as closures) that accept the plain values users pass and give
 * back exactly what Zod gives back. Whatever they do not vouch for (any invalid value,
 * and any schema part they do not know: transforms, string formats, lazy schemas …) goes
 * to Zod itself, which then names the problem.
 * test/fast-parse.test.ts holds both to the same results on random values.
 */
export function fastSafeParse<S extends z.ZodType>(schema: S, value: unknown): z.ZodSafeParseResult<z.output<S>> {
  if (!pinned) return schema.safeParse(value)
  const parsed = compiled(schema)(value)
  if (parsed === NO) return schema.safeParse(value)
  return { success: true, data: parsed as z.output<S> }
}

/** The compiled parser alone: the parsed value, or `NO` when Zod must decide. @internal exported for its test */
export function fastParser(schema: z.ZodType): (value: unknown) => unknown {
  return pinned ? compiled(schema) : (value) => zodParsed(schema, value)
}

function zodParsed(schema: z.ZodType, value: unknown): unknown {
  const result = schema.safeParse(value)
  return result.success ? result.data : NO
}

/** "Not vouched for": the value is invalid, or the schema has a part this module does not know. */
export const NO: unique symbol = Symbol('fast-parse: ask Zod')

type Parser = (value: unknown) => unknown
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a check takes the value its schema vouched for
type Check = (value: any) => boolean

// Zod's private internals are untyped (the pinned version is what makes reading them safe).
/* eslint-disable @typescript-eslint/no-explicit-any */
interface ZodInternals {
  readonly def: Record<string, any> & { readonly type: string; readonly checks?: readonly { _zod: { def: Record<string, any> } }[] }
  readonly optin?: 'optional' | 'defaulted'
  readonly optout?: 'optional'
  readonly traits: ReadonlySet<string>
  /** The values an enum or literal accepts, as Zod works them out (a numeric enum's names are not among them). */
  readonly values?: ReadonlySet<unknown>
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * Compiled parsers by schema. Module-level, unlike the per-store state beside it: a
 * parser is a pure function of its schema (no store, connection or data in it), and the
 * schemas it sees are the module constants of the hot paths and the declarative models'.
 */
let cache = new WeakMap<object, Parser>()
let generateCode = true

/**
 * Turns generated object code off (the closures a Content-Security-Policy leaves) or back
 * on, and forgets every compiled parser. @internal for the test of both paths
 */
export function useCodeGeneration(enabled: boolean): void {
  generateCode = enabled
  cache = new WeakMap()
}
const never: Parser = () => NO
/**
 * Parsers that may say `NO` to a value Zod accepts (they hold `never` somewhere). A union
 * tries its next option only after an exact one said `NO`: Zod returns the first option
 * that accepts.
 */
const inexact = new WeakSet<Parser>([never])

function compiled(schema: z.ZodType): Parser {
  let parser = cache.get(schema)
  if (!parser) {
    // A schema that contains itself (through a getter: a field's children, a rule's
    // rules) meets itself while it compiles: the inner use calls the finished parser.
    // Its exactness is not known yet, so it counts as inexact (a union then asks Zod).
    let finished: Parser = never
    const recursive: Parser = (value) => finished(value)
    inexact.add(recursive)
    cache.set(schema, recursive)
    parser = compile(schema)
    finished = parser
    cache.set(schema, parser)
  }
  return parser
}

/** `parser`, marked inexact when any of `parts` is. */
function madeOf(parser: Parser, parts: readonly Parser[]): Parser {
  if (parts.some((part) => inexact.has(part))) inexact.add(parser)
  return parser
}

function internals(schema: unknown): ZodInternals {
  return (schema as { _zod: ZodInternals })._zod
}

function compile(schema: z.ZodType): Parser {
  const { def } = internals(schema)
  const checks = compileChecks(def)
  if (checks === undefined) return never
  // Coercing schemas and Zod subclasses that share a type name with another behaviour.
  if (def.coerce || internals(schema).traits.has('$ZodExactOptional')) return never
  const base = compileType(schema)
  if (base === never || checks.length === 0) return base
  const checked: Parser = (value) => {
    const parsed = base(value)
    if (parsed === NO) return NO
    for (const check of checks) if (!check(parsed)) return NO
    return parsed
  }
  return madeOf(checked, [base])
}

/** The type itself, before its checks. */
function compileType(schema: z.ZodType): Parser {
  const { def, values } = internals(schema)
  switch (def.type) {
    case 'string':
      // A format on the schema itself (email, datetime …) is a check this module does not repeat.
      if (def.format !== undefined) return never
      return (value) => (typeof value === 'string' ? value : NO)
    case 'number':
      if (def.format !== undefined && def.format !== 'safeint') return never
      if (def.format === 'safeint') return (value) => (Number.isSafeInteger(value) ? value : NO)
      return (value) => (typeof value === 'number' && Number.isFinite(value) ? value : NO)
    case 'boolean':
      return (value) => (typeof value === 'boolean' ? value : NO)
    case 'date':
      return (value) => (value instanceof Date && !Number.isNaN(value.getTime()) ? value : NO)
    case 'unknown':
    case 'any':
      return (value) => value
    case 'null':
      return (value) => (value === null ? null : NO)
    case 'enum':
    case 'literal':
      if (!values) return never
      return (value) => (values.has(value) ? value : NO)
    case 'optional': {
      const inner = compiled(def.innerType)
      // `undefined` reaches the inner schema only when that fills in a default.
      if (internals(def.innerType).optin === 'defaulted') return inner
      return madeOf((value) => (value === undefined ? undefined : inner(value)), [inner])
    }
    case 'nullable': {
      const inner = compiled(def.innerType)
      return madeOf((value) => (value === null ? null : inner(value)), [inner])
    }
    case 'default': {
      const inner = compiled(def.innerType)
      // Zod reads `defaultValue` on every use (a getter that copies object defaults), and
      // also when the inner schema makes `undefined` of a value.
      return madeOf(
        (value) => {
          const parsed = value === undefined ? undefined : inner(value)
          return parsed === undefined ? def.defaultValue : parsed
        },
        [inner],
      )
    }
    case 'array':
      return compileArray(compiled(def.element))
    case 'object':
      return compileObject(def)
    case 'record':
      return compileRecord(def)
    case 'union':
      if (def.discriminator !== undefined || def.inclusive === false) return never
      return compileUnion((def.options as z.ZodType[]).map(compiled))
    default:
      return never
  }
}

/** The schema's checks as predicates, or `undefined` when one is of a kind this module does not know. */
function compileChecks(def: ZodInternals['def']): Check[] | undefined {
  const checks: Check[] = []
  for (const { _zod } of def.checks ?? []) {
    const check = _zod.def
    switch (check.check) {
      case 'min_length':
        checks.push((value) => value.length >= check.minimum)
        break
      case 'max_length':
        checks.push((value) => value.length <= check.maximum)
        break
      case 'length_equals':
        checks.push((value) => value.length === check.length)
        break
      case 'greater_than':
        checks.push(check.inclusive ? (value) => value >= check.value : (value) => value > check.value)
        break
      case 'less_than':
        checks.push(check.inclusive ? (value) => value <= check.value : (value) => value < check.value)
        break
      case 'string_format': {
        if (check.format !== 'regex') return undefined
        const pattern = check.pattern as RegExp
        checks.push((value) => {
          pattern.lastIndex = 0
          return pattern.test(value)
        })
        break
      }
      case 'custom':
        // A `superRefine` (or `check`) keeps no predicate, only code that adds issues: Zod's.
        if (typeof check.fn !== 'function') return undefined
        // A refinement: its predicate, as Zod reads it (an asynchronous one makes Zod throw).
        checks.push((value) => {
          const result: unknown = check.fn(value)
          return !(result instanceof Promise) && Boolean(result)
        })
        break
      default:
        return undefined
    }
  }
  return checks
}

function compileArray(element: Parser): Parser {
  return madeOf(
    (value) => {
      if (!Array.isArray(value)) return NO
      const out = new Array(value.length)
      for (let i = 0; i < value.length; i++) {
        const item = element(value[i])
        if (item === NO) return NO
        out[i] = item
      }
      return out
    },
    [element],
  )
}

interface Property {
  readonly key: string
  readonly parse: Parser
  readonly optin: ZodInternals['optin']
  readonly optionalOut: boolean
}

/** Keys as Zod's object parser keeps them: declared keys in declared order, then (loose) the rest in input order. */
function compileObject(def: ZodInternals['def']): Parser {
  const shape = def.shape as Record<string, z.ZodType>
  if (Object.getOwnPropertySymbols(shape).length > 0) return never
  const properties: Property[] = Object.keys(shape).map((key) => {
    const { optin, optout } = internals(shape[key])
    return { key, parse: compiled(shape[key] as z.ZodType), optin, optionalOut: optout === 'optional' }
  })
  const catchall = def.catchall === undefined ? 'strip' : internals(def.catchall).def.type
  if (catchall !== 'strip' && catchall !== 'never' && catchall !== 'unknown') return never
  const parser = (generateCode ? generatedObjectParser(properties, catchall) : undefined) ?? objectParser(properties, catchall)
  return madeOf(
    parser,
    properties.map((property) => property.parse),
  )
}

/**
 * The object parser as straight-line code with the keys written in (as Zod's own object
 * parser does where `new Function` is allowed): reads of fixed keys are fast where reads
 * of a key from a list go through a slow generic lookup. `undefined` where code
 * generation is not allowed (a Content-Security-Policy), or for a key combination the
 * template does not cover.
 */
function generatedObjectParser(properties: readonly Property[], catchall: 'strip' | 'never' | 'unknown'): Parser | undefined {
  const lines = ['if (!isPlainObject(value) || Object.hasOwn(value, "__proto__")) return NO', 'const out = {}', 'let parsed']
  for (const [i, { key, optin, optionalOut }] of properties.entries()) {
    const k = JSON.stringify(key)
    const read = `parsed = parsers[${i}](value[${k}]); if (parsed === NO) return NO; out[${k}] = parsed`
    if (optin === undefined) lines.push(`if (!(${k} in value)) return NO`, read)
    else if (optin === 'optional' && optionalOut) lines.push(`if (${k} in value) { ${read} }`)
    else if (optin === 'defaulted' && !optionalOut) lines.push(read)
    else if (optin === 'defaulted' && optionalOut) {
      lines.push(`if (${k} in value) { ${read} } else { parsed = parsers[${i}](undefined); if (parsed !== NO && parsed !== undefined) out[${k}] = parsed }`)
    } else return undefined
  }
  if (catchall === 'never') lines.push('for (const key in value) if (!declared.has(key)) return NO')
  if (catchall === 'unknown') lines.push('for (const key in value) if (!declared.has(key)) out[key] = value[key]')
  lines.push('return out')
  try {
    const make = new Function('NO', 'isPlainObject', 'parsers', 'declared', `return function objectParser(value) {\n${lines.join('\n')}\n}`)
    const parsers = properties.map((property) => property.parse)
    return make(NO, isPlainObject, parsers, new Set(properties.map((property) => property.key))) as Parser
  } catch {
    return undefined
  }
}

function objectParser(properties: readonly Property[], catchall: 'strip' | 'never' | 'unknown'): Parser {
  const declared = new Set(properties.map((property) => property.key))
  return (value) => {
    if (!isPlainObject(value) || Object.hasOwn(value, '__proto__')) return NO
    const out: Record<string, unknown> = {}
    for (const { key, parse, optin, optionalOut } of properties) {
      const present = key in value
      if (!present && optin === 'optional' && optionalOut) continue
      const parsed = parse(value[key])
      if (parsed === NO) {
        if (!present && optin !== undefined && optionalOut) continue
        return NO
      }
      if (!present && optin === undefined) return NO
      if (parsed !== undefined) out[key] = parsed
      else if (present || (optin === 'defaulted' && !optionalOut)) out[key] = undefined
    }
    if (catchall === 'strip') return out
    for (const key in value) {
      if (declared.has(key)) continue
      if (catchall === 'never') return NO
      out[key] = value[key]
    }
    return out
  }
}

/**
 * A record with string keys (checked by the key schema). Zod reads the own enumerable
 * keys, and refuses symbol keys; an object with any symbol key is left to it.
 */
function compileRecord(def: ZodInternals['def']): Parser {
  const keyType = internals(def.keyType).def
  if (keyType.type !== 'string' || def.mode === 'loose') return never
  const key = compiled(def.keyType)
  const element = compiled(def.valueType)
  const parser: Parser = (value) => {
    if (!isPlainObject(value) || Object.hasOwn(value, '__proto__') || Object.getOwnPropertySymbols(value).length > 0) return NO
    const out: Record<string, unknown> = {}
    for (const name in value) {
      if (!Object.hasOwn(value, name) || key(name) === NO) return NO
      const item = element(value[name])
      if (item === NO) return NO
      out[name] = item
    }
    return out
  }
  return madeOf(parser, [key, element])
}

/** The first option that accepts the value, as Zod's union returns. */
function compileUnion(options: Parser[]): Parser {
  const union: Parser = (value) => {
    for (const option of options) {
      const parsed = option(value)
      if (parsed !== NO) return parsed
      if (inexact.has(option)) return NO // it might have accepted the value: Zod decides
    }
    return NO
  }
  return madeOf(union, options)
}

/** An object literal (or one without a prototype): what Zod copies key for key. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const prototype = Object.getPrototypeOf(value) as unknown
  return prototype === Object.prototype || prototype === null
}
