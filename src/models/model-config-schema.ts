import { z } from 'zod'

/** The field types of the seed's model configuration. */
export const FIELD_TYPES = ['integer', 'bigint', 'float', 'decimal', 'string', 'text', 'boolean', 'date', 'datetime', 'uuid', 'json'] as const
export type FieldType = (typeof FIELD_TYPES)[number]

export const ON_DELETE_ACTIONS = ['cascade', 'set_null', 'restrict', 'no_action'] as const
export type OnDeleteAction = (typeof ON_DELETE_ACTIONS)[number]

/** Plain identifiers only: nothing a user writes is ever quoted by hand. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/
/** PostgreSQL truncates identifiers at 63 bytes, MySQL refuses more than 64. */
export const MAX_IDENTIFIER_LENGTH = 55

const identifier = z
  .string()
  .max(MAX_IDENTIFIER_LENGTH, `At most ${MAX_IDENTIFIER_LENGTH} characters`)
  .regex(IDENTIFIER, 'Must be a plain identifier: letters, digits and _ (not starting with a digit)')

const referenceSchema = z.strictObject({
  /** A declared model, or a core model (`job`, `component`, `execution`, …). */
  model: identifier,
  /** Refer to the core model even when a declared model has the same name. */
  core: z.boolean().optional(),
  on_delete: z.enum(ON_DELETE_ACTIONS).optional(),
})

const defaultValue = z.union([z.string().max(255), z.number().finite(), z.boolean()])

export const fieldSchema = z.strictObject({
  name: identifier,
  type: z.enum(FIELD_TYPES),
  primary_key: z.boolean().optional(),
  nullable: z.boolean().optional(),
  unique: z.boolean().optional(),
  index: z.boolean().optional(),
  default: defaultValue.optional(),
  /** `string` only: the most characters (default 255). */
  max_length: z.int().min(1).max(4000).optional(),
  /** `decimal` only: total digits (default 18) and digits after the point (default 6). */
  precision: z.int().min(1).max(38).optional(),
  scale: z.int().min(0).max(30).optional(),
  references: referenceSchema.optional(),
  description: z.string().max(1000).optional(),
})

const indexSchema = z.strictObject({
  fields: z.array(identifier).min(1).max(8),
  unique: z.boolean().optional(),
})

export const modelSchema = z.strictObject({
  table_name: identifier.optional(),
  description: z.string().max(1000).optional(),
  fields: z.array(fieldSchema).min(1).max(200),
  /** Composite indexes. */
  indexes: z.array(indexSchema).max(32).optional(),
  /** Composite unique sets: each a list of field names. */
  unique: z.array(z.array(identifier).min(1).max(8)).max(32).optional(),
})

export const modelConfigSchema = z.strictObject({
  models: z.record(z.string(), modelSchema),
})

export type FieldConfig = z.infer<typeof fieldSchema>
export type ModelConfigEntry = z.infer<typeof modelSchema>
export type ModelConfig = z.infer<typeof modelConfigSchema>
/** The model configuration as users write it (the seed's JSON shape). */
export type ModelConfigInput = z.input<typeof modelConfigSchema>
