import { z } from 'zod'
import { filterRuleSchema } from '../query/query-schema.js'
import { ComponentTypeRegistry, type ComponentTypeDefinition, type PortSpec } from './component-type-registry.js'

const IN: readonly PortSpec[] = [{ name: 'in', required: true, fanin: 'one' }]
const OUT: readonly PortSpec[] = [{ name: 'out', fanout: 'many' }]
const NONE: readonly PortSpec[] = []

const filepath = z.string().min(1).max(4096)
const fileReader = { filepath, encoding: z.string().min(1).optional() }

function source(comp_type: string, payload: z.ZodType<Record<string, unknown>>): ComponentTypeDefinition {
  return { comp_type, inputs: NONE, outputs: OUT, allowNoInputs: true, payload }
}

function sink(comp_type: string, payload: z.ZodType<Record<string, unknown>>): ComponentTypeDefinition {
  return { comp_type, inputs: IN, outputs: NONE, payload }
}

function transform(comp_type: string, payload: z.ZodType<Record<string, unknown>>, outputs = OUT): ComponentTypeDefinition {
  return { comp_type, inputs: IN, outputs, payload }
}

const csv = { ...fileReader, delimiter: z.string().min(1).max(4).optional(), header: z.boolean().optional() }
const excel = { ...fileReader, sheet_name: z.string().min(1).optional() }
const xml = { ...fileReader, root_tag: z.string().min(1).optional(), record_tag: z.string().min(1).optional() }
const connection = {
  credentials: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
}
/** A database reader names an entity (table/collection) or gives a query. */
const dbRead = z
  .strictObject({ ...connection, entity_name: z.string().min(1).optional(), query: z.string().min(1).optional(), batch_size: z.int().positive().optional() })
  .refine((value) => value.entity_name !== undefined || value.query !== undefined, {
    message: 'A database reader needs entity_name or query',
    path: ['entity_name'],
  })
const dbWrite = z.strictObject({
  ...connection,
  entity_name: z.string().min(1),
  if_exists: z.enum(['append', 'replace', 'fail']).optional(),
  batch_size: z.int().positive().optional(),
})

const aggregation = z.strictObject({
  group_by: z.array(z.string().min(1)).default([]),
  aggregations: z
    .array(
      z.strictObject({
        column: z.string().min(1),
        function: z.enum(['sum', 'count', 'avg', 'min', 'max', 'first', 'last']),
        alias: z.string().min(1).optional(),
      }),
    )
    .min(1),
})

const split = z.strictObject({ outputs: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).min(1) })

/** The origin's component types. */
export const builtinComponentTypes: readonly ComponentTypeDefinition[] = [
  source('read_csv', z.strictObject(csv)),
  sink('write_csv', z.strictObject(csv)),
  source('read_json', z.strictObject({ ...fileReader, lines: z.boolean().optional() })),
  sink('write_json', z.strictObject({ ...fileReader, lines: z.boolean().optional(), indent: z.int().min(0).optional() })),
  source('read_excel', z.strictObject(excel)),
  sink('write_excel', z.strictObject(excel)),
  source('read_xml', z.strictObject(xml)),
  sink('write_xml', z.strictObject(xml)),
  ...['postgresql', 'mariadb', 'mongodb', 'sqlserver'].flatMap((engine) => [source(`read_${engine}`, dbRead), sink(`write_${engine}`, dbWrite)]),
  transform('filter', z.strictObject({ rule: filterRuleSchema }), [
    { name: 'pass', required: true, fanout: 'many' },
    { name: 'fail', fanout: 'many' },
  ]),
  transform('aggregation', aggregation),
  {
    comp_type: 'merge',
    inputs: [{ name: 'in', required: true, fanin: 'many' }],
    outputs: [{ name: 'merge', fanout: 'one' }],
    payload: z.strictObject({ how: z.enum(['union', 'union_all']).optional() }),
  },
  {
    comp_type: 'split',
    inputs: IN,
    outputs: (payload) => (Array.isArray(payload.outputs) ? payload.outputs.filter((p) => typeof p === 'string').map((name) => ({ name: name as string })) : []),
    payload: split,
  },
  transform('schema_mapping', z.strictObject({ mapping: z.record(z.string().min(1), z.string().min(1)), drop_unmapped: z.boolean().optional() })),
  transform(
    'type_conversion',
    z.strictObject({
      conversions: z
        .array(z.strictObject({ column: z.string().min(1), target_type: z.enum(['string', 'integer', 'float', 'boolean', 'date', 'datetime', 'decimal']) }))
        .min(1),
    }),
  ),
]

/** The registry every store uses unless given another: the built-in types plus users' own. */
export const defaultComponentTypes = new ComponentTypeRegistry(builtinComponentTypes)

/**
 * Adds (or replaces) a component type in the default registry.
 *
 * @example
 * registerComponentType({
 *   comp_type: 'dedupe',
 *   inputs: [{ name: 'in', required: true }],
 *   outputs: [{ name: 'out' }],
 *   payload: z.strictObject({ keys: z.array(z.string()).min(1) }),
 * })
 */
export function registerComponentType(definition: ComponentTypeDefinition): void {
  defaultComponentTypes.register(definition)
}
