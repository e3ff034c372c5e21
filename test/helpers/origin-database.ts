import { randomUUID } from 'node:crypto'
import Database from 'better-sqlite3'

/**
 * etl-core's tables as SQLAlchemy's `create_all` writes them on SQLite, from the
 * origin's `src/etl_core/persistence/table_definitions.py` (SQLModel: VARCHAR ids,
 * BOOLEAN as 0/1, JSON as text, DATETIME as naive `YYYY-MM-DD HH:MM:SS.ffffff`, the
 * strategy enum as its member names).
 */
export const ORIGIN_DDL = `
CREATE TABLE jobtable (
  name VARCHAR NOT NULL, num_of_retries INTEGER NOT NULL, file_logging BOOLEAN NOT NULL,
  strategy_type VARCHAR(7) NOT NULL, id VARCHAR NOT NULL, PRIMARY KEY (id));
CREATE TABLE componenttable (
  name VARCHAR NOT NULL, description VARCHAR NOT NULL, comp_type VARCHAR NOT NULL, id VARCHAR NOT NULL,
  job_id VARCHAR NOT NULL, payload JSON NOT NULL, PRIMARY KEY (id),
  CONSTRAINT uq_components_job_name UNIQUE (job_id, name), FOREIGN KEY(job_id) REFERENCES jobtable (id) ON DELETE CASCADE);
CREATE TABLE componentlinktable (
  id VARCHAR NOT NULL, job_id VARCHAR NOT NULL, src_component_id VARCHAR NOT NULL, src_out_port VARCHAR NOT NULL,
  dst_component_id VARCHAR NOT NULL, dst_in_port VARCHAR NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (id),
  CONSTRAINT uq_links_src_port_position UNIQUE (src_component_id, src_out_port, position),
  FOREIGN KEY(job_id) REFERENCES jobtable (id) ON DELETE CASCADE,
  FOREIGN KEY(src_component_id) REFERENCES componenttable (id) ON DELETE CASCADE,
  FOREIGN KEY(dst_component_id) REFERENCES componenttable (id) ON DELETE CASCADE);
CREATE TABLE metadatatable (
  timestamp DATETIME NOT NULL, user_id INTEGER, id VARCHAR NOT NULL, job_id VARCHAR, component_id VARCHAR,
  PRIMARY KEY (id), UNIQUE (job_id), UNIQUE (component_id),
  FOREIGN KEY(job_id) REFERENCES jobtable (id) ON DELETE CASCADE,
  FOREIGN KEY(component_id) REFERENCES componenttable (id) ON DELETE CASCADE);
CREATE TABLE layouttable (
  x_coordinate INTEGER NOT NULL, y_coordinate INTEGER NOT NULL, id VARCHAR NOT NULL, component_id VARCHAR NOT NULL,
  PRIMARY KEY (id), UNIQUE (component_id), FOREIGN KEY(component_id) REFERENCES componenttable (id) ON DELETE CASCADE);
CREATE TABLE credentialstable (
  id VARCHAR NOT NULL, name VARCHAR NOT NULL, user VARCHAR NOT NULL, host VARCHAR NOT NULL, port INTEGER NOT NULL,
  database VARCHAR NOT NULL, pool_max_size INTEGER, pool_timeout_s INTEGER, created_at DATETIME NOT NULL, PRIMARY KEY (id));
CREATE INDEX ix_credentialstable_id ON credentialstable (id);
CREATE TABLE contexttable (
  id VARCHAR NOT NULL, name VARCHAR NOT NULL, environment VARCHAR NOT NULL, created_at DATETIME NOT NULL, PRIMARY KEY (id));
CREATE INDEX ix_contexttable_id ON contexttable (id);
CREATE TABLE contextparametertable (
  id INTEGER NOT NULL, context_id VARCHAR NOT NULL, key VARCHAR NOT NULL, value VARCHAR NOT NULL, is_secure BOOLEAN NOT NULL,
  PRIMARY KEY (id), CONSTRAINT uq_contextparam_context_key UNIQUE (context_id, key),
  FOREIGN KEY(context_id) REFERENCES contexttable (id) ON DELETE CASCADE);
CREATE INDEX ix_contextparametertable_context_id ON contextparametertable (context_id);
CREATE INDEX ix_contextparametertable_key ON contextparametertable (key);
CREATE TABLE contextcredentialsmaptable (
  id INTEGER NOT NULL, context_id VARCHAR NOT NULL, environment VARCHAR NOT NULL, credentials_id VARCHAR NOT NULL,
  PRIMARY KEY (id), CONSTRAINT uq_ctxcred_context_env UNIQUE (context_id, environment),
  FOREIGN KEY(context_id) REFERENCES contexttable (id) ON DELETE CASCADE,
  FOREIGN KEY(credentials_id) REFERENCES credentialstable (id) ON DELETE RESTRICT);
CREATE INDEX ix_contextcredentialsmaptable_context_id ON contextcredentialsmaptable (context_id);
CREATE INDEX ix_contextcredentialsmaptable_credentials_id ON contextcredentialsmaptable (credentials_id);
CREATE TABLE executiontable (
  id VARCHAR NOT NULL, job_id VARCHAR NOT NULL, environment VARCHAR, status VARCHAR NOT NULL, error VARCHAR,
  started_at DATETIME NOT NULL, finished_at DATETIME, PRIMARY KEY (id),
  FOREIGN KEY(job_id) REFERENCES jobtable (id) ON DELETE CASCADE);
CREATE INDEX ix_executiontable_job_id ON executiontable (job_id);
CREATE INDEX ix_executiontable_environment ON executiontable (environment);
CREATE INDEX ix_executiontable_status ON executiontable (status);
CREATE TABLE executionattempttable (
  id VARCHAR NOT NULL, execution_id VARCHAR NOT NULL, attempt_index INTEGER NOT NULL, status VARCHAR NOT NULL,
  error VARCHAR, started_at DATETIME NOT NULL, finished_at DATETIME, PRIMARY KEY (id),
  FOREIGN KEY(execution_id) REFERENCES executiontable (id) ON DELETE CASCADE);
CREATE INDEX ix_executionattempttable_execution_id ON executionattempttable (execution_id);
CREATE INDEX ix_executionattempttable_status ON executionattempttable (status);
CREATE TABLE scheduletable (
  id VARCHAR NOT NULL, name VARCHAR NOT NULL, job_id VARCHAR NOT NULL, environment VARCHAR NOT NULL,
  trigger_type VARCHAR NOT NULL, trigger_args JSON NOT NULL, is_paused BOOLEAN NOT NULL,
  created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, PRIMARY KEY (id),
  FOREIGN KEY(job_id) REFERENCES jobtable (id) ON DELETE CASCADE);
CREATE INDEX ix_scheduletable_name ON scheduletable (name);
CREATE INDEX ix_scheduletable_job_id ON scheduletable (job_id);
CREATE INDEX ix_scheduletable_environment ON scheduletable (environment);
`

