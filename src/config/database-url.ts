import { ValidationError } from '../errors.js'

export type EngineName = 'sqlite' | 'postgres' | 'mysql'

export interface ParsedDatabaseUrl {
  readonly engine: EngineName
  /** SQLite: the file path or `:memory:`. */
  readonly filename?: string
  /** PostgreSQL and MySQL: a URL the driver accepts. */
  readonly connectionString?: string
}

const SCHEMES: Readonly<Record<string, EngineName>> = {
  'sqlite:': 'sqlite',
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
}

export const DEFAULT_DATABASE_URL = 'sqlite://./.etlp/etl.db'

/**
 * Reads `sqlite://./path.db`, `sqlite:///abs/path.db`, `sqlite://:memory:`,
 * `postgres[ql]://…` and `mysql://…` / `mariadb://…`.
 */
export function parseDatabaseUrl(url: string, path = 'database.url'): ParsedDatabaseUrl {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0]?.toLowerCase()
  const engine = scheme === undefined ? undefined : SCHEMES[scheme]
  if (engine === undefined || scheme === undefined) {
    throw new ValidationError([{ path, message: 'Unsupported URL scheme: use sqlite://, postgres://, postgresql://, mysql:// or mariadb://' }])
  }
  if (engine === 'sqlite') {
    const filename = url.slice(scheme.length).replace(/^\/\//, '')
    if (filename === '') throw new ValidationError([{ path, message: 'sqlite:// needs a file path or :memory:' }])
    return { engine, filename }
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ValidationError([{ path, message: 'Not a valid database URL' }])
  }
  if (!parsed.hostname) throw new ValidationError([{ path, message: 'The URL needs a host' }])
  if (engine === 'mysql' && scheme === 'mariadb:') {
    return { engine, connectionString: `mysql:${url.slice(scheme.length)}` }
  }
  return { engine, connectionString: url }
}

/** The URL with its password replaced, safe for logs, errors and `toJSON()`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)([^@]*)@/i, '$1***@')
}
