import { z } from 'zod'
import { ValidationError, type ValidationIssue } from '../errors.js'
import type { ComponentConfig } from './job-config-schema.js'

export type Fan = 'one' | 'many'

/** One input or output port of a component type (the origin's `InPortSpec` / `OutPortSpec`). */
export interface PortSpec {
  readonly name: string
  /** Must be wired for the job to be valid. */
  readonly required?: boolean
  /** Inputs: `one` takes exactly one link, `many` (the default) any number. Outputs: ignored. */
  readonly fanin?: Fan
  /** Outputs: `one` allows at most one link, `many` (the default) any number. Inputs: ignored. */
  readonly fanout?: Fan
}

/** Ports may depend on the component's payload (a split's outputs come from its config). */
export type PortList = readonly PortSpec[] | ((payload: Record<string, unknown>) => readonly PortSpec[])

/** A component as a type's `check` sees it: parsed, with its ports (the type's and the config's extra ones). */
export interface ComponentView {
  /** The keys every component has. */
  readonly config: ComponentConfig
  /** The type's own fields, parsed (defaults filled in). */
  readonly payload: Record<string, unknown>
  readonly inputs: ReadonlyMap<string, PortSpec>
  readonly outputs: ReadonlyMap<string, PortSpec>
}

/**
 * A component type: its ports, whether it may stand without inputs (sources), the Zod
 * schema of its own fields (everything but the common keys: `name`, `comp_type`,
 * `routes`, `layout`, ...), and the rules that span fields. A config may add ports
 * (`extra_input_ports` / `extra_output_ports`); a type without inputs of its own then
 * needs some unless it is a source.
 */
export interface ComponentTypeDefinition {
  readonly comp_type: string
  readonly description?: string
  readonly inputs: PortList
  readonly outputs: PortList
  /** A source: may have no input ports, and nothing may be routed to it. */
  readonly allowNoInputs?: boolean
  /**
   * The type's own fields. Keys it does not declare are kept and reported as warnings
   * (or refused with `jobs.strict`), unless the schema is strict or loose itself.
   */
  readonly payload: z.ZodType<Record<string, unknown>>
  /**
   * Rules across fields and ports (a join plan's ports, a writer's operation): the
   * problems found, with paths inside the component (`join_plan.steps[0].left_port`).
   */
  readonly check?: (component: ComponentView) => readonly ValidationIssue[]
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

  /**
   * The JSON Schema of a type's own fields (without the keys every component has), for
   * UIs that build forms from it; its declared ports under `x-ports` (a config may add more).
   */
  payloadJsonSchema(compType: string): Record<string, unknown> | undefined {
    const type = this.#types.get(compType)
    if (!type) return undefined
    const schema = z.toJSONSchema(type.payload, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
    return { ...schema, ...declaredPorts(type) }
  }
}

/** `x-ports`: the type's declared ports with their defaults, where they do not depend on the config. @internal */
export function declaredPorts(type: ComponentTypeDefinition): Record<string, unknown> {
  if (typeof type.inputs === 'function' || typeof type.outputs === 'function') return {}
  const input = (port: PortSpec) => ({ name: port.name, required: port.required ?? false, fanin: port.fanin ?? 'many' })
  const output = (port: PortSpec) => ({ name: port.name, required: port.required ?? false, fanout: port.fanout ?? 'many' })
  return { 'x-ports': { inputs: type.inputs.map(input), outputs: type.outputs.map(output), allow_no_inputs: type.allowNoInputs === true } }
}

export function portsOf(list: PortList, payload: Record<string, unknown>): readonly PortSpec[] {
  return typeof list === 'function' ? list(payload) : list
}
