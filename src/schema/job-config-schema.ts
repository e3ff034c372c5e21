import { z } from 'zod'

const portName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,99}$/, 'A port name is an identifier of at most 100 characters')

/** A route target: a component name, or `{to, in_port}` (`in_port` optional when the target has one input). */
export const routeTargetSchema = z.union([
  z.string().min(1).max(200),
  z.strictObject({ to: z.string().min(1).max(200), in_port: portName.optional() }),
])

export const layoutSchema = z.strictObject({ x_coord: z.number(), y_coord: z.number() })

export const metadataSchema = z.looseObject({
  timestamp: z.string().optional(),
  user_id: z.union([z.string(), z.number()]).optional(),
})

/**
 * The keys every component has; the rest of a component object is its type's payload,
 * checked against the type's schema by graph validation.
 */
export const componentCommonSchema = z.looseObject({
  comp_type: z.string().min(1).max(100),
  name: z.string().min(1).max(200),
  description: z.string().max(10_000).optional(),
  routes: z.record(portName, z.array(routeTargetSchema).max(1000)).optional(),
  layout: layoutSchema.optional(),
  metadata: metadataSchema.optional(),
  in_port_schemas: z.record(portName, z.unknown()).optional(),
  out_port_schemas: z.record(portName, z.unknown()).optional(),
  extra_input_ports: z.array(portName).max(100).optional(),
  extra_output_ports: z.array(portName).max(100).optional(),
})

export const COMMON_COMPONENT_KEYS: readonly string[] = Object.keys(componentCommonSchema.shape)

export const STRATEGY_TYPES = ['row', 'bulk', 'bigdata'] as const

/** A job config in the origin's JSON format (DESIGN §2). */
export const jobConfigSchema = z.strictObject({
  name: z.string().min(1).max(200),
  description: z.string().max(10_000).optional(),
  strategy_type: z.enum(STRATEGY_TYPES).default('row'),
  num_of_retries: z.int().min(0).max(1000).default(0),
  file_logging: z.boolean().default(false),
  tags: z.array(z.string().min(1).max(100)).max(100).optional(),
  metadata: metadataSchema.optional(),
  components: z.array(componentCommonSchema).max(20_000),
})

/** A job config as users write it. */
export type JobConfig = z.input<typeof jobConfigSchema>
/** A job config after parsing (defaults filled in). */
export type ParsedJobConfig = z.output<typeof jobConfigSchema>
export type ComponentConfig = z.output<typeof componentCommonSchema>
export type RouteTarget = z.output<typeof routeTargetSchema>

/** The job config's JSON Schema, for UIs that build forms from it. */
export function jobConfigJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(jobConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
}
