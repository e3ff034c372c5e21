import { z } from 'zod'

/**
 * The schemas the OpenAPI document names as components (`#/components/schemas/<id>`)
 * instead of writing them out in every route that uses them. A route file registers the
 * library's own schema here with `named(schema, id)`; fastify-type-provider-zod then
 * refers to it, as `<id>` for responses and `<id>Input` for request bodies. It is Zod's
 * global registry, where `.describe()` keeps descriptions too, so they reach the document.
 */
export const openApiComponents = z.globalRegistry

/** Names `schema` as the component `id` of the OpenAPI document and returns it. */
export function named<S extends z.ZodType>(schema: S, id: string, description?: string): S {
  if (!openApiComponents.has(schema)) openApiComponents.add(schema, description === undefined ? { id } : { id, description })
  return schema
}

/**
 * The seed's error report, as every /api/v1 route and the server's own checks answer a
 * failure: `error_type` (see the status table in http-errors.ts), a message, and per
 * type `issues` (paths of bad input), `permission`, `constraint_kind`, `table_name`,
 * `query` (placeholders only). Never a stack or a bound value.
 */
export const persistenceErrorSchema = named(
  z.object({
    persistence_error: z.looseObject({
      error_type: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
      permission: z.string().optional(),
      retryable: z.boolean().optional(),
    }),
  }),
  'PersistenceError',
  "A failure: the seed's persistence_error report",
)
