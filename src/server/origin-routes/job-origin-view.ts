import { z } from 'zod'
import type { JobHeader } from '../../repositories/job-rows.js'
import { jobHeaderSchema } from '../../schema/job-config-schema.js'
import type { Store } from '../../store.js'
import { everyItem } from './list-pages.js'

/**
 * A job as the origin's `GET /jobs/{id}` and `GET /jobs/` answer it. The config is the
 * one `store.jobs.export` gives (what `etlp jobs export` writes, which the origin's job
 * files round-trip through), with the job's own fields the origin always dumps filled
 * in from their defaults, and this store's id as `id`.
 */

/** The job-level `metadata_` the origin dumps: when the job was made, and by which user. */
const originMetadataSchema = z.looseObject({ timestamp: z.string().optional(), user_id: z.number().nullable().optional() })

/** One entry of `GET /jobs/`: the job without its components (the origin's `list_jobs_brief`). */
export const originJobBriefSchema = z
  .looseObject({
    id: z.string(),
    name: z.string(),
    num_of_retries: z.number(),
    file_logging: z.boolean(),
    strategy_type: z.string(),
    metadata_: originMetadataSchema,
  })
  .describe('A job without its components')

/** The body of `GET /jobs/{id}`: the brief fields, the config's other keys, and `components` as saved. */
export const originJobSchema = originJobBriefSchema
  .extend({ components: z.array(z.looseObject({})) })
  .describe("A job config in the origin's format, with `id`")

export type OriginJobBrief = z.infer<typeof originJobBriefSchema>
export type OriginJob = z.infer<typeof originJobSchema>

/**
 * The job as the origin dumps it: the exported config, its top-level defaults (name,
 * strategy, retries, logging, `components: []`) filled in, `metadata_` the config's or
 * the creation time, `id` this store's (an imported file's own `id` is replaced).
 * Components are as saved: the origin's dump fills every component default in too.
 */
export async function originJob(store: Store, id: string): Promise<OriginJob> {
  const [header, config] = await Promise.all([store.jobs.get(id), store.jobs.export(id)])
  // The export is a config the store validated, so it parses; the parse fills the defaults.
  const parsed = jobHeaderSchema.parse(config)
  const { components: _components, metadata_: metadata, id: _originId, ...rest } = config
  return {
    ...topLevelFields(parsed),
    ...rest,
    components: (parsed.components ?? []) as Record<string, unknown>[],
    metadata_: (metadata as OriginJob['metadata_'] | undefined) ?? creationMetadata(header),
    id: header.id,
  }
}

/**
 * Every job, oldest first, as `GET /jobs/` lists them: the origin answers the whole list
 * in one response, so this pages through the store until the end. `metadata_` is the
 * creation time: a config's own `metadata_` (its `user_id`) is only in `GET /jobs/{id}`.
 */
export async function originJobList(store: Store): Promise<OriginJobBrief[]> {
  const jobs = await everyItem((page) => store.jobs.list({ ...page, order_by: 'created_at' }))
  return jobs.map((job) => ({ ...topLevelFields(job), metadata_: creationMetadata(job), id: job.id }))
}

/** The origin's `JobBase` fields, in its order. */
function topLevelFields(job: Pick<JobHeader, 'name' | 'num_of_retries' | 'file_logging' | 'strategy_type'>) {
  return { name: job.name, num_of_retries: job.num_of_retries, file_logging: job.file_logging, strategy_type: job.strategy_type }
}

/** What the origin records for a job made without `metadata_`: its creation time. */
function creationMetadata(job: Pick<JobHeader, 'created_at'>): { timestamp: string } {
  return { timestamp: job.created_at.toISOString() }
}
