import { ComponentTypeRegistry, type ComponentTypeDefinition, type PortList, type PortSpec } from '../../schema/component-type-registry.js'
import { jobConfigJsonSchema } from '../../schema/json-schemas.js'
import { componentHint } from './config-component-hints.js'
import { formSchema } from './config-form-schema.js'

/**
 * The three views of a component type's JSON Schema that the origin's `/configs`
 * routes serve (`api/routers/schemas.py`), generated from the type's definition in the
 * registry: `full` (every field, standard JSON Schema), `form` (what the GUI's form
 * shows, reshaped for it) and `hidden` (only the fields the form leaves out). Each
 * carries `x-class`, the type's ports as the GUI reads them.
 */

type JsonObject = Record<string, unknown>

export interface ComponentSchemas {
  readonly full: JsonObject
  readonly form: JsonObject
  readonly hidden: JsonObject
}

/**
 * Keys the origin's component form does not show (its `used_in_table: false`): the
 * GUI sets them itself from the canvas (type, wiring, position) or the server does
 * (metadata). They are still in `full`, and `hidden` lists them alone.
 */
const HIDDEN_FIELDS: ReadonlySet<string> = new Set(['comp_type', 'routes', 'extra_input_ports', 'extra_output_ports', 'layout', 'metadata_', 'metadata'])

// Keyed by the definition object: registering a type again (a new definition) is a miss,
// so a registry changed at run time is never answered from a stale schema.
const cache = new WeakMap<ComponentTypeDefinition, ComponentSchemas>()

/** The schemas of one registered type, computed once per definition. */
export function componentSchemas(definition: ComponentTypeDefinition): ComponentSchemas {
  const cached = cache.get(definition)
  if (cached) return cached
  const schemas = buildComponentSchemas(definition)
  cache.set(definition, schemas)
  return schemas
}

function buildComponentSchemas(definition: ComponentTypeDefinition): ComponentSchemas {
  const schema = componentJsonSchema(definition)
  const xClass = classVariables(definition)
  const full = freeze({ ...schema, 'x-class': xClass })
  const hint = componentHint(definition.comp_type)
  const formFields = withNameDefault(
    pickProperties(schema, (name) => !HIDDEN_FIELDS.has(name)),
    hint.className,
  )
  // The form is no longer JSON Schema (its properties are a list): it claims no dialect.
  const { $schema: _dialect, ...form }: JsonObject = {
    ...formFields,
    'x-class': xClass,
    'comp-type': definition.comp_type,
    ...(hint.icon ? { icon: hint.icon } : {}),
  }
  const onlyHidden = pickProperties(schema, (name) => HIDDEN_FIELDS.has(name))
  return {
    full,
    form: freeze(formSchema(form)),
    hidden: freeze({ type: 'object', properties: onlyHidden.properties, required: onlyHidden.required ?? [], ...definitions(schema), 'x-class': xClass }),
  }
}

/**
 * A component of this one type as `jobConfigJsonSchema` describes it (the keys every
 * component has, the type's fields, `comp_type` fixed), with the definitions it refers to.
 */
function componentJsonSchema(definition: ComponentTypeDefinition): JsonObject {
  const job = jobConfigJsonSchema(new ComponentTypeRegistry([definition]))
  const components = (job.properties as Record<string, JsonObject>).components as { anyOf: JsonObject[] }
  const list = components.anyOf.find((variant) => variant.type === 'array') as { items: JsonObject }
  return { $schema: job.$schema, ...list.items, ...definitions(job) }
}

function definitions(schema: JsonObject): JsonObject {
  return schema.$defs === undefined ? {} : { $defs: schema.$defs }
}

/** `schema` with only the properties `keep` accepts (and only their `required` entries). */
function pickProperties(schema: JsonObject, keep: (name: string) => boolean): JsonObject & { properties: JsonObject; required?: string[] } {
  const properties = Object.fromEntries(Object.entries((schema.properties ?? {}) as JsonObject).filter(([name]) => keep(name)))
  const required = Array.isArray(schema.required) ? (schema.required as string[]).filter(keep) : undefined
  return { ...schema, properties, ...(required ? { required } : {}) }
}

/** A new component's `name` in the GUI's form defaults to the origin's class name. */
function withNameDefault(schema: JsonObject & { properties: JsonObject }, className: string): JsonObject {
  const name = schema.properties.name
  if (typeof name !== 'object' || name === null) return schema
  return { ...schema, properties: { ...schema.properties, name: { ...name, default: className } } }
}

/**
 * `x-class`, the origin's class variables the GUI draws a node from: its ports with
 * their defaults, whether it may have no inputs, how port schema paths are written.
 * Ports that come from the config (a type whose port list depends on it) are not listed.
 */
function classVariables(definition: ComponentTypeDefinition): JsonObject {
  const inputs = staticPorts(definition.inputs).map((port) => ({ name: port.name, required: port.required ?? false, fanin: port.fanin ?? 'many' }))
  const outputs = staticPorts(definition.outputs).map((port) => ({ name: port.name, required: port.required ?? false, fanout: port.fanout ?? 'many' }))
  return {
    input_ports: inputs,
    output_ports: outputs,
    allow_no_inputs: definition.allowNoInputs === true,
    schema_path_separator: '.',
    input_port_names: inputs.map((port) => port.name),
    output_port_names: outputs.map((port) => port.name),
  }
}

function staticPorts(list: PortList): readonly PortSpec[] {
  return typeof list === 'function' ? [] : list
}

/** Served to many requests from one cache entry: nobody may change it. */
function freeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) freeze(child)
  }
  return value
}
