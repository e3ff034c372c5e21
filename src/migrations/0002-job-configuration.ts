import type { Migration } from './migration.js'

/**
 * Job configuration: the job header, its immutable content-hashed versions, and the
 * current version's graph (components and port-to-port links) as rows, so a worker
 * loads a job in three statements and the UI can query components.
 */
export const jobConfiguration: Migration = {
  name: '0002_job_configuration',
  up: ({ schema, table, types, adapter }) => {
    const jobs = table('jobs')
    const versions = table('job_versions')
    const components = table('components')
    const links = table('component_links')
    return [
      adapter
        .tableOptions(
          schema
            .createTable(jobs)
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
            .addUniqueConstraint(`${jobs}_name_uq`, ['name']),
        )
        .compile(),
      schema.createIndex(`${jobs}_created_idx`).on(jobs).columns(['created_at', 'id']).compile(),
      schema.createIndex(`${jobs}_updated_idx`).on(jobs).columns(['updated_at', 'id']).compile(),
      schema.createIndex(`${jobs}_strategy_idx`).on(jobs).columns(['strategy_type', 'name']).compile(),
      adapter
        .tableOptions(
          schema
            .createTable(versions)
            .addColumn('job_id', types.uuid, (c) => c.notNull())
            .addColumn('version', 'integer', (c) => c.notNull())
            .addColumn('content_hash', types.string(64), (c) => c.notNull())
            .addColumn('config', types.json, (c) => c.notNull())
            .addColumn('created_at', types.timestamp, (c) => c.notNull())
            .addColumn('created_by', types.string(200))
            .addPrimaryKeyConstraint(`${versions}_pk`, ['job_id', 'version'])
            .addForeignKeyConstraint(`${versions}_job_fk`, ['job_id'], jobs, ['id'], (fk) => fk.onDelete('cascade')),
        )
        .compile(),
      adapter
        .tableOptions(
          schema
            .createTable(components)
            .addColumn('id', types.uuid, (c) => c.primaryKey())
            .addColumn('job_id', types.uuid, (c) => c.notNull())
            .addColumn('name', types.string(200), (c) => c.notNull())
            .addColumn('comp_type', types.string(100), (c) => c.notNull())
            .addColumn('position', 'integer', (c) => c.notNull())
            .addColumn('description', types.text)
            .addColumn('payload', types.json, (c) => c.notNull())
            .addColumn('x_coord', types.double)
            .addColumn('y_coord', types.double)
            .addColumn('metadata', types.json)
            .addUniqueConstraint(`${components}_job_name_uq`, ['job_id', 'name'])
            .addForeignKeyConstraint(`${components}_job_fk`, ['job_id'], jobs, ['id'], (fk) => fk.onDelete('cascade')),
        )
        .compile(),
      schema.createIndex(`${components}_type_idx`).on(components).columns(['comp_type']).compile(),
      adapter
        .tableOptions(
          schema
            .createTable(links)
            .addColumn('job_id', types.uuid, (c) => c.notNull())
            .addColumn('src_component_id', types.uuid, (c) => c.notNull())
            .addColumn('out_port', types.string(100), (c) => c.notNull())
            .addColumn('position', 'integer', (c) => c.notNull())
            .addColumn('dst_component_id', types.uuid, (c) => c.notNull())
            .addColumn('in_port', types.string(100), (c) => c.notNull())
            .addPrimaryKeyConstraint(`${links}_pk`, ['src_component_id', 'out_port', 'position'])
            .addForeignKeyConstraint(`${links}_job_fk`, ['job_id'], jobs, ['id'], (fk) => fk.onDelete('cascade'))
            .addForeignKeyConstraint(`${links}_src_fk`, ['src_component_id'], components, ['id'], (fk) => fk.onDelete('cascade'))
            .addForeignKeyConstraint(`${links}_dst_fk`, ['dst_component_id'], components, ['id'], (fk) => fk.onDelete('cascade')),
        )
        .compile(),
      schema.createIndex(`${links}_job_idx`).on(links).columns(['job_id']).compile(),
      schema.createIndex(`${links}_dst_idx`).on(links).columns(['dst_component_id']).compile(),
    ]
  },
  down: ({ schema, table }) => ['component_links', 'components', 'job_versions', 'jobs'].map((name) => schema.dropTable(table(name)).compile()),
}
