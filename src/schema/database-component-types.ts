import { z } from 'zod'
import type { ValidationIssue } from '../errors.js'
import { reader, writer } from './builtin-ports.js'
import type { ComponentTypeDefinition, ComponentView } from './component-type-registry.js'

// The origin's database components (components/databases/): SQL readers and writers for
// PostgreSQL, MariaDB and SQL Server, and MongoDB's. Each resolves its credentials
// through the context named by `context_id` (a context that maps environments to
// credentials), so a database component without one is refused.

const OPERATIONS = ['insert', 'upsert', 'truncate', 'update'] as const

/** Batch and chunk sizes every database component has. */
const sizes = {
  row_batch_size: z.int().min(1).default(1_000).describe('Server-side cursor batch size in row mode'),
  bulk_chunk_size: z.int().min(1).default(50_000).describe('Records per chunk of a pandas frame (bulk mode)'),
  bigdata_partition_chunk_size: z.int().min(1).default(50_000).describe('Records per chunk inside each Dask partition (bigdata mode)'),
}

/** The fields of a writer's statement (the origin's `DatabaseOperationMixin`). */
const operation = {
  operation: z.enum(OPERATIONS).default('insert').describe('insert, upsert, truncate (then insert) or update'),
  where_conditions: z.array(z.string()).nullable().default([]).describe('WHERE conditions of an update'),
}

interface SqlEngine {
  readonly engine: string
  readonly title: string
  readonly charset: string
  readonly collation: string
}

const SQL_ENGINES: readonly SqlEngine[] = [
  { engine: 'postgresql', title: 'PostgreSQL', charset: 'utf8', collation: 'en_US.UTF-8' },
  { engine: 'mariadb', title: 'MariaDB', charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci' },
  { engine: 'sqlserver', title: 'SQL Server', charset: 'utf8', collation: 'SQL_Latin1_General_CP1_CI_AS' },
]

function sqlFields({ charset, collation }: SqlEngine) {
  return {
    entity_name: z.string().describe('The table or view'),
    ...sizes,
    charset: z.string().default(charset).describe('Character set of the session'),
    collation: z.string().default(collation).describe('Collation of the session'),
  }
}

function sqlTypes(sql: SqlEngine): ComponentTypeDefinition[] {
  return [
    reader(
      `read_${sql.engine}`,
      z.object({
        ...sqlFields(sql),
        query: z.string().default('').describe('The SQL of the read (entity_name alone reads the table)'),
        params: z.record(z.string(), z.unknown()).default({}).describe('Parameters of the query'),
      }),
      { description: `Reads rows from ${sql.title}`, check: needsContext },
    ),
    writer(`write_${sql.engine}`, z.object({ ...sqlFields(sql), ...operation }), {
      description: `Writes rows to ${sql.title}`,
      check: (component) => [...needsContext(component), ...sqlWriterRules(component)],
    }),
  ]
}

const mongo = {
  entity_name: z.string().default('').describe('The collection'),
  ...sizes,
  auth_db_name: z.string().nullable().default('admin').describe('Authentication database'),
}

const mongoRead = z.object({
  ...mongo,
  query_filter: z.record(z.string(), z.unknown()).default({}).describe('The find() filter'),
  sort: z
    .array(z.tuple([z.string(), z.union([z.literal(1), z.literal(-1)])]))
    .nullable()
    .optional()
    .describe('[field, 1 | -1] pairs'),
  limit: z.int().nullable().optional().describe('At most this many documents'),
  skip: z.int().min(0).default(0).describe('Documents to skip from the start'),
})

const mongoWrite = z.object({
  ...mongo,
  ...operation,
  key_fields: z.array(z.string()).default([]).describe('Fields that make the match filter of an upsert or update'),
  update_fields: z.array(z.string()).nullable().optional().describe('Only these fields are set by an update'),
  match_filter: z.record(z.string(), z.unknown()).nullable().optional().describe('The filter of an update (instead of key_fields)'),
  ordered: z.boolean().default(true).describe('Ordered bulk writes'),
})

export const databaseComponentTypes: readonly ComponentTypeDefinition[] = [
  ...SQL_ENGINES.flatMap(sqlTypes),
  reader('read_mongodb', mongoRead, { description: 'Reads documents from MongoDB', check: needsContext }),
  writer('write_mongodb', mongoWrite, {
    description: 'Writes documents to MongoDB',
    check: (component) => [...needsContext(component), ...mongoWriterRules(component)],
  }),
]

function needsContext({ config }: ComponentView): ValidationIssue[] {
  if (typeof config.context_id === 'string' && config.context_id !== '') return []
  return [{ path: 'context_id', message: `${config.comp_type} needs context_id: the context that maps environments to credentials` }]
}

/** A SQL writer builds its statement from the input's columns; an update needs its conditions. */
function sqlWriterRules({ config, payload }: ComponentView): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  if (!config.in_port_schemas?.in) {
    issues.push({ path: 'in_port_schemas', message: `${config.comp_type} takes its columns from in_port_schemas.in: give the schema of port in` })
  }
  const conditions = payload.where_conditions as string[] | null
  if (payload.operation === 'update' && !conditions?.length) {
    issues.push({ path: 'where_conditions', message: 'operation update needs where_conditions' })
  }
  return issues
}

function mongoWriterRules({ payload }: ComponentView): ValidationIssue[] {
  if (payload.operation !== 'upsert' && payload.operation !== 'update') return []
  const filter = payload.match_filter as Record<string, unknown> | null | undefined
  // The origin reads an empty filter as none.
  if ((payload.key_fields as string[]).length > 0 || (filter && Object.keys(filter).length > 0)) return []
  return [{ path: 'key_fields', message: `operation ${String(payload.operation)} needs key_fields or match_filter` }]
}
