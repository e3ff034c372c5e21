// The product's tables (migrations 0002 and 0003), described once for the peers: each
// ORM maps the SAME tables, created by the product's own migrations, so every
// implementation reads and writes identical rows. Kinds: uuid, string, text, int,
// bigint, double, bool, ts (UTC, ms), json.
export const PREFIX = 'etl_'

export const TABLES = {
  jobs: {
    primary: ['id'],
    columns: {
      id: 'uuid', name: 'string', description: 'text', strategy_type: 'string', num_of_retries: 'int', file_logging: 'bool',
      tags: 'json', current_version: 'int', content_hash: 'string', component_count: 'int', created_at: 'ts', updated_at: 'ts',
      created_by: 'string', updated_by: 'string',
    },
  },
  job_versions: {
    primary: ['job_id', 'version'],
    columns: { job_id: 'uuid', version: 'int', content_hash: 'string', config: 'json', created_at: 'ts', created_by: 'string' },
  },
  components: {
    primary: ['id'],
    columns: {
      id: 'uuid', job_id: 'uuid', name: 'string', comp_type: 'string', position: 'int', description: 'text', payload: 'json',
      x_coord: 'double', y_coord: 'double', metadata: 'json',
    },
  },
  component_links: {
    primary: ['src_component_id', 'out_port', 'position'],
    columns: { job_id: 'uuid', src_component_id: 'uuid', out_port: 'string', position: 'int', dst_component_id: 'uuid', in_port: 'string' },
  },
  executions: {
    primary: ['id'],
    columns: {
      id: 'uuid', job_id: 'uuid', job_version: 'int', environment: 'string', status: 'string', trigger: 'string',
      idempotency_key: 'string', worker_id: 'string', lease_expires_at: 'ts', lease_ms: 'int', attempt_count: 'int',
      max_attempts: 'int', queued_at: 'ts', started_at: 'ts', finished_at: 'ts', duration_ms: 'bigint', error_type: 'string',
      error_message: 'string', updated_at: 'ts',
    },
  },
  execution_payloads: { primary: ['execution_id'], columns: { execution_id: 'uuid', params: 'json', error_details: 'json' } },
  execution_attempts: {
    primary: ['id'],
    columns: {
      id: 'uuid', execution_id: 'uuid', attempt_number: 'int', status: 'string', worker_id: 'string', started_at: 'ts',
      finished_at: 'ts', error_type: 'string', error_message: 'text', error_details: 'json',
    },
  },
  component_runs: {
    primary: ['attempt_id', 'component_name'],
    columns: {
      attempt_id: 'uuid', component_name: 'string', execution_id: 'uuid', status: 'string', started_at: 'ts', finished_at: 'ts',
      lines_received: 'bigint', lines_forwarded: 'bigint', error_count: 'bigint', processing_ms: 'double', metrics: 'json',
    },
  },
  audit_log: {
    primary: ['seq'],
    columns: {
      seq: 'bigint', at: 'ts', actor: 'string', action: 'string', entity_type: 'string', entity_id: 'string', outcome: 'string',
      before: 'json', after: 'json', prev_hash: 'string', hash: 'string',
    },
  },
  audit_head: { primary: ['id'], columns: { id: 'int', seq: 'bigint', hash: 'string' } },
  job_state_pending: {
    primary: ['attempt_id', 'job_id', 'state_key'],
    columns: { attempt_id: 'uuid', job_id: 'uuid', state_key: 'string', value: 'json', updated_at: 'ts' },
  },
}

export const table = (name) => `${PREFIX}${name}`
export const columnsOf = (name) => Object.keys(TABLES[name].columns)

/** The execution header, as the product lists it. */
export const EXECUTION_HEADER = [
  'id', 'job_id', 'job_version', 'environment', 'status', 'trigger', 'idempotency_key', 'worker_id', 'lease_expires_at',
  'attempt_count', 'max_attempts', 'queued_at', 'started_at', 'finished_at', 'duration_ms', 'error_type', 'error_message',
]
