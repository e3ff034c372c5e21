import type { z } from 'zod'
import type { ComponentTypeDefinition, PortSpec } from './component-type-registry.js'

// The ports the origin's built-in types declare, and the two shapes most of them share.

/** A reader's one output, which must be routed. */
export const READER_OUTPUTS: readonly PortSpec[] = [{ name: 'out', required: true, fanout: 'many' }]
/** A writer's input, and the passthrough of what it wrote (routing it is optional). */
export const WRITER_INPUTS: readonly PortSpec[] = [{ name: 'in', required: true, fanin: 'many' }]
export const WRITER_OUTPUTS: readonly PortSpec[] = [{ name: 'out', required: false, fanout: 'many' }]
/** A transform's input and output (aggregation, type conversion). */
export const TRANSFORM_INPUTS = WRITER_INPUTS
export const TRANSFORM_OUTPUTS: readonly PortSpec[] = [{ name: 'out', required: true, fanout: 'many' }]
export const NO_PORTS: readonly PortSpec[] = []

type Extra = Pick<ComponentTypeDefinition, 'description' | 'check'>

/** A source: no inputs, a required `out`. */
export function reader(comp_type: string, payload: z.ZodType<Record<string, unknown>>, extra: Extra = {}): ComponentTypeDefinition {
  return { comp_type, inputs: NO_PORTS, outputs: READER_OUTPUTS, allowNoInputs: true, payload, ...extra }
}

/** A sink: a required `in`, an optional passthrough `out`. */
export function writer(comp_type: string, payload: z.ZodType<Record<string, unknown>>, extra: Extra = {}): ComponentTypeDefinition {
  return { comp_type, inputs: WRITER_INPUTS, outputs: WRITER_OUTPUTS, payload, ...extra }
}
