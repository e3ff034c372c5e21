import type { Migration } from './migration.js'

/** A key → value table for facts about the store itself (its id, when it was created). */
export const storeInfo: Migration = {
  name: '0001_store_info',
  up: ({ schema, table, types, adapter }) => [
    adapter
      .tableOptions(
        schema
          .createTable(table('store_info'))
          .addColumn('key', types.string(100), (c) => c.primaryKey())
          .addColumn('value', types.text, (c) => c.notNull())
          .addColumn('updated_at', types.timestamp, (c) => c.notNull()),
      )
      .compile(),
  ],
  down: ({ schema, table }) => [schema.dropTable(table('store_info')).compile()],
}
