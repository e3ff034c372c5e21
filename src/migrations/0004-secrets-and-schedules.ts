import type { CompiledQuery } from 'kysely'
import type { Migration, MigrationContext } from './migration.js'

/**
 * Environment and secrets: envelope-encryption keys (data keys, stored only wrapped by
 * master keys), credentials, contexts with their parameters and per-environment
 * credentials, and schedules. Secret columns hold ciphertext only, with the id of their
 * data key beside them (a foreign key, so a data key in use cannot be deleted).
 */
export const secretsAndSchedules: Migration = {
  name: '0004_secrets_and_schedules',
  up: (context) => [...keyTables(context), ...credentialTables(context), ...scheduleTables(context)],
  down: ({ schema, table }) =>
    ['schedules', 'context_credentials', 'context_parameters', 'contexts', 'credentials', 'encryption_key_wraps', 'encryption_keys'].map((name) =>
      schema.dropTable(table(name)).compile(),
    ),
}

function keyTables({ schema, table, types, adapter }: MigrationContext): CompiledQuery[] {
  const keys = table('encryption_keys')
  const wraps = table('encryption_key_wraps')
  return [
    adapter
      .tableOptions(
        schema
          .createTable(keys)
          .addColumn('id', types.uuid, (c) => c.primaryKey())
          .addColumn('status', types.string(16), (c) => c.notNull())
          .addColumn('master_key_id', types.string(40), (c) => c.notNull())
          .addColumn('created_at', types.timestamp, (c) => c.notNull()),
      )
      .compile(),
    adapter
      .tableOptions(
        schema
          .createTable(wraps)
          .addColumn('key_id', types.uuid, (c) => c.notNull())
          .addColumn('master_key_id', types.string(40), (c) => c.notNull())
          .addColumn('wrapped_key', types.text, (c) => c.notNull())
          .addColumn('created_at', types.timestamp, (c) => c.notNull())
          .addPrimaryKeyConstraint(`${wraps}_pk`, ['key_id', 'master_key_id'])
          .addForeignKeyConstraint(`${wraps}_key_fk`, ['key_id'], keys, ['id'], (fk) => fk.onDelete('cascade')),
      )
      .compile(),
  ]
}

function credentialTables({ schema, table, types, adapter }: MigrationContext): CompiledQuery[] {
  const keys = table('encryption_keys')
  const credentials = table('credentials')
  const contexts = table('contexts')
  const parameters = table('context_parameters')
  const links = table('context_credentials')
  return [
    adapter
      .tableOptions(
        schema
          .createTable(credentials)
          .addColumn('id', types.uuid, (c) => c.primaryKey())
          .addColumn('name', types.string(200), (c) => c.notNull())
          .addColumn('username', types.string(200))
          .addColumn('host', types.string(255))
          .addColumn('port', 'integer')
          .addColumn('database_name', types.string(200))
          .addColumn('pool', types.json)
          .addColumn('password_ciphertext', types.text)
          .addColumn('password_key_id', types.uuid)
          .addColumn('created_at', types.timestamp, (c) => c.notNull())
          .addColumn('updated_at', types.timestamp, (c) => c.notNull())
          .addUniqueConstraint(`${credentials}_name_uq`, ['name'])
          .addForeignKeyConstraint(`${credentials}_key_fk`, ['password_key_id'], keys, ['id']),
      )
      .compile(),
    schema.createIndex(`${credentials}_password_key_idx`).on(credentials).column('password_key_id').compile(),
    adapter
      .tableOptions(
        schema
          .createTable(contexts)
          .addColumn('id', types.uuid, (c) => c.primaryKey())
          .addColumn('name', types.string(200), (c) => c.notNull())
          .addColumn('environment', types.string(8), (c) => c.notNull())
          .addColumn('created_at', types.timestamp, (c) => c.notNull())
          .addColumn('updated_at', types.timestamp, (c) => c.notNull())
          .addUniqueConstraint(`${contexts}_name_uq`, ['name']),
      )
      .compile(),
    adapter
      .tableOptions(
        schema
          .createTable(parameters)
          .addColumn('id', types.uuid, (c) => c.primaryKey())
          .addColumn('context_id', types.uuid, (c) => c.notNull())
          .addColumn('param_key', types.string(200), (c) => c.notNull())
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('is_secure', types.boolean, (c) => c.notNull())
          .addColumn('value', types.json)
          .addColumn('value_ciphertext', types.text)
          .addColumn('value_key_id', types.uuid)
          .addUniqueConstraint(`${parameters}_context_key_uq`, ['context_id', 'param_key'])
          .addForeignKeyConstraint(`${parameters}_context_fk`, ['context_id'], contexts, ['id'], (fk) => fk.onDelete('cascade'))
          .addForeignKeyConstraint(`${parameters}_key_fk`, ['value_key_id'], keys, ['id']),
      )
      .compile(),
    schema.createIndex(`${parameters}_value_key_idx`).on(parameters).column('value_key_id').compile(),
    adapter
      .tableOptions(
        schema
          .createTable(links)
          .addColumn('context_id', types.uuid, (c) => c.notNull())
          .addColumn('environment', types.string(8), (c) => c.notNull())
          .addColumn('credential_id', types.uuid, (c) => c.notNull())
          .addPrimaryKeyConstraint(`${links}_pk`, ['context_id', 'environment'])
          .addForeignKeyConstraint(`${links}_context_fk`, ['context_id'], contexts, ['id'], (fk) => fk.onDelete('cascade'))
          .addForeignKeyConstraint(`${links}_credential_fk`, ['credential_id'], credentials, ['id'], (fk) => fk.onDelete('restrict')),
      )
      .compile(),
    schema.createIndex(`${links}_credential_idx`).on(links).column('credential_id').compile(),
  ]
}

function scheduleTables({ schema, table, types, adapter }: MigrationContext): CompiledQuery[] {
  const schedules = table('schedules')
  return [
    adapter
      .tableOptions(
        schema
          .createTable(schedules)
          .addColumn('id', types.uuid, (c) => c.primaryKey())
          .addColumn('name', types.string(200), (c) => c.notNull())
          .addColumn('job_id', types.uuid, (c) => c.notNull())
          .addColumn('environment', types.string(8), (c) => c.notNull())
          .addColumn('trigger_type', types.string(16), (c) => c.notNull())
          .addColumn('trigger', types.json, (c) => c.notNull())
          .addColumn('paused', types.boolean, (c) => c.notNull())
          // When the schedule is due (jitter included); null once a trigger has no more occurrences.
          .addColumn('next_fire_at', types.timestamp)
          // The trigger's own occurrence behind next_fire_at: the next one is computed from it.
          .addColumn('next_occurrence_at', types.timestamp)
          .addColumn('last_fired_at', types.timestamp)
          .addColumn('created_at', types.timestamp, (c) => c.notNull())
          .addColumn('updated_at', types.timestamp, (c) => c.notNull())
          .addUniqueConstraint(`${schedules}_name_uq`, ['name'])
          .addForeignKeyConstraint(`${schedules}_job_fk`, ['job_id'], table('jobs'), ['id'], (fk) => fk.onDelete('cascade')),
      )
      .compile(),
    schema.createIndex(`${schedules}_due_idx`).on(schedules).columns(['paused', 'next_fire_at']).compile(),
    schema.createIndex(`${schedules}_job_idx`).on(schedules).column('job_id').compile(),
  ]
}
