import type { CompiledQuery } from 'kysely'
import type { Migration, MigrationContext } from './migration.js'

/**
 * Execution metadata: the execution header (small, listed constantly), its bulky
 * payload (parameters, error details) in a side table, attempts, per-component runs,
 * the event log, and durable job state (committed and pending-under-an-attempt).
 *
 * Every list, claim, reap and purge query has an index here; `test/execution-explain`
 * proves the planner uses them.
 */
export const executionMetadata: Migration = {
  name: '0003_execution_metadata',
  up: (context) => [...executionTables(context), ...childTables(context), ...stateTables(context)],
  down: ({ schema, table }) =>
    ['job_state_pending', 'job_state', 'execution_events', 'component_runs', 'execution_attempts', 'execution_payloads', 'executions'].map((name) =>
      schema.dropTable(table(name)).compile(),
    ),
}

function executionTables({ schema, table, types, adapter }: MigrationContext): CompiledQuery[] {
  const executions = table('executions')
  const index = (suffix: string, columns: string[]) => schema.createIndex(`${executions}_${suffix}`).on(executions).columns(columns).compile()
  return [
    adapter
      .tableOptions(
        schema
          .createTable(executions)
          .addColumn('id', types.uuid, (c) => c.primaryKey())
          .addColumn('job_id', types.uuid, (c) => c.notNull())
          .addColumn('job_version', 'integer', (c) => c.notNull())
          .addColumn('environment', types.string(50))
          .addColumn('status', types.string(16), (c) => c.notNull())
          .addColumn('trigger', types.string(20), (c) => c.notNull())
          .addColumn('idempotency_key', types.string(200))
          .addColumn('worker_id', types.string(200))
          .addColumn('lease_expires_at', types.timestamp)
          .addColumn('lease_ms', 'integer')
          .addColumn('attempt_count', 'integer', (c) => c.notNull())
          .addColumn('max_attempts', 'integer', (c) => c.notNull())
          .addColumn('queued_at', types.timestamp, (c) => c.notNull())
          .addColumn('started_at', types.timestamp)
          .addColumn('finished_at', types.timestamp)
          .addColumn('duration_ms', types.bigint)
          .addColumn('error_type', types.string(100))
          .addColumn('error_message', types.string(1000))
          .addColumn('updated_at', types.timestamp, (c) => c.notNull())
          .addForeignKeyConstraint(`${executions}_job_fk`, ['job_id'], table('jobs'), ['id'], (fk) => fk.onDelete('restrict')),
      )
      .compile(),
    schema.createIndex(`${executions}_idempotency_key_uq`).on(executions).column('idempotency_key').unique().compile(),
    index('job_queued_idx', ['job_id', 'queued_at', 'id']),
    index('status_queued_idx', ['status', 'queued_at', 'id']),
    index('queued_idx', ['queued_at', 'id']),
    index('environment_queued_idx', ['environment', 'queued_at', 'id']),
    index('trigger_queued_idx', ['trigger', 'queued_at', 'id']),
    index('status_lease_idx', ['status', 'lease_expires_at']),
    index('finished_idx', ['finished_at']),
    adapter
      .tableOptions(
        schema
          .createTable(table('execution_payloads'))
          .addColumn('execution_id', types.uuid, (c) => c.primaryKey())
          .addColumn('params', types.json)
          .addColumn('error_details', types.json)
          .addForeignKeyConstraint(`${table('execution_payloads')}_execution_fk`, ['execution_id'], executions, ['id'], (fk) => fk.onDelete('cascade')),
      )
      .compile(),
  ]
}

