import { z } from 'zod'
import { principalSchema } from './access-policy.js'

/** What `store.tokens.create` takes: who the token stands for, and a name to recognise it by. */
export const apiTokenInputSchema = z.strictObject({
  principal: principalSchema,
  /** Shown by `etlp tokens list`; defaults to the principal's id. */
  name: z.string().min(1).max(200).optional(),
})

/** A token as `get` and `list` return it: never the token itself, which is not stored. */
export const apiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  principal: principalSchema,
  created_at: z.date(),
  /** Within the last hour of its actual last use: written at most once an hour. */
  last_used_at: z.date().nullable(),
  revoked_at: z.date().nullable(),
})

/** What `create` returns: the token in clear, this once, beside its stored description. */
export const createdApiTokenSchema = apiTokenSchema.extend({ token: z.string() })

export type ApiTokenInput = z.input<typeof apiTokenInputSchema>
export type ApiToken = z.output<typeof apiTokenSchema>
export type CreatedApiToken = z.output<typeof createdApiTokenSchema>
