import { z } from 'zod'
import { jobHeaderSchema } from '../../schema/job-config-schema.js'
import { formSchema } from './config-form-schema.js'

/**
 * The job form of the origin's GUI (`GET /configs/job`): the job's own fields, in the
 * origin's order (name, strategy, retries, logging, then this product's description and
 * tags), reshaped for the form. Components have forms of their own
 * (`/configs/{comp_type}/form`); `id` and `metadata_` are set by the system, not typed in.
 * Definitions stay under `$defs`, referred to, as the origin keeps them.
 */
const jobFormFields = jobHeaderSchema.omit({ id: true, components: true, metadata_: true, metadata: true })

const FIELD_ORDER = ['name', 'strategy_type', 'num_of_retries', 'file_logging'] as const

// A registry of this document's own: descriptions for the form and `StrategyType` as a
// definition, without marking the library's schemas in the global registry.
const jobFormMetadata = z.registry<{ id?: string; description?: string }>()
jobFormMetadata.add(jobHeaderSchema.shape.strategy_type.unwrap(), {
  id: 'StrategyType',
  description: 'How the job moves rows: one at a time, in bulk frames, or partitioned',
})
jobFormMetadata.add(jobHeaderSchema.shape.name, { description: "The job's display name" })
jobFormMetadata.add(jobHeaderSchema.shape.num_of_retries, { description: 'How many times a failed run is tried again' })
jobFormMetadata.add(jobHeaderSchema.shape.file_logging, { description: 'Whether the job also logs to a file' })
jobFormMetadata.add(jobHeaderSchema.shape.description, { description: 'What the job is for' })
jobFormMetadata.add(jobHeaderSchema.shape.tags, { description: 'Labels to find the job by' })

let jobForm: Record<string, unknown> | undefined

/** The job form schema, built once: it depends on no registered component type. */
export function jobFormSchema(): Record<string, unknown> {
  if (jobForm === undefined) {
    // The form is no longer JSON Schema (its properties are a list): it claims no dialect.
    const { $schema: _dialect, ...schema } = z.toJSONSchema(jobFormFields, { io: 'input', target: 'draft-2020-12', metadata: jobFormMetadata }) as Record<
      string,
      unknown
    >
    jobForm = formSchema(ordered(schema))
  }
  return jobForm
}

/** Marks the origin's fields with their `order`, which the form reshaping sorts by. */
function ordered(schema: Record<string, unknown>): Record<string, unknown> {
  const properties = { ...(schema.properties as Record<string, Record<string, unknown>>) }
  FIELD_ORDER.forEach((name, index) => {
    if (properties[name]) properties[name] = { ...properties[name], order: index + 1 }
  })
  return { ...schema, properties }
}