function childTables({ schema, table, types, adapter }: MigrationContext): CompiledQuery[] {
  const executions = table('executions')
  const attempts = table('execution_attempts')
  const runs = table('component_runs')
  const events = table('execution_events')
  return [
    adapter
      .tableOptions(
        schema
          .createTable(attempts)
          .addColumn('id', types.uuid, (c) => c.primaryKey())
          .addColumn('execution_id', types.uuid, (c) => c.notNull())
          .addColumn('attempt_number', 'integer', (c) => c.notNull())
          .addColumn('status', types.string(16), (c) => c.notNull())
          .addColumn('worker_id', types.string(200))
          .addColumn('started_at', types.timestamp, (c) => c.notNull())
          .addColumn('finished_at', types.timestamp)
          .addColumn('error_type', types.string(100))
          .addColumn('error_message', types.text)
          .addColumn('error_details', types.json)
          .addForeignKeyConstraint(`${attempts}_execution_fk`, ['execution_id'], executions, ['id'], (fk) => fk.onDelete('cascade')),
      )
      .compile(),
    schema.createIndex(`${attempts}_execution_number_uq`).on(attempts).columns(['execution_id', 'attempt_number']).unique().compile(),
    adapter
      .tableOptions(
        schema
          .createTable(runs)
          .addColumn('attempt_id', types.uuid, (c) => c.notNull())
          .addColumn('component_name', types.string(200), (c) => c.notNull())
          .addColumn('execution_id', types.uuid, (c) => c.notNull())
          .addColumn('status', types.string(16), (c) => c.notNull())
          .addColumn('started_at', types.timestamp)
          .addColumn('finished_at', types.timestamp)
          .addColumn('lines_received', types.bigint, (c) => c.notNull())
          .addColumn('lines_forwarded', types.bigint, (c) => c.notNull())
          .addColumn('error_count', types.bigint, (c) => c.notNull())
          .addColumn('processing_ms', types.double, (c) => c.notNull())
          .addColumn('metrics', types.json)
          .addPrimaryKeyConstraint(`${runs}_pk`, ['attempt_id', 'component_name'])
          .addForeignKeyConstraint(`${runs}_attempt_fk`, ['attempt_id'], attempts, ['id'], (fk) => fk.onDelete('cascade'))
          .addForeignKeyConstraint(`${runs}_execution_fk`, ['execution_id'], executions, ['id'], (fk) => fk.onDelete('cascade')),
      )
      .compile(),
    schema.createIndex(`${runs}_execution_idx`).on(runs).column('execution_id').compile(),
    adapter
      .tableOptions(
        schema
          .createTable(events)
          .addColumn('id', types.uuid, (c) => c.primaryKey())
          .addColumn('execution_id', types.uuid, (c) => c.notNull())
          .addColumn('at', types.timestamp, (c) => c.notNull())
          .addColumn('level', types.string(10), (c) => c.notNull())
          .addColumn('component_name', types.string(200))
          .addColumn('message', types.text, (c) => c.notNull())
          .addColumn('data', types.json)
          .addForeignKeyConstraint(`${events}_execution_fk`, ['execution_id'], executions, ['id'], (fk) => fk.onDelete('cascade')),
      )
      .compile(),
    schema.createIndex(`${events}_execution_idx`).on(events).columns(['execution_id', 'id']).compile(),
  ]
}

function stateTables({ schema, table, types, adapter }: MigrationContext): CompiledQuery[] {
  const state = table('job_state')
  const pending = table('job_state_pending')
  return [
    adapter
      .tableOptions(
        schema
          .createTable(state)
          .addColumn('job_id', types.uuid, (c) => c.notNull())
          .addColumn('state_key', types.string(200), (c) => c.notNull())
          .addColumn('value', types.json)
          .addColumn('updated_at', types.timestamp, (c) => c.notNull())
          .addPrimaryKeyConstraint(`${state}_pk`, ['job_id', 'state_key'])
          .addForeignKeyConstraint(`${state}_job_fk`, ['job_id'], table('jobs'), ['id'], (fk) => fk.onDelete('restrict')),
      )
      .compile(),
    // Values written under an attempt wait here until the attempt succeeds.
    adapter
      .tableOptions(
        schema
          .createTable(pending)
          .addColumn('attempt_id', types.uuid, (c) => c.notNull())
          .addColumn('job_id', types.uuid, (c) => c.notNull())
          .addColumn('state_key', types.string(200), (c) => c.notNull())
          .addColumn('value', types.json)
          .addColumn('updated_at', types.timestamp, (c) => c.notNull())
          .addPrimaryKeyConstraint(`${pending}_pk`, ['attempt_id', 'job_id', 'state_key'])
          .addForeignKeyConstraint(`${pending}_attempt_fk`, ['attempt_id'], table('execution_attempts'), ['id'], (fk) => fk.onDelete('cascade')),
      )
      .compile(),
  ]
}
