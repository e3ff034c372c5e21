import type { z } from 'zod'
import { ValidationError, type ValidationIssue } from '../errors.js'
import type { ComponentTypeRegistry, PortSpec } from './component-type-registry.js'
import { parseComponent, portList, type ParsedComponent } from './component-validation.js'
import { fastSafeParse } from '../db/speed/fast-parse.js'
import { MAX_COMPONENTS, jobHeaderSchema, type ComponentConfig, type ParsedJobConfig } from './job-config-schema.js'
import { unstorableValues } from './storable-values.js'
import { ANY_VALUE, collectUnknownKeys, unknownKeyIssue, type UnknownKey } from './unknown-keys.js'
import { toValidationIssues } from './zod-issues.js'

/** One edge of a validated graph: `src.out_port → dst.in_port`, `position` within the out port's routes. */
export interface GraphLink {
  readonly src: string
  readonly out_port: string
  readonly position: number
  readonly dst: string
  readonly in_port: string
}

export interface ValidatedComponent {
  /** The keys every component has, parsed (`comp_type` trimmed, as the origin reads it). */
  readonly config: ComponentConfig
  /** The type's own fields, as parsed by its schema (defaults filled in). */
  readonly payload: Record<string, unknown>
  /** The component object exactly as given (unknown keys included). */
  readonly raw: Readonly<Record<string, unknown>>
}

export interface ValidatedJob {
  /** The job's own fields, parsed. */
  readonly config: ParsedJobConfig
  readonly components: readonly ValidatedComponent[]
  readonly links: readonly GraphLink[]
  /** Keys no schema declares, kept as given: one warning each, with its path. */
  readonly warnings: readonly ValidationIssue[]
}

export interface ValidateJobOptions {
  /** Refuse unknown keys (`jobs.strict` in the store configuration) instead of warning about them. */
  readonly strict?: boolean
}

// The job's own keys; its components are walked one by one, each with its type's keys.
const jobKeys: Record<string, z.ZodType> = { ...(jobHeaderSchema.shape as unknown as Record<string, z.ZodType>), components: ANY_VALUE }

/**
 * Validates a job config and its graph against the component types, the origin's
 * rules for fields, ports and links. Every problem is reported, whichever stage finds
 * it, each with the JSON path of the offending value (`components[2].routes.out[0].to`),
 * in one `ValidationError`; unknown keys are warnings (issues with `strict`).
 */
export function validateJobConfig(input: unknown, registry: ComponentTypeRegistry, options: ValidateJobOptions = {}): ValidatedJob {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ValidationError([{ path: '', message: 'A job config is a JSON object' }])
  const source = input as Record<string, unknown>
  const issues: ValidationIssue[] = []
  const unknown: UnknownKey[] = []

  const header = fastSafeParse(jobHeaderSchema, source)
  if (!header.success) issues.push(...toValidationIssues(header.error))
  issues.push(...unstorableValues(source))
  collectUnknownKeys(jobKeys, source, '', unknown)

  // More components than a job may have are one issue (above), not that many more.
  const given = Array.isArray(source.components) && source.components.length <= MAX_COMPONENTS ? (source.components as unknown[]) : []
  const parsed = given.map((component, i) => parseComponent(component, `components[${i}]`, registry, issues, unknown))
  const graph = validateGraph(parsed, issues)

  const strict = options.strict === true
  const unknownIssues = unknown.map((key) => unknownKeyIssue(key, strict))
  if (strict) issues.push(...unknownIssues)
  if (issues.length > 0 || !header.success) throw new ValidationError(issues)
  return {
    config: header.data,
    components: parsed.map((component) => ({
      config: { ...(component.config as ComponentConfig), comp_type: (component.config.comp_type as string).trim() },
      payload: component.payload,
      raw: component.raw as Readonly<Record<string, unknown>>,
    })),
    links: graph,
    warnings: strict ? [] : unknownIssues,
  }
}

/**
 * Names, routes and port contracts: unique names, targets that exist, ports that exist
 * on both ends, required ports wired, fan-in `one` exactly one link, fan-out `one` at
 * most one, nothing routed into a source. Checks that need what a broken component
 * hides (its name, routes or ports) are left out rather than guessed.
 */
