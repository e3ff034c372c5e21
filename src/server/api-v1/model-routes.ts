import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { IDENTIFIER, MAX_IDENTIFIER_LENGTH } from '../../models/model-config-schema.js'
import { modelConfigBody } from './api-components.js'
import { registerListRoutes } from './list-routes.js'
import {
  bodyCheckedByStore,
  booleanText,
  commaSeparated,
  errorResponses,
  fromQueryString,
  jsonText,
  lookupText,
  noContent,
  storedObject,
} from './route-support.js'

const modelTags = ['models']
const recordTags = ['records']

const modelParams = z.strictObject({ model: z.string().max(MAX_IDENTIFIER_LENGTH).regex(IDENTIFIER, 'Expected a model name') })
const recordParams = modelParams.extend({ key: lookupText(200).describe('The primary key; digits are read as a number') })
const includeQuery = z.strictObject({ include: commaSeparated.optional().describe('Relations to load, comma-separated: a field job_id is the relation job') })
const plan = storedObject('changes [{model, kind, field, destructive, description, sql}], sql, destructive')
const record = storedObject("A record with its model's declared fields")

/**
 * /api/v1/models: users' own tables from the seed's model configuration (plan, apply,
 * list), and the records of each under /api/v1/models/{model}/records.
 */
export async function registerModelRoutes(app: FastifyInstance): Promise<void> {
  const typed = app.withTypeProvider<ZodTypeProvider>()

  typed.get(
    '/models',
    {
      schema: {
        tags: modelTags,
        summary: 'The current definition of every declared model',
        response: { 200: z.object({ items: z.array(storedObject('A model definition')) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await request.store.models.list() }),
  )

  typed.post(
    '/models/plan',
    {
      ...bodyCheckedByStore,
      schema: {
        tags: modelTags,
        summary: 'The SQL that applying this configuration would run, without running it',
        body: modelConfigBody,
        response: { 200: plan, ...errorResponses },
      },
    },
    async (request) => request.store.models.plan(request.body),
  )

  typed.post(
    '/models/apply',
    {
      ...bodyCheckedByStore,
      schema: {
        tags: modelTags,
        summary: 'Bring the tables to this configuration (needs models:apply)',
        description: 'A destructive change (drop, narrowing) is a 409 unless allow_destructive=true; then it is checked against the rows first.',
        querystring: z.strictObject({ allow_destructive: booleanText.optional() }),
        body: modelConfigBody,
        response: { 200: storedObject('The plan it applied, and versions [{model, version, dropped}]'), ...errorResponses },
      },
    },
    async (request) => request.store.models.define(request.body, { allowDestructive: request.query.allow_destructive === true }),
  )

  registerListRoutes(app, {
    path: '/models/:model/records',
    tag: 'records',
    noun: "a model's records",
    columns: "the model's declared fields (but JSON ones)",
    item: record,
    params: modelParams,
    list: (store, query, params) => store.models.records(params.model ?? '').find(query),
  })

  typed.post(
    '/models/:model/records',
    {
      ...bodyCheckedByStore,
      schema: {
        tags: recordTags,
        summary: 'Insert a record',
        params: modelParams,
        body: storedObject("The record's fields"),
        response: { 201: record, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await request.store.models.records(request.params.model).insert(request.body)),
  )

  typed.post(
    '/models/:model/records/bulk',
    {
      schema: {
        tags: recordTags,
        summary: 'Insert many records in one transaction (all or none)',
        params: modelParams,
        body: z.array(storedObject("A record's fields")),
        response: { 201: z.object({ inserted: z.number() }), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await request.store.models.records(request.params.model).insertMany(request.body)),
  )

  typed.post(
    '/models/:model/records/upsert',
    {
      ...bodyCheckedByStore,
      schema: {
        tags: recordTags,
        summary: 'Insert the record, or update the one with the same key',
        params: modelParams,
        body: storedObject("The record's fields"),
        response: { 200: record, ...errorResponses },
      },
    },
    async (request) => request.store.models.records(request.params.model).upsert(request.body),
  )

  typed.get(
    '/models/:model/records/count',
    {
      schema: {
        tags: recordTags,
        summary: 'How many records match where',
        params: modelParams,
        querystring: z.strictObject({ where: jsonText.optional().describe('A filter rule as JSON') }),
        response: { 200: z.object({ count: z.number() }), ...errorResponses },
      },
    },
    async (request) => {
      const { where } = request.query
      return { count: await fromQueryString(() => request.store.models.records(request.params.model).count(where === undefined ? {} : { where })) }
    },
  )

  typed.get(
    '/models/:model/records/:key',
    {
      schema: {
        tags: recordTags,
        summary: 'Get a record by its key',
        params: recordParams,
        querystring: includeQuery,
        response: { 200: record, ...errorResponses },
      },
    },
    async (request) => request.store.models.records(request.params.model).get(keyOf(request.params.key), { include: request.query.include ?? [] }),
  )

  typed.patch(
    '/models/:model/records/:key',
    {
      ...bodyCheckedByStore,
      schema: {
        tags: recordTags,
        summary: 'Change some fields of a record',
        params: recordParams,
        body: storedObject('The fields to change'),
        response: { 200: record, ...errorResponses },
      },
    },
    async (request) => request.store.models.records(request.params.model).update(keyOf(request.params.key), request.body),
  )

  typed.delete(
    '/models/:model/records/:key',
    { schema: { tags: recordTags, summary: 'Delete a record', params: recordParams, response: { 204: noContent, ...errorResponses } } },
    async (request, reply) => {
      await request.store.models.records(request.params.model).delete(keyOf(request.params.key))
      return reply.status(204).send()
    },
  )
}

/** A key of digits is the number (integer keys); anything else is the text as given. */
function keyOf(text: string): string | number {
  return /^-?\d{1,15}$/.test(text) ? Number(text) : text
}
