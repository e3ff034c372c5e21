import { z } from 'zod'
import { credentialSchema, environmentSchema } from './credential-schema.js'

/** A context parameter in the origin's shape; secure values are stored only encrypted. */
export const contextParameterSchema = z.strictObject({
  value: z.json(),
  is_secure: z.boolean().default(false),
})

/** A context as given to `upsert`: parameters and credentials replace the stored ones. */
export const contextInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  environment: environmentSchema,
  parameters: z.record(z.string().min(1).max(200), contextParameterSchema).default({}),
  /** environment → credentials id or name. */
  credentials: z.partialRecord(environmentSchema, z.string().min(1).max(200)).default({}),
})

export type ContextInput = z.input<typeof contextInputSchema>
export type ContextParameter = z.output<typeof contextParameterSchema>

/** A context as returned by `get` and `list`: secure values masked. */
export const contextSchema = z.object({
  id: z.string(),
  name: z.string(),
  environment: environmentSchema,
  parameters: z.record(z.string(), z.object({ value: z.json(), is_secure: z.boolean() })),
  /** environment → the credentials used there. */
  credentials: z.partialRecord(environmentSchema, z.object({ id: z.string(), name: z.string() })),
  created_at: z.date(),
  updated_at: z.date(),
})
export type Context = z.output<typeof contextSchema>

/** What a pipeline needs to run in one environment. */
export const resolvedContextSchema = z.object({
  context: z.string(),
  environment: environmentSchema,
  /** key → value; secure values masked unless `reveal` was asked. */
  parameters: z.record(z.string(), z.unknown()),
  /** The environment's credentials, with the password in clear only when revealed. */
  credentials: credentialSchema.extend({ password: z.string().nullable() }).nullable(),
})
export type ResolvedContext = z.output<typeof resolvedContextSchema>