export interface OriginFixtureOptions {
  readonly jobs?: number
  readonly contexts?: number
  readonly credentials?: number
  readonly schedules?: number
  readonly executions?: number
  /** The wall-clock time (naive, as etl-core writes it) of the first row. */
  readonly start?: string
}

/** What the fixture wrote, for the assertions. */
export interface OriginFixture {
  readonly path: string
  /** `config`: the job as etl-core's `GET /jobs/{id}` shows it (less ids), times as UTC ISO strings. */
  readonly jobs: ReadonlyArray<{ id: string; name: string; kind: string; components: number; links: number; config: Record<string, unknown> }>
  readonly credentials: ReadonlyArray<{ id: string; name: string }>
  readonly contexts: ReadonlyArray<{ id: string; name: string; secureKeys: readonly string[]; mapsCredentials: boolean }>
  readonly schedules: ReadonlyArray<{ id: string; name: string; job_id: string; trigger_type: string }>
  /** `started_at`/`finished_at`: as written; `startedAt`/`finishedAt`: the instants they stand for read as UTC. */
  readonly executions: ReadonlyArray<{
    id: string
    job_id: string
    status: string
    error: string | null
    environment: string | null
    started_at: string
    finished_at: string | null
    startedAt: Date
    finishedAt: Date | null
    attempts: number
  }>
  /** Rows per table. */
  readonly counts: Readonly<Record<string, number>>
}

