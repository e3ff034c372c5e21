import { sql, type CompiledQuery } from 'kysely'
import { createSchemaDialect } from '../db/schema-dialect.js'
import type { Migration, MigrationContext } from './migration.js'

/**
 * Job names stop being unique, as they are in the origin: its own job files share names
 * (three `ExcelPassThrough`, three `JsonPassThrough`), and a user must be able to
 * import them all. An index on (name, id) keeps lookups by name and pages ordered by
 * name (the id breaks ties) on an index. `down` restores the unique constraint, and
 * fails while two jobs share a name.
 *
 * SQLite cannot drop a table's constraint: it rebuilds the jobs table (a new one, the
 * rows copied, the old one dropped, the new one renamed), with foreign keys off while
 * the migration runs (see `rebuildsTables`).
 */
export const jobNamesNotUnique: Migration = {
  name: '0008_job_names_not_unique',
  up: (context) => {
    const jobs = context.table('jobs')
    const nameIndex = context.schema.createIndex(`${jobs}_name_idx`).on(jobs).columns(['name', 'id']).compile()
    switch (createSchemaDialect(context.adapter).uniqueConstraintChange) {
      case 'constraint':
        return [context.schema.alterTable(jobs).dropConstraint(`${jobs}_name_uq`).compile(), nameIndex]
      case 'index':
        return [context.schema.alterTable(jobs).dropIndex(`${jobs}_name_uq`).compile(), nameIndex]
      case 'rebuild':
        return [...rebuildJobs(context, false), nameIndex]
    }
  },
  down: (context) => {
    const jobs = context.table('jobs')
    const dropNameIndex = context.dropIndex(jobs, `${jobs}_name_idx`)
    const unique = context.schema.alterTable(jobs).addUniqueConstraint(`${jobs}_name_uq`, ['name']).compile()
    switch (createSchemaDialect(context.adapter).uniqueConstraintChange) {
      case 'constraint':
      case 'index':
        // The constraint first: while two jobs share a name it fails before anything changed
        // (MySQL commits each DDL statement on its own).
        return [unique, dropNameIndex]
      case 'rebuild':
        return rebuildJobs(context, true)
    }
  },
}

const JOB_COLUMNS = [
  'id',
  'name',
  'description',
  'strategy_type',
  'num_of_retries',
  'file_logging',
  'tags',
  'current_version',
  'content_hash',
  'component_count',
  'created_at',
  'updated_at',
  'created_by',
  'updated_by',
]

/** The jobs table as 0002 made it, with or without the unique name, its rows kept; its indexes made again. */
function rebuildJobs({ schema, table, types, adapter, raw }: MigrationContext, uniqueName: boolean): CompiledQuery[] {
  const jobs = table('jobs')
  const rebuilt = `${jobs}_rebuilt`
  let create = schema
    .createTable(rebuilt)
    .addColumn('id', types.uuid, (c) => c.primaryKey())
    .addColumn('name', types.string(200), (c) => c.notNull())
    .addColumn('description', types.text)
    .addColumn('strategy_type', types.string(20), (c) => c.notNull())
    .addColumn('num_of_retries', 'integer', (c) => c.notNull())
    .addColumn('file_logging', types.boolean, (c) => c.notNull())
    .addColumn('tags', types.json)
    .addColumn('current_version', 'integer', (c) => c.notNull())
    .addColumn('content_hash', types.string(64), (c) => c.notNull())
    .addColumn('component_count', 'integer', (c) => c.notNull())
    .addColumn('created_at', types.timestamp, (c) => c.notNull())
    .addColumn('updated_at', types.timestamp, (c) => c.notNull())
    .addColumn('created_by', types.string(200))
    .addColumn('updated_by', types.string(200))
  if (uniqueName) create = create.addUniqueConstraint(`${jobs}_name_uq`, ['name'])
  const columns = sql.join(JOB_COLUMNS.map((column) => sql.ref(column)))
  return [
    adapter.tableOptions(create).compile(),
    raw(sql`insert into ${sql.table(rebuilt)} (${columns}) select ${columns} from ${sql.table(jobs)}`),
    schema.dropTable(jobs).compile(),
    schema.alterTable(rebuilt).renameTo(jobs).compile(),
    schema.createIndex(`${jobs}_created_idx`).on(jobs).columns(['created_at', 'id']).compile(),
    schema.createIndex(`${jobs}_updated_idx`).on(jobs).columns(['updated_at', 'id']).compile(),
    schema.createIndex(`${jobs}_strategy_idx`).on(jobs).columns(['strategy_type', 'name']).compile(),
  ]
}
