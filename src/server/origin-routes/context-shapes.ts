import { z } from 'zod'
import { ValidationError } from '../../errors.js'
import type { ContextInput } from '../../schema/context-schema.js'
import { environmentSchema, type CredentialInput } from '../../schema/credential-schema.js'
import { parseOrThrow } from '../../schema/zod-issues.js'
import { originCredentialPool } from '../../origin/origin-environment-import.js'
import { originValidationError } from './origin-errors.js'

/**
 * The origin's context and credentials requests (`api/routers/contexts.py`, models in
 * `context/`) and their translation to this store's inputs. Unknown keys are ignored,
 * as the origin's models do; what they declare is checked as they check it (a
 * parameter's `id > 0`, a non-empty `key`, a text `value`). The store checks the rest
 * (lengths, names) and encrypts secure values and passwords.
 */

const originParameterSchema = z.object({
  id: z.int().positive(),
  key: z.string().trim().min(1, 'Key cannot be empty'),
  value: z.string(),
  type: z.string(),
  is_secure: z.boolean(),
})
type OriginParameter = z.output<typeof originParameterSchema>

/** A dict keyed by `key`, or a list: the origin's Context accepts both. */
const originParametersSchema = z.union([z.record(z.string(), originParameterSchema), z.array(originParameterSchema)]).default({})

const originContextSchema = z.object({
  name: z.string(),
  environment: environmentSchema,
  parameters: originParametersSchema,
})

export const contextBodySchema = z.object({ context: originContextSchema })
export type ContextBody = z.output<typeof contextBodySchema>

export const credentialsMappingContextBodySchema = z.object({
  context: originContextSchema.extend({
    credentials_ids: z
      .partialRecord(environmentSchema, z.string().min(1))
      .default({})
      .describe('environment → the id of credentials registered with POST /contexts/credentials'),
  }),
})
export type CredentialsMappingContextBody = z.output<typeof credentialsMappingContextBodySchema>

export const credentialsBodySchema = z.object({
  credentials: z.object({
    name: z.string(),
    user: z.string(),
    host: z.string(),
    port: z.int().default(3306),
    database: z.string(),
    password: z.string().nullish().describe('Stored only encrypted; never answered'),
    pool_max_size: z.int().min(1).nullish(),
    pool_timeout_s: z.int().min(0).nullish(),
  }),
})
export type CredentialsBody = z.output<typeof credentialsBodySchema>

const kindSchema = z.enum(['context', 'credentials'])

export const providerCreatedSchema = z.object({
  id: z.string(),
  kind: kindSchema,
  environment: environmentSchema.nullable(),
  parameters_registered: z.number(),
})

export const providerInfoSchema = z.object({
  id: z.string(),
  kind: kindSchema,
  environment: environmentSchema.nullable(),
  provider_class: z.literal('SecureContextAdapter'),
})

export const providerListItemSchema = z.object({
  id: z.string(),
  kind: kindSchema,
  name: z.string().nullable(),
  environment: environmentSchema.nullable(),
})

export const providerIdParamsSchema = z.object({ id: z.string() })

/** The store's input for an origin context; a later parameter with the same key wins, as in the origin's dict. */
export function storeContextInput(context: ContextBody['context'], credentials: Record<string, string> = {}): ContextInput {
  const listed: Array<[string, OriginParameter]> = Array.isArray(context.parameters)
    ? context.parameters.map((parameter) => [parameter.key, parameter])
    : Object.entries(context.parameters)
  const parameters = Object.fromEntries(listed.map(([key, parameter]) => [key, { value: parameter.value, is_secure: parameter.is_secure }]))
  return { name: context.name, environment: context.environment, parameters, credentials }
}

/** How many of an origin context's parameters are secure: the origin's `parameters_registered`. */
export function secureParameterCount(input: ContextInput): number {
  return Object.values(input.parameters ?? {}).filter((parameter) => parameter.is_secure === true).length
}

/** The store's input for origin credentials; the pool fields map as `etlp import origin` maps them. */
export function storeCredentialInput(credentials: CredentialsBody['credentials']): CredentialInput {
  return {
    name: credentials.name,
    user: credentials.user,
    host: credentials.host,
    port: credentials.port,
    database: credentials.database,
    password: credentials.password ?? null,
    pool: originCredentialPool(credentials.pool_max_size, credentials.pool_timeout_s),
  }
}

/**
 * Checks a translated body with the store's own schema before the store is called, so
 * that its issues can be told from the store's other validation errors (a missing master
 * key) and are answered at their place in the request: `name` → `body.context.name`.
 * The store's field names are kept; `user`, `host`, `port` and `database` read the same
 * in both, `pool.*` stands for the origin's pool fields.
 */
export function checkedInput<S extends z.ZodType>(schema: S, input: unknown, under: string): void {
  try {
    parseOrThrow(schema, input, under)
  } catch (error) {
    if (error instanceof ValidationError) throw originValidationError(error, 'body')
    throw error
  }
}
