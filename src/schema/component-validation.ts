import type { z } from 'zod'
import type { ValidationIssue } from '../errors.js'
import { portsOf, type ComponentTypeDefinition, type ComponentTypeRegistry, type PortSpec } from './component-type-registry.js'
import { fastSafeParse } from '../db/speed/fast-parse.js'
import { COMMON_COMPONENT_KEYS, componentCommonSchema, type ComponentConfig } from './job-config-schema.js'
import { ANY_VALUE, closestKey, collectUnknownKeys, type UnknownKey } from './unknown-keys.js'
import { toValidationIssues } from './zod-issues.js'

/** A component's ports: the type's, with the config's extra ones (which win by name). */
export interface Ports {
  readonly inputs: ReadonlyMap<string, PortSpec>
  readonly outputs: ReadonlyMap<string, PortSpec>
}

/** One component as far as it could be read: what graph validation builds on. @internal */
export interface ParsedComponent {
  /** The component object as given; `undefined` when it is not an object. */
  readonly raw: Readonly<Record<string, unknown>> | undefined
  /** The common keys that parsed. */
  readonly config: Partial<ComponentConfig>
  /** As given: names are kept exactly (only a blank one is refused). */
  readonly name: string | undefined
  readonly type: ComponentTypeDefinition | undefined
  /** The type's own fields, parsed (as given where they did not parse). */
  readonly payload: Record<string, unknown>
  /** `undefined` when they cannot be known (unknown type, unreadable extra ports). */
  readonly ports: Ports | undefined
  /** Its routes parsed (or it has none): the links leaving it are known. */
  readonly routesKnown: boolean
}

const COMMON = new Set(COMMON_COMPONENT_KEYS)
const commonShape = componentCommonSchema.shape as unknown as Record<string, z.ZodType>

/**
 * Reads one component: the common keys, its type, the type's own fields, its ports and
 * the type's cross-field rules. Problems go to `issues`, each with its full path
 * (`components[2].separator`); keys nobody declares go to `unknown`.
 * @internal
 */
