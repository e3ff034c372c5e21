import { column, declareTable } from '../db/table-declaration.js'

export const migrationsTable = declareTable('migrations', {
  name: column.string(),
  checksum: column.string(),
  applied_at: column.timestamp(),
  duration_ms: column.integer(),
})

export const modelDefinitionsTable = declareTable('model_definitions', {
  model: column.string(),
  version: column.integer(),
  table_name: column.string(),
  checksum: column.string(),
  definition: column.json().orNull(),
  statements: column.json(),
  applied_at: column.timestamp(),
})

export const storeInfoTable = declareTable('store_info', {
  key: column.string(),
  value: column.string(),
  updated_at: column.timestamp(),
})
