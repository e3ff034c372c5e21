import { z } from 'zod'
import { environmentSchema, type Credential } from './credential-schema.js'

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
export interface Context {
  readonly id: string
  readonly name: string
  readonly environment: z.output<typeof environmentSchema>
  readonly parameters: Readonly<Record<string, ContextParameter>>
  readonly credentials: Readonly<Partial<Record<z.output<typeof environmentSchema>, { id: string; name: string }>>>
  readonly created_at: Date
  readonly updated_at: Date
}

/** What a pipeline needs to run in one environment. */
export interface ResolvedContext {
  readonly context: string
  readonly environment: z.output<typeof environmentSchema>
  /** key → value; secure values masked unless `reveal` was asked. */
  readonly parameters: Readonly<Record<string, unknown>>
  /** The environment's credentials, with the password revealed only on request. */
  readonly credentials: (Omit<Credential, 'password'> & { password: string | null }) | null
}
