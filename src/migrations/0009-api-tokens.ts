import type { Migration } from './migration.js'

/**
 * API tokens for the HTTP server (`etlp serve`): each stands for one principal. Only the
 * SHA-256 of a token is stored (a token is 32 random bytes, so a fast hash cannot be
 * walked back); a lookup goes by the unique hash. `last_used_at` is written at most once
 * an hour per token, not on every request. A revoked token keeps its row, for the audit
 * trail and for `etlp tokens list`.
 */
export const apiTokens: Migration = {
  name: '0009_api_tokens',
  up: ({ schema, table, types, adapter }) => {
    const tokens = table('api_tokens')
    return [
      adapter
        .tableOptions(
          schema
            .createTable(tokens)
            .addColumn('id', types.uuid, (c) => c.primaryKey())
            .addColumn('name', types.string(200), (c) => c.notNull())
            .addColumn('principal', types.json, (c) => c.notNull())
            .addColumn('token_hash', types.string(64), (c) => c.notNull())
            .addColumn('created_at', types.timestamp, (c) => c.notNull())
            .addColumn('last_used_at', types.timestamp)
            .addColumn('revoked_at', types.timestamp)
            .addUniqueConstraint(`${tokens}_hash_uq`, ['token_hash']),
        )
        .compile(),
      schema.createIndex(`${tokens}_created_idx`).on(tokens).columns(['created_at', 'id']).compile(),
    ]
  },
  down: ({ schema, table }) => [schema.dropTable(table('api_tokens')).compile()],
}
