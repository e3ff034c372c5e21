import { z } from 'zod'
import { STRATEGY_TYPES } from './job-config-schema.js'

/**
 * A job as the store returns it (`store.jobs`): the header, the current graph's
 * components and links, and the saved versions. The config users write is
 * job-config-schema.ts; how each is stored is src/tables/job-tables.ts. The types below
 * are inferred from these schemas, and the repository's decoders are checked against them.
 */

/** A job's header, as `get`, `getByName` and `list` return it. */
export const storedJobSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    strategy_type: z.enum(STRATEGY_TYPES),
    num_of_retries: z.number(),
    file_logging: z.boolean(),
    tags: z.array(z.string()).readonly(),
    current_version: z.number(),
    content_hash: z.string().describe("SHA-256 (hex) of the current version's canonical config"),
    component_count: z.number(),
    created_at: z.date(),
    updated_at: z.date(),
    created_by: z.string().nullable(),
    updated_by: z.string().nullable(),
  })
  .readonly()

const jsonObject = z.record(z.string(), z.unknown())

export const storedComponentSchema = z
  .object({
    id: z.string(),
    job_id: z.string(),
    name: z.string(),
    comp_type: z.string(),
    position: z.number().describe("Its place in the config's `components` array"),
    description: z.string().nullable(),
    payload: jsonObject.readonly().describe("The type's own fields (and port schemas / extra ports), as given in the config"),
    layout: z.object({ x_coord: z.number(), y_coord: z.number() }).readonly().nullable(),
    metadata: jsonObject.readonly().nullable(),
  })
  .readonly()

/** `src.out_port → dst.in_port`; `position` orders the links leaving one port. */
export const componentLinkSchema = z
  .object({
    src: z.string(),
    src_component_id: z.string(),
    out_port: z.string(),
    position: z.number(),
    dst: z.string(),
    dst_component_id: z.string(),
    in_port: z.string(),
  })
  .readonly()

export const jobVersionSummarySchema = z
  .object({
    version: z.number(),
    content_hash: z.string(),
    created_at: z.date(),
    created_by: z.string().nullable(),
  })
  .readonly()

export const jobVersionSchema = z
  .object({
    job_id: z.string(),
    ...jobVersionSummarySchema.unwrap().shape,
    config: jsonObject.describe('The config exactly as saved (canonical JSON: keys sorted)'),
  })
  .readonly()

export type JobHeader = z.output<typeof storedJobSchema>
export type Component = z.output<typeof storedComponentSchema>
export type ComponentLink = z.output<typeof componentLinkSchema>
export type JobVersionSummary = z.output<typeof jobVersionSummarySchema>
export type JobVersion = z.output<typeof jobVersionSchema>
