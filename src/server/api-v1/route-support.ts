import type { FastifySchemaCompiler } from 'fastify'
import { validatorCompiler } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ValidationError } from '../../errors.js'
import { listQuerySchema, type ListQuery } from '../../query/query-schema.js'
import { isUuid } from '../../schema/ids.js'
import { unstorableValues } from '../../schema/storable-values.js'
import { persistenceErrorSchema } from '../openapi-components.js'

/**
 * What every /api/v1 route documents besides its success: the seed's error report, with
 * the status from the one mapping in http-errors.ts (401 no token, 403 access_denied,
 * 404, 409, 413, 415, 422 validation_error, 503).
 */
export const errorResponses = { '4xx': persistenceErrorSchema, '5xx': persistenceErrorSchema } as const

/** A 204 answer: no body. */
export const noContent = z.undefined().describe('Done; no body')

/**
 * Route options for a body the store validates itself (job configs, contexts, …): the
 * route's `body` schema documents it, and the body reaches the handler untouched, so
 * input is checked once, by the store, whose issues carry the body's own paths.
 */
// `any`: the compiler serves every route's schema type, as Fastify's own option is typed per route.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const bodyCheckedByStore: { readonly validatorCompiler: FastifySchemaCompiler<any> } = {
  validatorCompiler: (route) => (route.httpPart === 'body' ? (data: unknown) => ({ value: data }) : validatorCompiler(route)),
}

/** A stored id in the path (`params.id` is a 422 when it is no UUID). */
export const idParams = z.strictObject({ id: z.string().refine(isUuid, 'Expected a UUID') })

/**
 * Text from the URL that the store looks rows up by (a name, a key). What no engine can
 * hold (a NUL, which PostgreSQL refuses in any parameter) is a 422 here, as the store
 * refuses it in values it stores.
 */
export function lookupText(max: number) {
  return storable(z.string().min(1).max(max))
}

/** The same text schema, refusing what no engine can hold. */
export function storable(schema: z.ZodString) {
  return schema.refine((text) => unstorableValues(text).length === 0, 'May not contain NUL characters or unpaired surrogates')
}

/** An id, or a name when it is no UUID (contexts, credentials, schedules). */
export const idOrNameParams = z.strictObject({ id_or_name: lookupText(200).describe('An id (UUID) or a name') })

/** `true` or `false` in a query string. */
export const booleanText = z.enum(['true', 'false']).transform((text) => text === 'true')

/** An ISO 8601 date-time with a zone, as a Date (the store takes Dates). */
export const instantText = z.iso
  .datetime({ offset: true, message: 'Expected an ISO 8601 date-time with a time zone offset or Z' })
  .transform((text) => new Date(text))

/** A comma-separated list in a query string: `include=attempts,events`. */
export const commaSeparated = z
  .string()
  .max(1000)
  .transform((text) =>
    text
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== ''),
  )

/** A comma-separated list of known words. */
export function listText<const T extends readonly [string, ...string[]]>(values: T) {
  return commaSeparated.pipe(z.array(z.enum(values))).describe(`Comma-separated: ${values.join(', ')}`)
}

/** JSON text in a query string (a filter rule), parsed; the store checks what it holds. */
export const jsonText = z
  .string()
  .max(100_000)
  .transform((text, context): unknown => {
    try {
      return JSON.parse(text)
    } catch {
      context.addIssue({ code: 'custom', message: 'Expected JSON text', input: text })
      return z.NEVER
    }
  })

const listFields = listQuerySchema.shape

/**
 * The shared list query in a query string: `where` is the filter rule as JSON text,
 * `order_by` comma-separated keys (`-queued_at,id`), the rest as in `ListQuery`. The
 * same query as a JSON body goes to the list's `POST …/query`.
 */
export const listQueryString = z.strictObject({
  where: jsonText.optional().describe('A filter rule as JSON: {"column","operator","value"} or {"logical_operator":"AND|OR|NOT","rules":[…]}'),
  order_by: z.string().min(1).max(1000).optional().describe('Sort keys, comma-separated; a leading "-" sorts descending: -queued_at,id'),
  limit: z.coerce.number().pipe(listFields.limit.unwrap()).optional().describe('1 to 1000 (default 100)'),
  offset: z.coerce.number().pipe(listFields.offset.unwrap()).optional(),
  cursor: listFields.cursor.describe('The next_cursor of the previous page'),
  total: booleanText.optional().describe('Also count every matching row'),
})

/** The list query of a query string, in the store's shape. */
export function listQueryOf(query: z.output<typeof listQueryString>): ListQuery {
  const { order_by, ...rest } = query
  const parsed: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) parsed[key] = value
  if (order_by !== undefined) parsed.order_by = order_by.split(',').map((key) => key.trim())
  return parsed as ListQuery
}

/**
 * Runs a store call whose input came from the query string: its validation issues are
 * reported where the input was (`query.where.rules[0].column`), as a route schema's are.
 */
export async function fromQueryString<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error
    const issues = error.issues.map((issue) => ({ path: issue.path === '' ? 'query' : `query.${issue.path}`, message: issue.message }))
    throw new ValidationError(issues, { cause: error })
  }
}

/** The `{items, next_cursor, total?}` page of a list, documented with its item schema. */
export function pageOf<S extends z.ZodType>(item: S) {
  return z.object({
    items: z.array(item),
    next_cursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page'),
    total: z.number().optional().describe('With total=true: every matching row'),
  })
}

/**
 * An object the store gives back that no library schema declares (an interface): the
 * document says what it holds; its TypeScript type stays the repository's own.
 */
export const storedObject = (description: string): z.ZodType<object> => z.looseObject({}).describe(description) as z.ZodType<object>