export function parseComponent(raw: unknown, path: string, registry: ComponentTypeRegistry, issues: ValidationIssue[], unknown: UnknownKey[]): ParsedComponent {
  if (!isPlainObject(raw)) {
    issues.push({ path, message: 'A component is a JSON object' })
    return { raw: undefined, config: {}, name: undefined, type: undefined, payload: {}, ports: undefined, routesKnown: false }
  }
  const { config, failed } = parseCommon(raw, path, issues)
  const commonValid = failed.size === 0
  const name = config.name
  const compType = config.comp_type?.trim()
  const type = compType === undefined ? undefined : registry.get(compType)
  if (compType !== undefined && !type) {
    const suggestion = closestKey(compType, registry.names())
    issues.push({
      path: `${path}.comp_type`,
      message: `Unknown component type ${JSON.stringify(compType)}${suggestion ? `: did you mean \`${suggestion}\`?` : ''}`,
    })
  }

  const rest: Record<string, unknown> = {}
  for (const key in raw) if (Object.hasOwn(raw, key) && !COMMON.has(key)) rest[key] = raw[key]
  collectUnknownKeys(knownKeys(type, rest), raw, path, unknown)

  let payload = rest
  let payloadValid = type !== undefined
  if (type) {
    const parsed = fastSafeParse(type.payload, rest)
    if (parsed.success) payload = parsed.data
    else {
      payloadValid = false
      issues.push(...toValidationIssues(parsed.error, path))
    }
  }

  const extrasKnown = !failed.has('extra_input_ports') && !failed.has('extra_output_ports')
  const portsDependOnPayload = type !== undefined && (typeof type.inputs === 'function' || typeof type.outputs === 'function')
  const ports = type && extrasKnown && (payloadValid || !portsDependOnPayload) ? portsFor(type, config, payload) : undefined
  if (type && ports) {
    for (const [key, known, side] of [
      ['in_port_schemas', ports.inputs, 'input'],
      ['out_port_schemas', ports.outputs, 'output'],
    ] as const) {
      // The keys as given, so that a schema that did not parse still names its port.
      const given = raw[key]
      for (const port of isPlainObject(given) ? Object.keys(given) : []) {
        if (!known.has(port))
          issues.push({ path: `${path}.${key}.${port}`, message: `${compType} has no ${side} port ${JSON.stringify(port)}: ${portList(known)}` })
      }
    }
    const lacksInputs = !type.allowNoInputs && ports.inputs.size === 0
    if (lacksInputs) issues.push({ path: `${path}.extra_input_ports`, message: `${compType} has no input ports of its own: declare them in extra_input_ports` })
    // The type's rules read its ports: without inputs they would only repeat the problem above.
    if (commonValid && payloadValid && !lacksInputs && type.check) {
      for (const issue of type.check({ config: config as ComponentConfig, payload, inputs: ports.inputs, outputs: ports.outputs })) {
        issues.push({ path: issue.path === '' ? path : `${path}.${issue.path}`, message: issue.message })
      }
    }
  }
  return { raw, config, name, type, payload, ports, routesKnown: !failed.has('routes') }
}

/** The common keys, all at once when they are valid, else one by one: every problem, and whatever parsed. */
function parseCommon(raw: Record<string, unknown>, path: string, issues: ValidationIssue[]): { config: Partial<ComponentConfig>; failed: Set<string> } {
  const whole = fastSafeParse(componentCommonSchema, raw)
  if (whole.success) return { config: whole.data, failed: new Set() }
  const config: Record<string, unknown> = {}
  const failed = new Set<string>()
  for (const [key, schema] of Object.entries(commonShape)) {
    // Only after the whole failed: an error path, left to Zod.
    const field = schema.safeParse(raw[key])
    if (field.success) {
      if (field.data !== undefined) config[key] = field.data
    } else {
      failed.add(key)
      issues.push(...toValidationIssues(field.error, `${path}.${key}`))
    }
  }
  return { config: config as Partial<ComponentConfig>, failed }
}

/**
 * The keys a component may have: the common ones and its type's. Where the type's own
 * keys cannot be told (an unknown type, a payload schema that is not a plain object, or
 * a strict one, which refuses unknown keys itself), every key given is taken as known.
 */
function knownKeys(type: ComponentTypeDefinition | undefined, rest: Record<string, unknown>): Record<string, z.ZodType> {
  if (type) {
    const known = typeKeys.get(type)
    if (known) return known
    const own = objectShape(type.payload)
    if (own) {
      const keys = { ...commonShape, ...own }
      typeKeys.set(type, keys)
      return keys
    }
  }
  const given: Record<string, z.ZodType> = { ...commonShape }
  for (const key of Object.keys(rest)) given[key] = ANY_VALUE
  return given
}

/** The keys of each type whose own keys can be told (its payload is a plain object). */
const typeKeys = new WeakMap<ComponentTypeDefinition, Record<string, z.ZodType>>()

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const def = (schema as unknown as { _zod: { def: { type: string; shape?: Record<string, z.ZodType>; catchall?: unknown } } })._zod.def
  return def.type === 'object' && def.catchall === undefined ? def.shape : undefined
}

function portsFor(type: ComponentTypeDefinition, config: Partial<ComponentConfig>, payload: Record<string, unknown>): Ports {
  const inputs = new Map(portsOf(type.inputs, payload).map((port) => [port.name, port]))
  const outputs = new Map(portsOf(type.outputs, payload).map((port) => [port.name, port]))
  for (const spec of config.extra_input_ports ?? []) {
    const port = typeof spec === 'string' ? { name: spec, required: false, fanin: 'many' as const } : spec
    inputs.set(port.name, port)
  }
  for (const spec of config.extra_output_ports ?? []) {
    const port = typeof spec === 'string' ? { name: spec, required: false, fanout: 'many' as const } : spec
    outputs.set(port.name, port)
  }
  return { inputs, outputs }
}

export function portList(ports: ReadonlyMap<string, PortSpec>): string {
  return ports.size === 0 ? 'it has none' : `use ${[...ports.keys()].join(', ')}`
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const prototype = Object.getPrototypeOf(value) as unknown
  return prototype === Object.prototype || prototype === null
}
