import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ListResult } from '../../query/query-schema.js'
import type { Store } from '../../store.js'
import { listQueryBody } from './api-components.js'
import { bodyCheckedByStore, errorResponses, fromQueryString, listQueryOf, listQueryString, pageOf } from './route-support.js'

export interface ListRoutes<T> {
  /** `/jobs`: the GET list; `/jobs/query` takes the same query as a JSON body. */
  readonly path: string
  readonly tag: string
  /** What is listed, for the summaries ("jobs"). */
  readonly noun: string
  /** The columns `where` and `order_by` take, for the description. */
  readonly columns: string
  readonly item: z.ZodType
  /** Extra path parameters (a model's records). */
  readonly params?: z.ZodObject
  readonly list: (store: Store, query: unknown, params: Record<string, string>) => Promise<ListResult<T>>
}

/**
 * A list in the shared query language, both ways: `GET <path>?where=<json>&order_by=…&limit=…&cursor=…`
 * and `POST <path>/query` with the `ListQuery` as its body (for filters too long for a URL).
 * Both answer `{items, next_cursor, total?}`; keyset cursors work across both.
 */
export function registerListRoutes<T>(app: FastifyInstance, routes: ListRoutes<T>): void {
  const typed = app.withTypeProvider<ZodTypeProvider>()
  const params = routes.params ?? z.strictObject({})
  const response = { 200: pageOf(routes.item), ...errorResponses }
  const description = `Filter and sort by ${routes.columns}. Keyset paging: pass the answer's next_cursor as cursor.`
  typed.get(
    routes.path,
    { schema: { tags: [routes.tag], summary: `List ${routes.noun}`, description, params, querystring: listQueryString, response } },
    async (request) => fromQueryString(() => routes.list(request.store, listQueryOf(request.query), request.params as Record<string, string>)),
  )
  typed.post(
    `${routes.path}/query`,
    {
      ...bodyCheckedByStore,
      schema: { tags: [routes.tag], summary: `List ${routes.noun} (query as a JSON body)`, description, params, body: listQueryBody, response },
    },
    async (request) => routes.list(request.store, request.body ?? {}, request.params as Record<string, string>),
  )
}
