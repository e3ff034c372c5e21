import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { registerListRoutes } from './list-routes.js'
import { errorResponses, storedObject } from './route-support.js'

const tags = ['audit']

const verifyQuery = z
  .strictObject({
    expected_seq: z.coerce.number().pipe(z.int().min(0)).optional().describe('The seq of a head kept elsewhere'),
    expected_hash: z.string().min(1).max(128).optional().describe('The hash of that head'),
  })
  .refine((query) => (query.expected_seq === undefined) === (query.expected_hash === undefined), {
    message: 'Give expected_seq and expected_hash together',
    path: ['expected_hash'],
  })
const head = z.object({ seq: z.number(), hash: z.string() })

/** /api/v1/audit: the tamper-evident trail of every change and every refusal (needs audit:read). */
export async function registerAuditRoutes(app: FastifyInstance): Promise<void> {
  const typed = app.withTypeProvider<ZodTypeProvider>()

  registerListRoutes(app, {
    path: '/audit',
    tag: 'audit',
    noun: 'audit entries (newest first)',
    columns: 'seq, at, actor, action, entity_type, entity_id, outcome',
    item: storedObject('seq, at, actor, action, entity_type, entity_id, outcome, before, after, prev_hash, hash'),
    list: (store, query) => store.audit.list(query),
  })

  typed.get(
    '/audit/verify',
    {
      schema: {
        tags,
        summary: 'Walk the whole chain and report the first edited, removed or reordered row',
        description: 'With expected_seq and expected_hash (a head kept elsewhere), a truncated tail is found too.',
        querystring: verifyQuery,
        response: {
          200: z.object({ ok: z.boolean(), checked: z.number(), first_broken_seq: z.number().nullable(), reason: z.string().nullable(), head }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { expected_seq, expected_hash } = request.query
      const expectedHead = expected_seq === undefined || expected_hash === undefined ? undefined : { seq: expected_seq, hash: expected_hash }
      return request.store.audit.verify(expectedHead === undefined ? {} : { expectedHead })
    },
  )

  typed.get(
    '/audit/head',
    { schema: { tags, summary: 'The last seq and hash: keep it elsewhere to detect a truncated tail later', response: { 200: head, ...errorResponses } } },
    async (request) => request.store.audit.head(),
  )
}