function validateGraph(components: readonly ParsedComponent[], issues: ValidationIssue[]): GraphLink[] {
  const at = (path: string, message: string) => issues.push({ path, message })
  const byName = new Map<string, number>()
  components.forEach(({ name }, i) => {
    if (name === undefined) return
    const first = byName.get(name)
    if (first !== undefined) at(`components[${i}].name`, `Duplicate component name ${JSON.stringify(name)} (also components[${first}])`)
    else byName.set(name, i)
  })
  const namesKnown = components.every((component) => component.name !== undefined)
  const routesKnown = components.every((component) => component.routesKnown)

  const links: GraphLink[] = []
  const arrivals = new Map<string, string[]>() // `${dst}\0${in_port}` → paths of the links that arrive
  components.forEach((component, i) => {
    const { ports, config, name } = component
    for (const [outPort, targets] of Object.entries(config.routes ?? {})) {
      const routePath = `components[${i}].routes.${outPort}`
      const outSpec = ports?.outputs.get(outPort)
      if (ports && !outSpec) {
        at(routePath, `Unknown output port ${JSON.stringify(outPort)} of ${config.comp_type}: ${portList(ports.outputs)}`)
        continue
      }
      if (outSpec?.fanout === 'one' && targets.length > 1) at(`${routePath}[1]`, `Output port ${outPort} takes only one link`)
      targets.forEach((target, position) => {
        const targetPath = `${routePath}[${position}]`
        const to = typeof target === 'string' ? target : target.to
        const toPath = typeof target === 'string' ? targetPath : `${targetPath}.to`
        const j = byName.get(to)
        if (j === undefined) {
          if (namesKnown) at(toPath, `Route to unknown component ${JSON.stringify(to)}`)
          return
        }
        const targetPorts = components[j]?.ports
        let inPort = typeof target === 'string' ? undefined : (target.in_port ?? undefined)
        if (targetPorts) {
          if (inPort === undefined) {
            if (targetPorts.inputs.size !== 1) {
              const why = targetPorts.inputs.size === 0 ? `${to} has no input ports` : `${to} has inputs ${[...targetPorts.inputs.keys()].join(', ')}`
              return void at(targetPath, `in_port is required: ${why}`)
            }
            inPort = [...targetPorts.inputs.keys()][0] as string
          } else if (!targetPorts.inputs.has(inPort)) {
            return void at(`${targetPath}.in_port`, `Unknown input port ${JSON.stringify(inPort)} of ${to}: ${portList(targetPorts.inputs)}`)
          }
        }
        if (inPort === undefined || name === undefined) return
        links.push({ src: name, out_port: outPort, position, dst: to, in_port: inPort })
        const key = `${to}\0${inPort}`
        arrivals.set(key, [...(arrivals.get(key) ?? []), toPath])
      })
    }
  })

  components.forEach((component, i) => {
    const { ports, type, name, config } = component
    if (!ports || !type || name === undefined) return
    if (routesKnown) {
      if (type.allowNoInputs) {
        const first = [...ports.inputs.keys()].flatMap((port) => arrivals.get(`${name}\0${port}`) ?? [])[0]
        if (first !== undefined) at(first, `${name} (${type.comp_type}) is a source: nothing may be routed to it`)
      }
      for (const spec of ports.inputs.values()) inboundContract(spec, arrivals.get(`${name}\0${spec.name}`) ?? [], `components[${i}]`, name, at)
    }
    for (const spec of ports.outputs.values()) {
      if (component.routesKnown && spec.required && (config.routes?.[spec.name]?.length ?? 0) === 0) {
        at(`components[${i}].routes.${spec.name}`, `Required output port ${spec.name} of ${name} is not wired`)
      }
    }
  })
  return links
}

function inboundContract(spec: PortSpec, paths: readonly string[], path: string, name: string, at: (path: string, message: string) => void): void {
  if (spec.required && paths.length === 0) return void at(path, `Required input port ${spec.name} of ${name} is not wired`)
  if (spec.fanin !== 'one') return
  if (paths.length === 0) at(path, `Input port ${spec.name} of ${name} takes exactly one link, and has none`)
  else if (paths.length > 1) at(paths[1] as string, `Input port ${spec.name} of ${name} takes exactly one link`)
}
