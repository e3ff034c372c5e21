import type { z } from 'zod'
import { column, declareTable } from '../db/table-declaration.js'
import { triggerTypeSchema } from '../schedules/trigger-schema.js'
import { environmentSchema, type credentialPoolSchema } from '../schema/credential-schema.js'

export const contextCredentialsTable = declareTable('context_credentials', {
  context_id: column.string(),
  environment: column.enum(environmentSchema.options),
  credential_id: column.string(),
})

export const contextParametersTable = declareTable('context_parameters', {
  id: column.string(),
  context_id: column.string(),
  param_key: column.string(),
  position: column.integer(),
  is_secure: column.boolean(),
  value: column.json().orNull(),
  value_ciphertext: column.string().orNull(),
  value_key_id: column.string().orNull(),
})

export const contextsTable = declareTable('contexts', {
  id: column.string(),
  name: column.string(),
  environment: column.enum(environmentSchema.options),
  created_at: column.timestamp(),
  updated_at: column.timestamp(),
})

export const credentialsTable = declareTable('credentials', {
  id: column.string(),
  name: column.string(),
  username: column.string().orNull(),
  host: column.string().orNull(),
  port: column.integer().orNull(),
  database_name: column.string().orNull(),
  pool: column.json<z.output<typeof credentialPoolSchema>>().orNull(),
  password_ciphertext: column.string().orNull(),
  password_key_id: column.string().orNull(),
  created_at: column.timestamp(),
  updated_at: column.timestamp(),
})

export const schedulesTable = declareTable('schedules', {
  id: column.string(),
  name: column.string(),
  job_id: column.string(),
  environment: column.enum(environmentSchema.options),
  trigger_type: column.enum(triggerTypeSchema.options),
  trigger: column.json(),
  paused: column.boolean(),
  next_fire_at: column.timestamp().orNull(),
  next_occurrence_at: column.timestamp().orNull(),
  last_fired_at: column.timestamp().orNull(),
  created_at: column.timestamp(),
  updated_at: column.timestamp(),
})