/** A small deterministic generator, so every run writes the same fixture. */
function generator(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

/** `datetime.now()` as SQLAlchemy stores it: naive, with microseconds. */
function naive(ms: number, micros = 0): string {
  const iso = new Date(ms).toISOString() // the fixture's wall clock, written as if local
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(new Date(ms).getUTCMilliseconds() * 1000 + micros).padStart(6, '0')}`
}

type Component = { name: string; comp_type: string; description: string; payload: Record<string, unknown>; routes?: Record<string, Array<string | string[]>> }

const fields = (...names: Array<[string, string]>) => ({ fields: names.map(([name, data_type]) => ({ name, data_type })) })
const ORDERS = fields(['order_id', 'integer'], ['customer', 'string'], ['amount', 'float'], ['status', 'string'])

/**
 * The kinds of job the fixture writes, each as etl-core stores it: the payload is
 * `model_dump(exclude_defaults=True, exclude_none=True)` without name, description,
 * type, routes, layout and metadata (so a CSV reader with the default `,` has no
 * `separator`), extra ports dumped as objects.
 */
export const JOB_KINDS: Readonly<Record<string, (ctx: { db: string; n: number }) => Component[]>> = {
  csv_passthrough: ({ n }): Component[] => [
    {
      name: 'read_orders',
      comp_type: 'read_csv',
      description: 'orders export',
      payload: { filepath: `/data/in/orders_${n}.csv`, out_port_schemas: { out: ORDERS } },
      routes: { out: [['write_orders', 'in']] },
    },
    {
      name: 'write_orders',
      comp_type: 'write_csv',
      description: 'orders copy',
      payload: { filepath: `/data/out/orders_${n}.csv`, in_port_schemas: { in: ORDERS } },
    },
  ],
  filter_paid: ({ n }): Component[] => [
    {
      name: 'read',
      comp_type: 'read_json',
      description: 'orders as JSON',
      payload: { filepath: `/data/in/orders_${n}.json`, out_port_schemas: { out: ORDERS } },
      routes: { out: ['only_paid'] },
    },
    {
      name: 'only_paid',
      comp_type: 'filter',
      description: 'paid orders pass',
      payload: { rule: { column: 'status', operator: '==', value: 'paid' }, in_port_schemas: { in: ORDERS }, out_port_schemas: { pass: ORDERS, fail: ORDERS } },
      routes: { pass: [['write_paid', 'in']], fail: [['write_rest', 'in']] },
    },
    { name: 'write_paid', comp_type: 'write_json', description: 'paid', payload: { filepath: `/data/out/paid_${n}.json`, in_port_schemas: { in: ORDERS } } },
    {
      name: 'write_rest',
      comp_type: 'write_csv',
      description: 'the rest',
      payload: { filepath: `/data/out/rest_${n}.csv`, separator: ';', in_port_schemas: { in: ORDERS } },
    },
  ],
  aggregate: ({ n }): Component[] => [
    {
      name: 'reader',
      comp_type: 'read_csv',
      description: 'CSV in',
      payload: { filepath: `/data/in/sales_${n}.csv`, separator: ';', out_port_schemas: { out: ORDERS } },
      routes: { out: [['agg', 'in']] },
    },
    {
      name: 'agg',
      comp_type: 'aggregation',
      description: 'count and sum per customer',
      payload: {
        group_by: ['customer'],
        aggregations: [
          { src: '*', op: 'count', dest: 'orders' },
          { src: 'amount', op: 'sum', dest: 'total' },
        ],
        in_port_schemas: { in: ORDERS },
        out_port_schemas: { out: fields(['customer', 'string'], ['orders', 'integer'], ['total', 'float']) },
      },
      routes: { out: [['writer', 'in']] },
    },
    {
      name: 'writer',
      comp_type: 'write_excel',
      description: 'Excel out',
      payload: { filepath: `/data/out/sales_${n}.xlsx`, in_port_schemas: { in: fields(['customer', 'string'], ['orders', 'integer'], ['total', 'float']) } },
    },
  ],
  convert: ({ n }): Component[] => [
    {
      name: 'reader',
      comp_type: 'read_json',
      description: 'raw events',
      payload: { filepath: `/data/in/events_${n}.json`, out_port_schemas: { out: fields(['id', 'string'], ['value', 'string']) } },
      routes: { out: [['convert', 'in']] },
    },
    {
      name: 'convert',
      comp_type: 'type_conversion',
      description: 'typed values',
      payload: {
        rules: [
          { column_path: 'id', target: 'integer' },
          { column_path: 'value', target: 'float', on_error: 'null' },
        ],
        in_port_schemas: { in: fields(['id', 'string'], ['value', 'string']) },
        out_port_schemas: { out: fields(['id', 'integer'], ['value', 'float']) },
      },
      routes: { out: [['writer', 'in']] },
    },
    {
      name: 'writer',
      comp_type: 'write_csv',
      description: 'typed CSV',
      payload: { filepath: `/data/out/events_${n}.csv`, separator: '\t', in_port_schemas: { in: fields(['id', 'integer'], ['value', 'float']) } },
    },
  ],
  join: ({ n }): Component[] => {
    const person = fields(['id', 'string'], ['name', 'string'])
    const joined = fields(['id', 'string'], ['name_x', 'string'], ['name_y', 'string'])
    return [
      {
        name: 'L',
        comp_type: 'read_csv',
        description: 'left',
        payload: { filepath: `/data/in/left_${n}.csv`, out_port_schemas: { out: person } },
        routes: { out: [['map', 'L']] },
      },
      {
        name: 'R',
        comp_type: 'read_csv',
        description: 'right',
        payload: { filepath: `/data/in/right_${n}.csv`, out_port_schemas: { out: person } },
        routes: { out: [['map', 'R']] },
      },
      {
        name: 'map',
        comp_type: 'schema_mapping',
        description: 'inner join on id',
        payload: {
          extra_input_ports: [{ name: 'L' }, { name: 'R' }],
          extra_output_ports: [{ name: 'J' }],
          in_port_schemas: { L: person, R: person },
          out_port_schemas: { J: joined },
          join_plan: { steps: [{ left_port: 'L', right_port: 'R', left_on: 'id', right_on: 'id', how: 'inner', output_port: 'J' }] },
        },
        routes: { J: [['writer', 'in']] },
      },
      { name: 'writer', comp_type: 'write_csv', description: 'joined', payload: { filepath: `/data/out/joined_${n}.csv`, in_port_schemas: { in: joined } } },
    ]
  },
  database: ({ db, n }): Component[] => [
    {
      name: 'read_orders',
      comp_type: 'read_postgresql',
      description: 'orders of the day',
      payload: {
        context_id: db,
        entity_name: 'orders',
        query: 'SELECT order_id, customer, amount, status FROM orders WHERE day = %(day)s',
        params: { day: '2025-03-14' },
        out_port_schemas: { out: ORDERS },
      },
      routes: { out: [['write_orders', 'in']] },
    },
    {
      name: 'write_orders',
      comp_type: 'write_mariadb',
      description: 'into the warehouse',
      payload: { context_id: db, entity_name: `orders_copy_${n}`, in_port_schemas: { in: ORDERS } },
    },
  ],
}

const ERRORS = [
  "FileNotFoundError: [Errno 2] No such file or directory: '/data/in/orders.csv'",
  'ValueError: could not convert string to float: "n/a"',
  'OperationalError: (psycopg2.OperationalError) connection to server at "db.internal" (10.0.0.7), port 5432 failed: timeout expired',
]

/**
 * Writes an etl-core database to `path`, with realistic rows: jobs of every kind (with
 * layout and metadata rows), plain contexts with secure parameters and credentials-
 * mapping contexts, credentials, interval/cron/date schedules and executions with their
 * attempts (SUCCESS, FAILED after retries, a few still RUNNING).
 */
export function writeOriginDatabase(path: string, options: OriginFixtureOptions = {}): OriginFixture {
  const {
    jobs: jobCount = 20,
    contexts: contextCount = 5,
    credentials: credentialCount = 3,
    schedules: scheduleCount = 4,
    executions: executionCount = 500,
  } = options
  const random = generator(18)
  const t0 = Date.parse(`${(options.start ?? '2025-03-14 09:00:00').replace(' ', 'T')}Z`)
  const db = new Database(path)
  db.pragma('foreign_keys = ON')
  db.exec(ORIGIN_DDL)
  const insert = (table: string, row: Record<string, unknown>) => {
    const columns = Object.keys(row)
    db.prepare(`insert into ${table} (${columns.map((c) => `"${c}"`).join(', ')}) values (${columns.map(() => '?').join(', ')})`).run(...Object.values(row))
  }
  const counts: Record<string, number> = {}
  const count = (table: string, n = 1) => (counts[table] = (counts[table] ?? 0) + n)

  const fixture = {
    path,
    jobs: [] as OriginFixture['jobs'][number][],
    credentials: [] as OriginFixture['credentials'][number][],
    contexts: [] as OriginFixture['contexts'][number][],
    schedules: [] as OriginFixture['schedules'][number][],
    executions: [] as OriginFixture['executions'][number][],
    counts,
  }
  db.transaction(() => {
    const hosts = ['warehouse.internal', 'orders-db.internal', 'reporting.internal']
    for (let i = 0; i < credentialCount; i++) {
      const id = randomUUID()
      const name = ['warehouse', 'orders_db', 'reporting'][i] ?? `db_${i}`
      insert('credentialstable', {
        id,
        name,
        user: 'etl',
        host: hosts[i % hosts.length],
        port: i % 2 === 0 ? 5432 : 3306,
        database: `${name}_prod`,
        pool_max_size: i === 0 ? 10 : null,
        pool_timeout_s: i === 0 ? 30 : null,
        created_at: naive(t0 + i * 60_000, 123),
      })
      count('credentialstable')
      fixture.credentials.push({ id, name })
    }
    let parameterId = 0
    let mapId = 0
    for (let i = 0; i < contextCount; i++) {
      const id = randomUUID()
      const mapsCredentials = i >= Math.ceil(contextCount / 2) && credentialCount > 0
      const name = mapsCredentials ? `db_${i}` : `pipeline_${i}`
      const environment = ['DEV', 'TEST', 'PROD'][i % 3] as string
      insert('contexttable', { id, name, environment, created_at: naive(t0 + 3_600_000 + i * 60_000, 456) })
      count('contexttable')
      const secureKeys: string[] = []
      if (!mapsCredentials) {
        for (const [key, value, secure] of [
          ['input_dir', '/data/in', false],
          ['batch_size', '500', false],
          ['api_token', '', true],
        ] as const) {
          insert('contextparametertable', { id: ++parameterId, context_id: id, key, value, is_secure: secure ? 1 : 0 })
          count('contextparametertable')
          if (secure) secureKeys.push(key)
        }
      } else {
        for (const [k, env] of ['DEV', 'PROD'].entries()) {
          insert('contextcredentialsmaptable', {
            id: ++mapId,
            context_id: id,
            environment: env,
            credentials_id: fixture.credentials[(i + k) % credentialCount]?.id,
          })
          count('contextcredentialsmaptable')
        }
      }
      fixture.contexts.push({ id, name, secureKeys, mapsCredentials })
    }
    const dbContext = fixture.contexts.find((c) => c.mapsCredentials)?.id ?? null
    const kinds = Object.keys(JOB_KINDS)
    for (let j = 0; j < jobCount; j++) {
      const id = randomUUID()
      const kind = kinds[j % kinds.length] as string
      const name = `${kind.replace('_', ' ')} ${j + 1}`
      const retries = j % 3
      const strategy = ['ROW', 'BULK', 'BIGDATA'][j % 3] as string
      insert('jobtable', { name, num_of_retries: retries, file_logging: j % 4 === 0 ? 1 : 0, strategy_type: strategy, id })
      count('jobtable')
      const created = t0 + 7_200_000 + j * 600_000
      insert('metadatatable', { timestamp: naive(created, 789), user_id: j % 2 === 0 ? 7 : null, id: randomUUID(), job_id: id, component_id: null })
      count('metadatatable')
      const components = (JOB_KINDS[kind] as (ctx: { db: string; n: number }) => Component[])({ db: dbContext ?? '', n: j + 1 })
      const ids = new Map<string, string>()
      components.forEach((component, k) => {
        const componentId = randomUUID()
        ids.set(component.name, componentId)
        insert('componenttable', {
          name: component.name,
          description: component.description,
          comp_type: component.comp_type,
          id: componentId,
          job_id: id,
          payload: JSON.stringify(component.payload),
        })
        insert('layouttable', { x_coordinate: 120 * k, y_coordinate: 80 * (k % 2), id: randomUUID(), component_id: componentId })
        insert('metadatatable', { timestamp: naive(created + k * 1000, 789), user_id: 7, id: randomUUID(), job_id: null, component_id: componentId })
      })
      count('componenttable', components.length)
      count('layouttable', components.length)
      count('metadatatable', components.length)
      let links = 0
      for (const component of components) {
        for (const [port, targets] of Object.entries(component.routes ?? {})) {
          targets.forEach((target, position) => {
            const [to = '', inPort = ''] = typeof target === 'string' ? [target] : target
            insert('componentlinktable', {
              id: randomUUID(),
              job_id: id,
              src_component_id: ids.get(component.name),
              src_out_port: port,
              dst_component_id: ids.get(to),
              dst_in_port: inPort,
              position,
            })
            links++
          })
        }
      }
      count('componentlinktable', links)
      const config = {
        name,
        strategy_type: strategy.toLowerCase(),
        num_of_retries: retries,
        file_logging: j % 4 === 0,
        metadata_: { timestamp: new Date(created).toISOString(), ...(j % 2 === 0 ? { user_id: 7 } : {}) },
        components: components.map((component, k) => ({
          comp_type: component.comp_type,
          name: component.name,
          description: component.description,
          ...component.payload,
          ...(component.routes
            ? {
                routes: Object.fromEntries(
                  Object.entries(component.routes).map(([port, targets]) => [
                    port,
                    targets.map((t) => (typeof t === 'string' ? t : { to: t[0], in_port: t[1] })),
                  ]),
                ),
              }
            : {}),
          layout: { x_coordinate: 120 * k, y_coordinate: 80 * (k % 2) },
          metadata_: { timestamp: new Date(created + k * 1000).toISOString(), user_id: 7 },
        })),
      }
      fixture.jobs.push({ id, name, kind, components: components.length, links, config })
    }
    const triggers: Array<[string, Record<string, unknown>]> = [
      ['interval', { hours: 6, start_date: '2025-03-15T00:00:00' }],
      ['cron', { hour: 2, minute: 30, day_of_week: 'mon-fri' }],
      ['cron', { day_of_week: 0, hour: '7', minute: 15, timezone: 'Europe/Berlin' }],
      ['date', { run_date: '2030-01-01T06:00:00' }],
    ]
    for (let s = 0; s < scheduleCount; s++) {
      const id = randomUUID()
      const [type, args] = triggers[s % triggers.length] as [string, Record<string, unknown>]
      const job = fixture.jobs[s % fixture.jobs.length] as OriginFixture['jobs'][number]
      const name = `${job.name} ${type} ${s + 1}`
      insert('scheduletable', {
        id,
        name,
        job_id: job.id,
        environment: ['PROD', 'TEST', 'DEV', 'PROD'][s % 4],
        trigger_type: type,
        trigger_args: JSON.stringify(args),
        is_paused: s === 3 ? 1 : 0,
        created_at: naive(t0 + 86_400_000 + s * 1000, 1),
        updated_at: naive(t0 + 90_000_000 + s * 1000, 2),
      })
      count('scheduletable')
      fixture.schedules.push({ id, name, job_id: job.id, trigger_type: type })
    }
    for (let e = 0; e < executionCount; e++) {
      const id = randomUUID()
      const j = e % jobCount
      const job = fixture.jobs[j] as OriginFixture['jobs'][number]
      const retries = j % 3
      const roll = random()
      const status = e >= executionCount - 3 ? 'RUNNING' : roll < 0.8 ? 'SUCCESS' : 'FAILED'
      const start = t0 + 2 * 86_400_000 + e * 1_800_000 + Math.floor(random() * 60_000)
      const attempts = status === 'FAILED' ? retries + 1 : status === 'SUCCESS' && retries > 0 && roll < 0.2 ? 2 : 1
      const error = status === 'FAILED' ? (ERRORS[e % ERRORS.length] as string) : null
      const rows: Array<Record<string, unknown>> = []
      let at = start
      for (let a = 1; a <= attempts; a++) {
        const attemptStatus = a === attempts ? status : 'FAILED'
        const end = at + 1000 + Math.floor(random() * 20_000)
        rows.push({
          id: randomUUID(),
          execution_id: id,
          attempt_index: a,
          status: attemptStatus,
          error: attemptStatus === 'FAILED' ? (error ?? (ERRORS[0] as string)) : null,
          started_at: naive(at, 250),
          finished_at: attemptStatus === 'RUNNING' ? null : naive(end, 500),
        })
        at = end + 1
      }
      const finished = status === 'RUNNING' ? null : naive(at, 750)
      insert('executiontable', {
        id,
        job_id: job.id,
        environment: [null, 'DEV', 'TEST', 'PROD'][e % 4] ?? null,
        status,
        error,
        started_at: naive(start, 100),
        finished_at: finished,
      })
      count('executiontable')
      for (const row of rows) insert('executionattempttable', row)
      count('executionattempttable', attempts)
      const environment = [null, 'DEV', 'TEST', 'PROD'][e % 4] as string | null
      fixture.executions.push({
        id,
        job_id: job.id,
        status,
        error,
        environment,
        started_at: naive(start, 100),
        finished_at: finished,
        startedAt: new Date(start),
        finishedAt: status === 'RUNNING' ? null : new Date(at),
        attempts,
      })
    }
  })()
  db.close()
  return fixture
}

/** Runs `statement` on the origin file (to corrupt a row, say). */
export function alterOrigin(path: string, statement: string, ...values: unknown[]): void {
  const db = new Database(path)
  try {
    db.prepare(statement).run(...values)
  } finally {
    db.close()
  }
}

/** The id of a job's component, by name. */
export function componentId(path: string, jobId: string, name: string): string {
  const db = new Database(path, { readonly: true })
  try {
    return (db.prepare('select id from componenttable where job_id = ? and name = ?').get(jobId, name) as { id: string }).id
  } finally {
    db.close()
  }
}
