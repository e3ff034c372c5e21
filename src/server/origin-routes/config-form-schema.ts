/**
 * The origin's GUI draws its forms from a JSON Schema reshaped for it
 * (`schema_post_processing` in etl-core's `api/helpers.py`): every object's
 * `properties` becomes an ordered list `[{name, schema, required}]`, a string enum
 * becomes `type: "select"`, and `allOf: [{$ref}]` with siblings becomes `$ref` with
 * them. The result is no longer JSON Schema; `/full` serves the standard one.
 */

type JsonObject = Record<string, unknown>

/** The property list the GUI reads in place of `properties`. */
export interface FormProperty {
  readonly name: string
  readonly schema: unknown
  readonly required: boolean
}

/**
 * The GUI's form of `schema`, children first. `order` (an integer on a property's
 * schema) sorts properties, unordered ones after in their given order; `order` keys
 * are removed afterwards.
 */
export function formSchema(schema: JsonObject): JsonObject {
  return withoutOrder(reshape(schema)) as JsonObject
}

function reshape(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(reshape)
  if (!isObject(node)) return node
  const walked = collapseAllOfRef(Object.fromEntries(Object.entries(node).map(([key, value]) => [key, reshape(value)])))
  if ('enum' in walked && walked.type === 'string') walked.type = 'select'
  if (isObject(walked.properties)) walked.properties = propertyList(walked.properties, walked.required)
  return walked
}

/** `{allOf: [{$ref}], …siblings}` → `{$ref, …siblings}`, unless a sibling combines schemas too. */
function collapseAllOfRef(node: JsonObject): JsonObject {
  const { allOf, ...siblings } = node
  if (!Array.isArray(allOf) || allOf.length !== 1 || !isObject(allOf[0]) || !('$ref' in allOf[0])) return node
  if ('anyOf' in node || 'oneOf' in node || 'not' in node) return node
  return { $ref: allOf[0].$ref, ...siblings }
}

function propertyList(properties: JsonObject, required: unknown): FormProperty[] {
  const requiredNames = new Set(Array.isArray(required) ? required : [])
  const entries = Object.entries(properties).map(([name, schema], index) => ({ name, schema, index, order: orderOf(schema) }))
  entries.sort((a, b) => a.order - b.order || a.index - b.index)
  return entries.map(({ name, schema }) => ({ name, schema, required: requiredNames.has(name) }))
}

function orderOf(schema: unknown): number {
  return isObject(schema) && Number.isInteger(schema.order) ? (schema.order as number) : Number.MAX_SAFE_INTEGER
}

function withoutOrder(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutOrder)
  if (!isObject(node)) return node
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== 'order')
      .map(([key, value]) => [key, withoutOrder(value)]),
  )
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
