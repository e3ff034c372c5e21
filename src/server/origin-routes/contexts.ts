import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { ConstraintError, LinkageError, NotFoundError } from '../../errors.js'
import { contextInputSchema, type ContextInput } from '../../schema/context-schema.js'
import { credentialInputSchema } from '../../schema/credential-schema.js'
import type { Store } from '../../store.js'
import type { ServerDeps } from '../server-options.js'
import { originError } from './origin-errors.js'
import { everyItem } from './list-pages.js'
import {
  contextBodySchema,
  credentialsBodySchema,
  credentialsMappingContextBodySchema,
  checkedInput,
  type CredentialsBody,
  providerCreatedSchema,
  providerIdParamsSchema,
  providerInfoSchema,
  providerListItemSchema,
  secureParameterCount,
  storeContextInput,
  storeCredentialInput,
} from './context-shapes.js'

const tags = ['contexts']
/** The origin names the class that holds a provider; clients may show it. */
const PROVIDER_CLASS = 'SecureContextAdapter' as const

/**
 * /contexts (api/routers/contexts.py): register contexts, credentials-mapping contexts
 * and credentials ("providers"), list, read and delete them. Secure parameters and
 * passwords are encrypted by the store and never answered: a provider's answer is its
 * id, kind and environment, as in the origin. Names are unique here (the origin allows
 * two providers of one name): registering a taken name is 409, never a replacement.
 */
export async function registerOriginContextRoutes(app: FastifyInstance, _deps: ServerDeps): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()

  routes.post(
    '/contexts/context',
    {
      schema: {
        tags,
        summary: 'Register a context',
        description: 'Parameters as a dict keyed by `key` or as a list; secure values are stored only encrypted.',
        body: contextBodySchema,
        response: { 201: providerCreatedSchema },
      },
    },
    async (request, reply) => {
      const input = storeContextInput(request.body.context)
      const created = await registerContext(request.store, input, 'context')
      return reply.status(201).send({ id: created.id, kind: 'context', environment: created.environment, parameters_registered: secureParameterCount(input) })
    },
  )

  routes.post(
    '/contexts/credentials-mapping-context',
    {
      schema: {
        tags,
        summary: 'Register a credentials-mapping context',
        description: 'A context with the credentials to use per environment (`credentials_ids`); every credentials id must exist.',
        body: credentialsMappingContextBodySchema,
        response: { 201: providerCreatedSchema },
      },
    },
    async (request, reply) => {
      const { credentials_ids: mapping, ...context } = request.body.context
      await requireCredentials(request.store, Object.values(mapping))
      const created = await registerContext(request.store, storeContextInput(context, mapping), 'credentials mapping context')
      return reply.status(201).send({ id: created.id, kind: 'context', environment: created.environment, parameters_registered: Object.keys(mapping).length })
    },
  )

  routes.post(
    '/contexts/credentials',
    {
      schema: {
        tags,
        summary: 'Register credentials',
        description: 'The password is stored only encrypted and never answered.',
        body: credentialsBodySchema,
        response: { 201: providerCreatedSchema },
      },
    },
    async (request, reply) => {
      const created = await registerCredentials(request.store, request.body.credentials)
      return reply.status(201).send({ id: created.id, kind: 'credentials', environment: null, parameters_registered: 1 })
    },
  )

  routes.get(
    '/contexts/',
    {
      schema: {
        tags,
        summary: 'List contexts and credentials',
        description: 'Contexts first, then credentials, each by name.',
        response: { 200: providerListItemSchema.array() },
      },
    },
    async (request) => {
      const contexts = await everyItem((page) => request.store.contexts.list(page))
      const credentials = await everyItem((page) => request.store.credentials.list(page))
      return [
        ...contexts.map((context) => ({ id: context.id, kind: 'context' as const, name: context.name, environment: context.environment })),
        ...credentials.map((credential) => ({ id: credential.id, kind: 'credentials' as const, name: credential.name, environment: null })),
      ]
    },
  )

  routes.get(
    '/contexts/:id',
    { schema: { tags, summary: 'Get a context or credentials by id', params: providerIdParamsSchema, response: { 200: providerInfoSchema } } },
    async (request) => {
      const { id } = request.params
      const context = await orUndefined(request.store.contexts.get(id))
      if (context !== undefined) return { id, kind: 'context' as const, environment: context.environment, provider_class: PROVIDER_CLASS }
      const credential = await orUndefined(request.store.credentials.get(id))
      if (credential !== undefined) return { id, kind: 'credentials' as const, environment: null, provider_class: PROVIDER_CLASS }
      throw originError(404, 'PROVIDER_NOT_FOUND', `Provider '${id}' not found`, undefined, { id })
    },
  )

  routes.delete(
    '/contexts/:id',
    {
      schema: {
        tags,
        summary: 'Delete a context or credentials',
        description: 'Answers 204 also when nothing has this id (as the origin); credentials that a context still uses are 409.',
        params: providerIdParamsSchema,
      },
    },
    async (request, reply) => {
      await deleteProvider(request.store, request.params.id)
      return reply.status(204).send()
    },
  )
}

