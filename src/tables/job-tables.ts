import { column, declareTable } from '../db/table-declaration.js'
import { STRATEGY_TYPES } from '../schema/job-config-schema.js'

export const componentLinksTable = declareTable('component_links', {
  job_id: column.string(),
  src_component_id: column.string(),
  out_port: column.string(),
  position: column.integer(),
  dst_component_id: column.string(),
  in_port: column.string(),
})

export const componentsTable = declareTable('components', {
  id: column.string(),
  job_id: column.string(),
  name: column.string(),
  comp_type: column.string(),
  position: column.integer(),
  description: column.string().orNull(),
  /** The type's own fields (and port schemas / extra ports), as given in the config. */
  payload: column.json<Record<string, unknown>>(),
  x_coord: column.number().orNull(),
  y_coord: column.number().orNull(),
  metadata: column.json<Record<string, unknown>>().orNull(),
})

export const jobVersionsTable = declareTable('job_versions', {
  job_id: column.string(),
  version: column.integer(),
  content_hash: column.string(),
  /** The config exactly as saved (canonical JSON: keys sorted). */
  config: column.json<Record<string, unknown>>(),
  created_at: column.timestamp(),
  created_by: column.string().orNull(),
})

export const jobsTable = declareTable('jobs', {
  id: column.string(),
  name: column.string(),
  description: column.string().orNull(),
  strategy_type: column.enum(STRATEGY_TYPES),
  num_of_retries: column.integer(),
  file_logging: column.boolean(),
  tags: column.json<string[]>().orNull(),
  current_version: column.integer(),
  content_hash: column.string(),
  component_count: column.integer(),
  created_at: column.timestamp(),
  updated_at: column.timestamp(),
  created_by: column.string().orNull(),
  updated_by: column.string().orNull(),
})
