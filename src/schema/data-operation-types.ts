import { z } from 'zod'
import type { ValidationIssue } from '../errors.js'
import { NO_PORTS, TRANSFORM_INPUTS, TRANSFORM_OUTPUTS } from './builtin-ports.js'
import type { ComponentTypeDefinition, ComponentView } from './component-type-registry.js'
import { DATA_TYPES, leafFields, portNameSchema, type FieldDef, type PortSchema } from './port-schemas.js'

// The origin's data operations (components/data_operations/): filter, aggregation,
// merge, split, schema mapping (field mapping and joins) and type conversion.

const COMPARISONS = ['==', '!=', '>', '<', '>=', '<=', 'contains'] as const
const LOGICAL = ['AND', 'OR', 'NOT'] as const

type Rule = { column?: string | null; operator?: string | null; value?: unknown; logical_operator?: string | null; rules?: unknown[] | null }
const isLeaf = (rule: Rule) => (rule.column ?? null) !== null || (rule.operator ?? null) !== null || (rule.value ?? null) !== null
const isNode = (rule: Rule) => (rule.logical_operator ?? null) !== null || (rule.rules ?? null) !== null

/**
 * A filter rule: a leaf `{column, operator, value}` or a node `{logical_operator, rules}`
 * (NOT takes exactly one rule, AND and OR at least one). The filter component's own
 * operators: the query language's `in` and `is_null` are not among them.
 */
const comparisonRuleShape = z.object({
  column: z.string().nullable().optional(),
  operator: z.enum(COMPARISONS).nullable().optional(),
  value: z.unknown().optional(),
  logical_operator: z.enum(LOGICAL).nullable().optional(),
  get rules(): z.ZodOptional<z.ZodNullable<z.ZodArray<typeof comparisonRuleShape>>> {
    return z.array(comparisonRuleSchema).nullable().optional()
  },
})

export const comparisonRuleSchema = comparisonRuleShape
  .refine((rule) => !(isLeaf(rule) && isNode(rule)), 'A rule is a leaf (column, operator, value) or a node (logical_operator, rules), not both')
  .refine((rule) => isLeaf(rule) || isNode(rule), 'A rule needs column and operator, or logical_operator and rules')
  .refine((rule) => !isLeaf(rule) || isNode(rule) || Boolean(rule.column), { message: 'A leaf rule needs a column', path: ['column'] })
  .refine((rule) => !isLeaf(rule) || isNode(rule) || (rule.operator ?? null) !== null, { message: 'A leaf rule needs an operator', path: ['operator'] })
  .refine((rule) => isLeaf(rule) || rule.logical_operator !== 'NOT' || rule.rules?.length === 1, { message: 'NOT takes exactly one rule', path: ['rules'] })
  .refine((rule) => isLeaf(rule) || (rule.logical_operator !== 'AND' && rule.logical_operator !== 'OR') || (rule.rules?.length ?? 0) >= 1, {
    message: 'AND and OR take at least one rule',
    path: ['rules'],
  })
  .meta({ id: 'ComparisonRule' })

const AGGREGATIONS = ['count', 'sum', 'min', 'max', 'mean', 'median', 'std', 'nunique'] as const

const aggregation = z.object({
  group_by: z.array(z.string()).default([]).describe('Dotted group keys'),
  aggregations: z
    .array(
      z.object({
        src: z.string().describe("Source field, or '*' for the row count"),
        op: z.enum(AGGREGATIONS),
        dest: z.string().describe('Field of the result'),
      }),
    )
    .default([]),
})

/** A dotted path (`address.city`): no empty segments. */
const dottedPath = z
  .string()
  .min(1)
  .refine((path) => path.split('.').every((part) => part.trim() !== ''), 'A path may not have empty segments (a..b, .a, a.)')

const schemaMapping = z.object({
  rules_by_dest: z
    .record(portNameSchema, z.record(dottedPath, z.object({ src_port: z.string().min(1), src_path: dottedPath })))
    .default({})
    .describe('output port → destination path → {src_port, src_path}'),
  join_plan: z
    .object({
      steps: z
        .array(
          z.object({
            left_port: z.string().min(1),
            right_port: z.string().min(1),
            left_on: dottedPath,
            right_on: dottedPath,
            how: z.enum(['inner', 'left', 'right', 'outer']).default('inner'),
            output_port: z.string().min(1),
          }),
        )
        .default([]),
    })
    .default({ steps: [] })
    .describe('Joins of input ports (or earlier steps’ outputs) into output ports'),
})

const typeConversion = z.object({
  rules: z
    .array(
      z.object({
        column_path: z.string().describe("Dotted path; '*' addresses the items of a list"),
        target: z.enum(DATA_TYPES),
        on_error: z.enum(['raise', 'null', 'skip']).default('raise'),
      }),
    )
    .default([]),
})

