import { z } from 'zod'
import { defaultComponentTypes } from './builtin-component-types.js'
import { declaredPorts, type ComponentTypeRegistry } from './component-type-registry.js'
import { componentCommonSchema, jobHeaderSchema } from './job-config-schema.js'

/**
 * JSON Schemas of the job config for UIs that draw their forms from them (as a GUI
 * built for the origin does). Each component type is a schema of its own: the common
 * keys, the type's fields with their defaults, enum values and descriptions, the type
 * as a `const` of `comp_type`, and its declared ports under `x-ports`.
 */
type JsonSchema = Record<string, unknown>

const OPTIONS = { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' } as const

/**
 * The whole job config: its own fields, and `components` as one of the registered
 * types (`anyOf`, told apart by `comp_type`).
 *
 * @example
 * const schema = jobConfigJsonSchema()
 * schema.properties.components.items.anyOf.map((type) => type.properties.comp_type.const)
 */
export function jobConfigJsonSchema(registry: ComponentTypeRegistry = defaultComponentTypes): JsonSchema {
  const types = registry.names().map((name) => componentSchema(registry, name))
  const [first, second, ...others] = types
  const component = first === undefined ? componentCommonSchema : second === undefined ? first : z.union([first, second, ...others])
  return z.toJSONSchema(jobHeaderSchema.extend({ components: z.array(component).nullable().default([]) }), OPTIONS) as JsonSchema
}

/** The fields of one component type alone (without the keys every component has); `undefined` for an unknown type. */
export function payloadJsonSchema(compType: string, registry: ComponentTypeRegistry = defaultComponentTypes): JsonSchema | undefined {
  return registry.payloadJsonSchema(compType)
}

/** A type's component: the common keys, its own fields, `comp_type` fixed to its name. */
function componentSchema(registry: ComponentTypeRegistry, compType: string): z.ZodType {
  const type = registry.get(compType)
  if (!type) throw new Error(`unknown component type ${compType}`)
  const meta = { title: compType, ...(type.description ? { description: type.description } : {}), ...declaredPorts(type) }
  const common = componentCommonSchema.extend({ comp_type: z.literal(compType) })
  const def = (type.payload as unknown as { _zod: { def: { type: string } } })._zod.def
  if (def.type === 'object') return common.extend((type.payload as z.ZodObject).shape).meta(meta)
  return z.intersection(common, type.payload).meta(meta)
}
