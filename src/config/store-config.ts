import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { ValidationError } from '../errors.js'
import { parseOrThrow } from '../schema/zod-issues.js'
import { accessControlConfigSchema, auditConfigSchema, type AccessControlConfig, type AuditConfig } from './access-control-config.js'
import { DEFAULT_DATABASE_URL, parseDatabaseUrl, redactUrl, type ParsedDatabaseUrl } from './database-url.js'

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/

/** The seed's database JSON, plus the table prefix and PostgreSQL schema. */
export const databaseConfigSchema = z.strictObject({
  url: z.string().min(1).default(DEFAULT_DATABASE_URL),
  pool_size: z.int().min(1).max(1000).default(5),
  max_overflow: z.int().min(0).max(1000).default(10),
  /** Seconds to wait for a free connection before a `connection_error`. */
  pool_timeout: z.number().positive().max(3600).default(30),
  /** Seconds after which a connection is retired. */
  pool_recycle: z.number().positive().default(3600),
  table_prefix: z
    .string()
    .regex(/^[A-Za-z0-9_]{0,20}$/, 'letters, digits and _ only, at most 20')
    .default('etl_'),
  /** PostgreSQL only: the schema that holds the tables (created if missing). */
  schema: z.string().regex(identifier, 'a plain identifier').max(63).optional(),
  /** SQLite only: milliseconds a writer waits for the file lock. */
  busy_timeout: z.int().min(0).max(600_000).default(10_000),
  /**
   * SQLite only: the size in MiB of the write-ahead log at which the writer that passes it
   * checkpoints it, so it starts over. 16: a page written again before the checkpoint is
   * copied back once; a 3-component job insert took 0.50 ms at 16 against 0.60 at 4.
   */
  wal_checkpoint_mb: z.number().min(1).max(4096).default(16),
})

/** Where the master key of envelope encryption comes from (`ETLP_MASTER_KEY` wins over the file). */
export const securityConfigSchema = z.strictObject({
  /** A file holding the base64 of a 32-byte master key. */
  master_key_file: z.string().min(1).optional(),
})

/** Routine retention: `executions.purge()` with no `olderThan` removes history older than this. */
export const retentionConfigSchema = z.strictObject({
  /** Days a finished execution is kept; unset keeps history until purged explicitly. */
  execution_days: z.number().positive().max(36_500).optional(),
})

/** How job configs are checked. */
export const jobsConfigSchema = z.strictObject({
  /**
   * Refuse keys no schema declares (a `validation_error` with their paths) instead of
   * keeping them and returning them as warnings, as the origin would ignore them.
   */
  strict: z.boolean().default(false),
})

export const storeConfigSchema = z.strictObject({
  database: databaseConfigSchema.default(databaseConfigSchema.parse({})),
  security: securityConfigSchema.default({}),
  access_control: accessControlConfigSchema.default({ enabled: false, roles: {} }),
  audit: auditConfigSchema.default({ executions: false }),
  retention: retentionConfigSchema.default({}),
  jobs: jobsConfigSchema.default({ strict: false }),
})

export type DatabaseConfigInput = z.input<typeof databaseConfigSchema>
export type DatabaseConfig = z.output<typeof databaseConfigSchema>
export type SecurityConfig = z.output<typeof securityConfigSchema>

export interface QueryEvent {
  /** The SQL with placeholders. */
  readonly sql: string
  readonly durationMs: number
  readonly rowCount: number
  readonly error?: Error
}

/** What `openStore` accepts: the JSON shape, plus hooks that only code can give. */
export type StoreConfigInput = z.input<typeof storeConfigSchema> & {
  /** Sees every statement: monitoring, slow-query logs. */
  readonly onQuery?: (event: QueryEvent) => void
  /** The store's clock (default: the system clock): backfills, simulations and tests set their own. */
  readonly clock?: () => Date
}

export interface ResolvedConfig {
  readonly database: DatabaseConfig
  readonly security: SecurityConfig
  readonly accessControl: AccessControlConfig
  readonly audit: AuditConfig
  readonly retention: z.output<typeof retentionConfigSchema>
  readonly jobs: z.output<typeof jobsConfigSchema>
  readonly target: ParsedDatabaseUrl
  readonly onQuery: ((event: QueryEvent) => void) | undefined
  readonly clock: () => Date
}

/**
 * Resolves a config object, a path to a JSON file, or nothing (then `ETLP_CONFIG`
 * names the file, if set). `ETLP_DATABASE_URL` overrides the URL.
 */
export function resolveConfig(input?: StoreConfigInput | string, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const source = input ?? (env.ETLP_CONFIG || undefined)
  const raw: Record<string, unknown> = typeof source === 'string' ? readConfigFile(source) : { ...(source ?? {}) }
  const { onQuery, clock } = raw
  delete raw.onQuery
  delete raw.clock
  if (onQuery !== undefined && typeof onQuery !== 'function') {
    throw new ValidationError([{ path: 'onQuery', message: 'Expected a function' }])
  }
  if (clock !== undefined && typeof clock !== 'function') {
    throw new ValidationError([{ path: 'clock', message: 'Expected a function returning a Date' }])
  }
  if (env.ETLP_DATABASE_URL) {
    const database = raw.database
    raw.database = { ...(isObject(database) ? database : {}), url: env.ETLP_DATABASE_URL }
  }
  const parsed = parseOrThrow(storeConfigSchema, raw)
  const target = parseDatabaseUrl(parsed.database.url)
  if (parsed.database.schema !== undefined && target.engine !== 'postgres') {
    throw new ValidationError([{ path: 'database.schema', message: 'Only PostgreSQL has schemas' }])
  }
  return {
    database: parsed.database,
    security: parsed.security,
    accessControl: parsed.access_control,
    audit: parsed.audit,
    retention: parsed.retention,
    jobs: parsed.jobs,
    target,
    onQuery: onQuery as ResolvedConfig['onQuery'],
    clock: (clock as ResolvedConfig['clock'] | undefined) ?? (() => new Date()),
  }
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ValidationError([{ path: '', message: `Cannot read config file ${path}` }], { cause: error })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new ValidationError([{ path: '', message: `Config file ${path} is not valid JSON` }], { cause: error })
  }
  if (!isObject(value)) throw new ValidationError([{ path: '', message: 'The config must be a JSON object' }])
  return value
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The config as it may be shown: the password is masked. */
export function describeConfig(config: ResolvedConfig): { database: DatabaseConfig } {
  return { database: { ...config.database, url: redactUrl(config.database.url) } }
}