export const dataOperationTypes: readonly ComponentTypeDefinition[] = [
  {
    comp_type: 'filter',
    description: 'Routes the rows that meet a rule to pass, the others to fail',
    inputs: TRANSFORM_INPUTS,
    outputs: [
      { name: 'pass', required: true, fanout: 'many' },
      { name: 'fail', required: false, fanout: 'many' },
    ],
    payload: z.object({ rule: comparisonRuleSchema }),
  },
  {
    comp_type: 'aggregation',
    description: 'Groups rows and aggregates their fields',
    inputs: TRANSFORM_INPUTS,
    outputs: TRANSFORM_OUTPUTS,
    payload: aggregation,
    check: aggregationRules,
  },
  {
    comp_type: 'merge',
    description: 'Forwards the rows of every input to one output',
    inputs: [{ name: 'in', required: true, fanin: 'many' }],
    outputs: [{ name: 'merge', required: true, fanout: 'one' }],
    payload: z.object({}),
  },
  {
    comp_type: 'split',
    description: 'Copies every row to each of its output ports (extra_output_ports)',
    inputs: [{ name: 'in', required: true, fanin: 'one' }],
    outputs: NO_PORTS,
    payload: z.object({}),
    check: ({ outputs }) =>
      outputs.size > 0 ? [] : [{ path: 'extra_output_ports', message: 'split needs at least one output port: name them in extra_output_ports' }],
  },
  {
    comp_type: 'schema_mapping',
    description: 'Maps fields of input ports to output ports and joins inputs; all its ports come from extra_input_ports and extra_output_ports',
    inputs: NO_PORTS,
    outputs: NO_PORTS,
    payload: schemaMapping,
    check: schemaMappingRules,
  },
  {
    comp_type: 'type_conversion',
    description: 'Converts fields to other types',
    inputs: TRANSFORM_INPUTS,
    outputs: TRANSFORM_OUTPUTS,
    payload: typeConversion,
  },
]

/** Group keys and sources must be fields of the input, when its schema is given. */
function aggregationRules({ config, payload }: ComponentView): ValidationIssue[] {
  const input = config.in_port_schemas?.in
  if (!input) return []
  const names = new Set(input.fields.map((field) => field.name))
  const { group_by, aggregations } = payload as z.output<typeof aggregation>
  const issues: ValidationIssue[] = []
  group_by.forEach((key, i) => {
    if (!names.has(key)) issues.push({ path: `group_by[${i}]`, message: `${JSON.stringify(key)} is not a field of in_port_schemas.in` })
  })
  aggregations.forEach(({ src }, i) => {
    if (src !== '*' && !names.has(src)) issues.push({ path: `aggregations[${i}].src`, message: `${JSON.stringify(src)} is not a field of in_port_schemas.in` })
  })
  return issues
}

/**
 * Mapping rules read declared input ports and write declared output ports; join steps
 * join input ports (or outputs of other steps) into output ports. Paths and join keys
 * must be fields of the ports' schemas where those are given, and a mapped field keeps
 * its type (a path maps to a string).
 */
function schemaMappingRules({ config, payload, inputs, outputs }: ComponentView): ValidationIssue[] {
  const { rules_by_dest, join_plan } = payload as z.output<typeof schemaMapping>
  const issues: ValidationIssue[] = []
  const at = (path: string, message: string) => issues.push({ path, message })
  const leaves = cachedLeaves()
  const inSchemas = config.in_port_schemas ?? {}
  const outSchemas = config.out_port_schemas ?? {}
  for (const [dstPort, fields] of Object.entries(rules_by_dest)) {
    const base = `rules_by_dest.${dstPort}`
    if (!outputs.has(dstPort)) {
      at(base, `No output port ${JSON.stringify(dstPort)}: declare it in extra_output_ports`)
      continue
    }
    const dstLeaves = leaves(outSchemas[dstPort])
    for (const [dstPath, { src_port, src_path }] of Object.entries(fields)) {
      const dst = dstLeaves?.get(dstPath)
      if (dstLeaves && !dst) at(`${base}.${dstPath}`, `${JSON.stringify(dstPath)} is not a field of out_port_schemas.${dstPort}`)
      if (!inputs.has(src_port)) {
        at(`${base}.${dstPath}.src_port`, `No input port ${JSON.stringify(src_port)}: declare it in extra_input_ports`)
        continue
      }
      const srcLeaves = leaves(inSchemas[src_port])
      const src = srcLeaves?.get(src_path)
      if (srcLeaves && !src) at(`${base}.${dstPath}.src_path`, `${JSON.stringify(src_path)} is not a field of in_port_schemas.${src_port}`)
      if (src && dst && !sameType(src, dst)) {
        at(`${base}.${dstPath}`, `Type mismatch: ${src_port}.${src_path} is ${src.data_type}, ${dstPort}.${dstPath} is ${dst.data_type}`)
      }
    }
  }
  join_plan.steps.forEach((step, i) => {
    const base = `join_plan.steps[${i}]`
    for (const side of ['left', 'right'] as const) {
      const port = step[`${side}_port`]
      if (!inputs.has(port) && !outputs.has(port)) {
        at(`${base}.${side}_port`, `Unknown port ${JSON.stringify(port)}: ${side}_port names an input port or another step's output_port`)
        continue
      }
      const keys = leaves(inSchemas[port])
      const key = step[`${side}_on`]
      if (keys && !keys.has(key)) at(`${base}.${side}_on`, `${JSON.stringify(key)} is not a field of in_port_schemas.${port}`)
    }
    if (!outputs.has(step.output_port)) at(`${base}.output_port`, `No output port ${JSON.stringify(step.output_port)}: declare it in extra_output_ports`)
  })
  return issues
}

function cachedLeaves(): (schema: PortSchema | undefined) => Map<string, FieldDef> | undefined {
  const cache = new Map<PortSchema, Map<string, FieldDef>>()
  return (schema) => {
    if (!schema) return undefined
    let found = cache.get(schema)
    if (!found) cache.set(schema, (found = leafFields(schema)))
    return found
  }
}

/** `path` is text to the origin: it maps to and from `string`. */
function sameType(a: FieldDef, b: FieldDef): boolean {
  const kind = (field: FieldDef) => (field.data_type === 'path' ? 'string' : field.data_type)
  return kind(a) === kind(b)
}
