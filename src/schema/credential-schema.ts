import { z } from 'zod'
import { ENVIRONMENTS, type Environment } from '../config/access-control-config.js'

/** What a secret looks like wherever it is shown instead of its value. */
export const MASKED_SECRET = '********'

export const environmentSchema = z.enum(ENVIRONMENTS)
export type { Environment }

/** Pool settings of a credential, in the seed's database JSON shape. */
export const credentialPoolSchema = z.strictObject({
  pool_size: z.int().min(1).max(1000).optional(),
  max_overflow: z.int().min(0).max(1000).optional(),
  pool_timeout: z.number().positive().max(3600).optional(),
  pool_recycle: z.number().positive().optional(),
})

const name = z.string().trim().min(1).max(200)

/** Credentials as given to `create`: the password is plaintext here and only here. */
export const credentialInputSchema = z.strictObject({
  name,
  user: z.string().max(200).nullish(),
  host: z.string().max(255).nullish(),
  port: z.int().min(1).max(65_535).nullish(),
  database: z.string().max(200).nullish(),
  pool: credentialPoolSchema.nullish(),
  password: z.string().max(4096).nullish(),
})

/** A partial update: a `password` of `null` removes it, leaving it out keeps it. */
export const credentialPatchSchema = credentialInputSchema.partial()

/** Credentials as returned by `get` and `list`: the password masked. */
export const credentialSchema = z.object({
  id: z.string(),
  name: z.string(),
  user: z.string().nullable(),
  host: z.string().nullable(),
  port: z.number().nullable(),
  database: z.string().nullable(),
  pool: credentialPoolSchema.nullable(),
  /** `********` when a password is stored, else null. */
  password: z.literal(MASKED_SECRET).nullable(),
  created_at: z.date(),
  updated_at: z.date(),
})

export type CredentialInput = z.input<typeof credentialInputSchema>
export type CredentialPatch = z.input<typeof credentialPatchSchema>
export type Credential = z.output<typeof credentialSchema>
