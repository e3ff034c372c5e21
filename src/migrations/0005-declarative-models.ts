import type { Migration } from './migration.js'

/**
 * The versioned record of applied declarative model definitions: one row per model per
 * version, with the normalised definition (null once the model was dropped) and the
 * statements that applied it.
 */
export const declarativeModels: Migration = {
  name: '0005_declarative_models',
  up: ({ schema, table, types, adapter }) => [
    adapter
      .tableOptions(
        schema
          .createTable(table('model_definitions'))
          .addColumn('model', types.string(100), (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('table_name', types.string(100), (c) => c.notNull())
          .addColumn('checksum', types.string(64), (c) => c.notNull())
          .addColumn('definition', types.json)
          .addColumn('statements', types.json, (c) => c.notNull())
          .addColumn('applied_at', types.timestamp, (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table('model_definitions')}_pkey`, ['model', 'version']),
      )
      .compile(),
  ],
  down: ({ schema, table }) => [schema.dropTable(table('model_definitions')).compile()],
}
