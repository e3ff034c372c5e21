import { z } from 'zod'

/**
 * Ports as the origin declares them: the schema of the rows a port carries
 * (`in_port_schemas` / `out_port_schemas`: `{fields: [FieldDef]}`), and the ports a
 * config adds to a component (`extra_input_ports` / `extra_output_ports`).
 */

/** The logical types of a field (`path` is text that names a file or a nested value). */
export const DATA_TYPES = ['string', 'integer', 'float', 'boolean', 'object', 'array', 'enum', 'path'] as const
export type DataType = (typeof DATA_TYPES)[number]

export const FANS = ['one', 'many'] as const

/** A port name: a routes key, a schema key, an extra port. The links table keeps 100 characters. */
export const portNameSchema = z.string().min(1, 'A port name may not be empty').max(100)

const fieldDefShape = z.object({
  name: z.string(),
  data_type: z.enum(DATA_TYPES),
  nullable: z.boolean().default(false),
  /** The values an `enum` field takes. */
  enum_values: z.array(z.string()).nullable().optional(),
  /** The fields of an `object` field. */
  get children(): z.ZodOptional<z.ZodNullable<z.ZodArray<typeof fieldDefShape>>> {
    return z.array(fieldDefSchema).nullable().optional()
  },
  /** The element of an `array` field. */
  get item(): z.ZodOptional<z.ZodNullable<typeof fieldDefShape>> {
    return fieldDefSchema.nullable().optional()
  },
})

// The origin refuses a non-empty `children` on a field that is not an object, and so on;
// an empty list or null is the same as leaving the key out.
export const fieldDefSchema = fieldDefShape
  .refine((field) => !field.children?.length || field.data_type === 'object', { message: 'children are only for data_type object', path: ['children'] })
  .refine((field) => !field.item || field.data_type === 'array', { message: 'item is only for data_type array', path: ['item'] })
  .refine((field) => !field.enum_values?.length || field.data_type === 'enum', { message: 'enum_values are only for data_type enum', path: ['enum_values'] })
  .meta({ id: 'FieldDef', description: 'One field of the rows a port carries; objects have children, arrays an item.' })

export type FieldDef = z.output<typeof fieldDefSchema>

/** What a port carries: at least one field. */
export const portSchemaSchema = z.object({ fields: z.array(fieldDefSchema).min(1, 'A port schema needs at least one field') }).meta({ id: 'PortSchema' })

export type PortSchema = z.output<typeof portSchemaSchema>

/** An extra input port: a name, or `{name, required, fanin}` (required false and fan-in many by default). */
export const inPortSpecSchema = z.union([
  portNameSchema,
  z.object({ name: portNameSchema, required: z.boolean().default(false), fanin: z.enum(FANS).default('many') }),
])

/** An extra output port: a name, or `{name, required, fanout}` (required false and fan-out many by default). */
export const outPortSpecSchema = z.union([
  portNameSchema,
  z.object({ name: portNameSchema, required: z.boolean().default(false), fanout: z.enum(FANS).default('many') }),
])

/**
 * The leaf fields of a port schema by their dotted path (`address.city`): objects are
 * walked into, arrays are one leaf. Join keys and mapping paths name these.
 */
export function leafFields(schema: PortSchema): Map<string, FieldDef> {
  const leaves = new Map<string, FieldDef>()
  const walk = (fields: readonly FieldDef[], prefix: string) => {
    for (const field of fields) {
      const path = prefix === '' ? field.name : `${prefix}.${field.name}`
      if (field.data_type === 'object' && field.children?.length) walk(field.children, path)
      else leaves.set(path, field)
    }
  }
  walk(schema.fields, '')
  return leaves
}
