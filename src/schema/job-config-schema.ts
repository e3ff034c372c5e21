import { z } from 'zod'
import { inPortSpecSchema, outPortSpecSchema, portNameSchema, portSchemaSchema } from './port-schemas.js'

/**
 * The job config in the origin's JSON format (its `JobConfig` and the fields every
 * `Component` has). Each component type adds its own fields (component-type-registry.ts);
 * graph validation checks both. Keys the origin does not know are accepted and kept
 * (it ignores them too) and come back as warnings: see unknown-keys.ts.
 */

/**
 * Not empty once trimmed, as the origin refuses blank names. The name is kept as given
 * (the origin trims it): `"orders"` and `"orders "` are two names here.
 */
const named = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => value.trim() !== '', 'A name may not be empty or blank')

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?)?)?(?:Z|[+-](\d{2})(?::?(\d{2}))?)?$/

/** An ISO 8601 date-time as Python's `datetime.fromisoformat` reads it (a date alone too). */
const isoDateTime = z.string().refine((value) => {
  const match = ISO_DATE_TIME.exec(value)
  if (!match) return false
  const [, year, month, day, hour = '0', minute = '0', second = '0', offsetHours = '0', offsetMinutes = '0'] = match
  const days = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate()
  return (
    Number(month) >= 1 &&
    Number(month) <= 12 &&
    Number(day) >= 1 &&
    Number(day) <= days &&
    Number(hour) < 24 &&
    Number(minute) < 60 &&
    Number(second) < 60 &&
    Number(offsetHours) < 24 &&
    Number(offsetMinutes) < 60
  )
}, 'Expected an ISO 8601 date-time, e.g. 2024-05-01T08:00:00Z')

/** A route target: a component name, or `{to, in_port}` (`in_port` may be left out or null when the target has one input). */
export const routeTargetSchema = z.union([
  z.string().min(1).max(200),
  z.object({ to: z.string().min(1).max(200), in_port: portNameSchema.nullable().optional() }),
])

/**
 * A component's place in the UI, in whole units (0 by default). The origin names the
 * fields `x_coordinate` / `y_coordinate` and reads them as `x_coord` / `y_coord`; both
 * are accepted, and the short name wins when a config has both.
 */
export const layoutSchema = z.object({
  x_coord: z.int().optional(),
  y_coord: z.int().optional(),
  x_coordinate: z.int().optional(),
  y_coordinate: z.int().optional(),
})

/** The origin's `metadata_` of a component: when and by whom it was made. */
export const componentMetadataSchema = z.object({
  timestamp: isoDateTime.optional(),
  user_id: z.int().min(0).nullable().optional(),
})

/** The origin's `metadata_` of a job (any integer user id). */
export const jobMetadataSchema = z.object({
  timestamp: isoDateTime.optional(),
  user_id: z.int().nullable().optional(),
})

/** This product's free-form `metadata` (kept as given, stored with the job or component). */
export const metadataSchema = z.looseObject({
  timestamp: z.string().optional(),
  user_id: z.union([z.string(), z.number()]).optional(),
})

/**
 * The keys every component has; the rest of a component object is its type's own
 * fields, checked against the type's schema by graph validation.
 */
export const componentCommonSchema = z.object({
  comp_type: named(100),
  name: named(200),
  description: z.string().max(10_000).optional(),
  /** The id of a context; database components resolve their credentials through it. */
  context_id: z.string().max(200).nullable().optional(),
  /** out port → targets, in the order the links leave the port. */
  routes: z.record(portNameSchema, z.array(routeTargetSchema).max(1000)).optional(),
  in_port_schemas: z.record(portNameSchema, portSchemaSchema).optional(),
  out_port_schemas: z.record(portNameSchema, portSchemaSchema).optional(),
  /** Ports added to the type's own (a config's ports win over the type's of the same name). */
  extra_input_ports: z.array(inPortSpecSchema).max(100).nullable().optional(),
  extra_output_ports: z.array(outPortSpecSchema).max(100).nullable().optional(),
  layout: layoutSchema.optional(),
  metadata_: componentMetadataSchema.optional(),
  metadata: metadataSchema.optional(),
})

export const COMMON_COMPONENT_KEYS: readonly string[] = Object.keys(componentCommonSchema.shape)

export const STRATEGY_TYPES = ['row', 'bulk', 'bigdata'] as const

export const MAX_COMPONENTS = 20_000

/** The name of a job config that gives none (the origin's default). */
export const DEFAULT_JOB_NAME = 'default_job_name'

const jobFields = {
  /** The origin's job id (its `GET /jobs/{id}` gives it): kept with the config, not used as this store's id. */
  id: z.string().min(1).max(200).optional(),
  name: named(200).default(DEFAULT_JOB_NAME),
  description: z.string().max(10_000).optional(),
  strategy_type: z.enum(STRATEGY_TYPES).default('row'),
  num_of_retries: z.int().min(0).max(1000).default(0),
  file_logging: z.boolean().default(false),
  tags: z.array(z.string().min(1).max(100)).max(100).optional(),
  metadata_: jobMetadataSchema.optional(),
  metadata: metadataSchema.optional(),
}

/** A job config: its own fields, and components with the keys every component has (the rest kept as given). */
export const jobConfigSchema = z.object({
  ...jobFields,
  components: z.array(componentCommonSchema.loose()).max(MAX_COMPONENTS).nullable().default([]),
})

/**
 * The job's own fields, components left for graph validation to check one by one, so
 * that one bad component does not hide the problems of the others. @internal
 */
export const jobHeaderSchema = z.object({
  ...jobFields,
  components: z.array(z.unknown()).max(MAX_COMPONENTS).nullable().default([]),
})

/** A job config as users write it. */
export type JobConfig = z.input<typeof jobConfigSchema>
/** A job config's own fields after parsing (defaults filled in). */
export type ParsedJobConfig = z.output<typeof jobHeaderSchema>
/** The keys every component has, after parsing. */
export type ComponentConfig = z.output<typeof componentCommonSchema>
export type RouteTarget = z.output<typeof routeTargetSchema>
export type Layout = z.output<typeof layoutSchema>