/** Creates the context; a taken name is 409 (upsert would replace another provider), bad values 422 at their body path. */
async function registerContext(store: Store, input: ContextInput, what: string) {
  const taken = await orUndefined(store.contexts.getByName(input.name))
  if (taken !== undefined) {
    throw originError(
      409,
      'CONTEXT_EXISTS',
      `Failed to register ${what}: a context named ${JSON.stringify(input.name)} exists (${taken.id}); names are unique here`,
      undefined,
      {
        id: taken.id,
      },
    )
  }
  checkedInput(contextInputSchema, input, 'context')
  return store.contexts.upsert(input)
}

async function registerCredentials(store: Store, credentials: CredentialsBody['credentials']) {
  const input = storeCredentialInput(credentials)
  checkedInput(credentialInputSchema, input, 'credentials')
  try {
    return await store.credentials.create(input)
  } catch (error) {
    if (error instanceof ConstraintError && error.constraint_kind === 'unique') {
      throw originError(
        409,
        'CREDENTIALS_EXIST',
        `Failed to register credentials: credentials named ${JSON.stringify(credentials.name)} exist; names are unique here`,
        error,
      )
    }
    throw error
  }
}

/** The origin's check: every mapped credentials id exists, else 400 naming the missing ones. */
async function requireCredentials(store: Store, ids: readonly string[]): Promise<void> {
  const missing: string[] = []
  for (const id of new Set(ids)) if ((await orUndefined(store.credentials.get(id))) === undefined) missing.push(id)
  if (missing.length > 0) {
    const message = `Failed to register credentials mapping context: Unknown credentials provider_id(s): ${missing.sort().join(', ')}`
    throw originError(400, 'CREDENTIALS_NOT_FOUND', message, undefined, { missing })
  }
}

/**
 * A context or credentials with this id, gone. The origin swallows every failure here;
 * credentials still used by a context are refused (409 with the context names) instead
 * of answering 204 and keeping them.
 */
async function deleteProvider(store: Store, id: string): Promise<void> {
  if ((await orUndefined(store.contexts.get(id))) !== undefined) {
    await ignoreNotFound(store.contexts.delete(id))
    return
  }
  if ((await orUndefined(store.credentials.get(id))) === undefined) return
  try {
    await ignoreNotFound(store.credentials.delete(id))
  } catch (error) {
    if (error instanceof LinkageError) throw originError(409, 'PROVIDER_IN_USE', error.message, error, { id })
    throw error
  }
}

/** The value, or undefined when the store says it is not there. */
async function orUndefined<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read
  } catch (error) {
    if (error instanceof NotFoundError) return undefined
    throw error
  }
}

/** A delete that lost a race with another delete has still done its work. */
async function ignoreNotFound(work: Promise<void>): Promise<void> {
  await orUndefined(work)
}
