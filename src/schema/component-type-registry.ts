import { z } from 'zod'
import { ValidationError } from '../errors.js'

export type Fan = 'one' | 'many'

/** One input or output port of a component type. */
export interface PortSpec {
  readonly name: string
  /** Must be wired for the job to be valid. */
  readonly required?: boolean
  /** Inputs: how many links may arrive (`one` by default). Outputs: ignored. */
  readonly fanin?: Fan
  /** Outputs: how many links may leave (`many` by default). Inputs: ignored. */
  readonly fanout?: Fan
}

/** Ports may depend on the component's payload (a split's outputs come from its config). */
export type PortList = readonly PortSpec[] | ((payload: Record<string, unknown>) => readonly PortSpec[])

/**
 * A component type: its ports, whether it may stand without inputs (sources), and the
 * Zod schema of its own payload fields (everything but the common keys: `name`,
 * `comp_type`, `routes`, `layout`, ...).
 */
export interface ComponentTypeDefinition {
  readonly comp_type: string
  readonly description?: string
  readonly inputs: PortList
  readonly outputs: PortList
  readonly allowNoInputs?: boolean
  readonly payload: z.ZodType<Record<string, unknown>>
}

/**
 * The component types a store knows. `defaultComponentTypes` holds the built-in
 * ones; `registerComponentType()` adds a user's own to it.
 */
export class ComponentTypeRegistry {
  readonly #types = new Map<string, ComponentTypeDefinition>()

  constructor(definitions: readonly ComponentTypeDefinition[] = []) {
    for (const definition of definitions) this.register(definition)
  }

  register(definition: ComponentTypeDefinition): this {
    if (!/^[a-z][a-z0-9_]{0,99}$/.test(definition.comp_type)) {
      throw new ValidationError([{ path: 'comp_type', message: 'A component type is a lower-case identifier of at most 100 characters' }])
    }
    this.#types.set(definition.comp_type, definition)
    return this
  }

  get(compType: string): ComponentTypeDefinition | undefined {
    return this.#types.get(compType)
  }

  has(compType: string): boolean {
    return this.#types.has(compType)
  }

  names(): string[] {
    return [...this.#types.keys()].sort()
  }

  /** The JSON Schema of a type's payload fields, for UIs that build forms from it. */
  payloadJsonSchema(compType: string): Record<string, unknown> | undefined {
    const type = this.#types.get(compType)
    return type && (z.toJSONSchema(type.payload, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>)
  }
}

export function portsOf(list: PortList, payload: Record<string, unknown>): readonly PortSpec[] {
  return typeof list === 'function' ? list(payload) : list
}
