import { ValidationError, type ValidationIssue } from '../errors.js'
import { portsOf, type ComponentTypeRegistry, type PortSpec } from './component-type-registry.js'
import { fastSafeParse } from './fast-parse.js'
import { COMMON_COMPONENT_KEYS, jobConfigSchema, type ComponentConfig, type ParsedJobConfig } from './job-config-schema.js'
import { unstorableValues } from './storable-values.js'
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
  readonly config: ComponentConfig
  /** The type's own fields (everything but the common keys), as parsed by its schema. */
  readonly payload: Record<string, unknown>
}

export interface ValidatedJob {
  readonly config: ParsedJobConfig
  readonly components: readonly ValidatedComponent[]
  readonly links: readonly GraphLink[]
}

interface Ports {
  readonly inputs: ReadonlyMap<string, PortSpec>
  readonly outputs: ReadonlyMap<string, PortSpec>
}

/**
 * Validates a job config and its graph against the component types. Every problem is
 * reported, each with the JSON path of the offending value
 * (`components[2].routes.out[0].to`), in one `ValidationError`.
 */
export function validateJobConfig(input: unknown, registry: ComponentTypeRegistry): ValidatedJob {
  const parsed = fastSafeParse(jobConfigSchema, input)
  if (!parsed.success) throw new ValidationError(toValidationIssues(parsed.error))
  const unstorable = unstorableValues(input)
  if (unstorable.length > 0) throw new ValidationError(unstorable)
  const config = parsed.data
  const issues: ValidationIssue[] = []
  const at = (path: string, message: string) => issues.push({ path, message })

  const byName = new Map<string, number>()
  const ports: Array<Ports | undefined> = []
  const components: ValidatedComponent[] = []
  config.components.forEach((component, i) => {
    const path = `components[${i}]`
    if (byName.has(component.name)) at(`${path}.name`, `Duplicate component name ${JSON.stringify(component.name)} (also components[${byName.get(component.name)}])`)
    else byName.set(component.name, i)
    const rest = Object.fromEntries(Object.entries(component).filter(([key]) => !COMMON_COMPONENT_KEYS.includes(key)))
    const type = registry.get(component.comp_type)
    if (!type) {
      at(`${path}.comp_type`, `Unknown component type ${JSON.stringify(component.comp_type)}`)
      ports.push(undefined)
      components.push({ config: component, payload: rest })
      return
    }
    const payload = fastSafeParse(type.payload, rest)
    if (!payload.success) issues.push(...toValidationIssues(payload.error, path))
    const data = payload.success ? payload.data : rest
    components.push({ config: component, payload: data })
    const inputs = new Map(portsOf(type.inputs, data).map((port) => [port.name, port]))
    const outputs = new Map(portsOf(type.outputs, data).map((port) => [port.name, port]))
    for (const name of component.extra_input_ports ?? []) inputs.set(name, { name, fanin: 'many' })
    for (const name of component.extra_output_ports ?? []) outputs.set(name, { name, fanout: 'many' })
    ports.push({ inputs, outputs })
    for (const [key, known] of [['in_port_schemas', inputs], ['out_port_schemas', outputs]] as const) {
      for (const port of Object.keys(component[key] ?? {})) {
        if (!known.has(port)) at(`${path}.${key}.${port}`, `${component.comp_type} has no ${key === 'in_port_schemas' ? 'input' : 'output'} port ${JSON.stringify(port)}`)
      }
    }
  })

  const links: GraphLink[] = []
  const arrivals = new Map<string, string[]>() // `${dst}\0${in_port}` → paths of the links that arrive
  config.components.forEach((component, i) => {
    const own = ports[i]
    for (const [outPort, targets] of Object.entries(component.routes ?? {})) {
      const routePath = `components[${i}].routes.${outPort}`
      const outSpec = own?.outputs.get(outPort)
      if (own && !outSpec) {
        at(routePath, `Unknown output port ${JSON.stringify(outPort)} of ${component.comp_type}: use ${[...own.outputs.keys()].join(', ') || '(none)'}`)
        continue
      }
      if (outSpec?.fanout === 'one' && targets.length > 1) at(`${routePath}[1]`, `Output port ${outPort} may have only one link`)
      targets.forEach((target, position) => {
        const targetPath = `${routePath}[${position}]`
        const to = typeof target === 'string' ? target : target.to
        const toPath = typeof target === 'string' ? targetPath : `${targetPath}.to`
        const j = byName.get(to)
        if (j === undefined) return void at(toPath, `Route to unknown component ${JSON.stringify(to)}`)
        const targetPorts = ports[j]
        let inPort = typeof target === 'string' ? undefined : target.in_port
        if (targetPorts) {
          if (inPort === undefined) {
            if (targetPorts.inputs.size !== 1) {
              return void at(targetPath, `in_port is required: ${to} has ${targetPorts.inputs.size === 0 ? 'no input ports' : `inputs ${[...targetPorts.inputs.keys()].join(', ')}`}`)
            }
            inPort = [...targetPorts.inputs.keys()][0] as string
          } else if (!targetPorts.inputs.has(inPort)) {
            return void at(`${targetPath}.in_port`, `Unknown input port ${JSON.stringify(inPort)} of ${to}`)
          }
        }
        if (inPort === undefined) return
        links.push({ src: component.name, out_port: outPort, position, dst: to, in_port: inPort })
        const key = `${to}\0${inPort}`
        arrivals.set(key, [...(arrivals.get(key) ?? []), toPath])
      })
    }
  })

  config.components.forEach((component, i) => {
    const own = ports[i]
    const type = registry.get(component.comp_type)
    if (!own || !type) return
    const wired = [...own.inputs.keys()].filter((port) => arrivals.has(`${component.name}\0${port}`))
    if (wired.length === 0 && !type.allowNoInputs) {
      at(`components[${i}]`, `${component.name} (${component.comp_type}) has no inputs: route another component to it`)
    } else {
      for (const spec of own.inputs.values()) {
        const paths = arrivals.get(`${component.name}\0${spec.name}`) ?? []
        if (spec.required && paths.length === 0) at(`components[${i}]`, `Required input port ${spec.name} of ${component.name} is not wired`)
        if ((spec.fanin ?? 'one') === 'one' && paths.length > 1) at(paths[1] as string, `Input port ${spec.name} of ${component.name} accepts only one link`)
      }
    }
    for (const spec of own.outputs.values()) {
      if (spec.required && (component.routes?.[spec.name]?.length ?? 0) === 0) {
        at(`components[${i}].routes.${spec.name}`, `Required output port ${spec.name} of ${component.name} is not wired`)
      }
    }
  })

  if (issues.length > 0) throw new ValidationError(issues)
  return { config, components, links }
}

