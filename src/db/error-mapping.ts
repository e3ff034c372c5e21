import { ConnectionError, ConstraintError, PersistenceError, QueryError, TransactionError, ValidationError, type ConstraintKind } from '../errors.js'
import type { EngineName } from '../config/database-url.js'

/** The statement that failed, as far as it is known. Parameters are used only to redact. */
export interface FailedStatement {
  readonly sql: string
  readonly parameters: readonly unknown[]
}

interface DriverErrorShape {
  readonly code?: unknown
  readonly errno?: unknown
  readonly message?: unknown
  readonly table?: unknown
  readonly constraint?: unknown
  readonly column?: unknown
  readonly sqlMessage?: unknown
}

/** PostgreSQL SQLSTATE codes we act on. */
const PG = {
  /** A NUL byte in text: PostgreSQL cannot store it (`invalid byte sequence … 0x00`). */
  characterNotInRepertoire: '22021',
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  notNullViolation: '23502',
  checkViolation: '23514',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  lockNotAvailable: '55P03',
  adminShutdown: '57P01',
  crashShutdown: '57P02',
  cannotConnectNow: '57P03',
  invalidPassword: '28P01',
  invalidAuthorization: '28000',
  invalidCatalogName: '3D000',
  tooManyConnections: '53300',
} as const

/** MySQL / MariaDB errno values we act on. */
const MYSQL = {
  duplicateEntry: 1062,
  rowIsReferenced: 1451,
  rowIsReferenced2: 1217,
  noReferencedRow: 1452,
  noReferencedRow2: 1216,
  badNullError: 1048,
  checkConstraintViolated: 3819,
  mariadbConstraintFailed: 4025,
  lockDeadlock: 1213,
  lockWaitTimeout: 1205,
  accessDenied: 1045,
  badDatabase: 1049,
  tooManyConnections: 1040,
  serverShutdown: 1053,
  connectionKilled: 1927,
  queryInterrupted: 1317,
} as const

const NODE_CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_ACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ECONNABORTED',
])

/**
 * Maps a driver error of any engine onto the `PersistenceError` hierarchy. An error
 * that is already a `PersistenceError` is returned as it is.
 */
export function mapDriverError(engine: EngineName, error: unknown, statement?: FailedStatement): PersistenceError {
  if (error instanceof PersistenceError) return error
  const shape = (typeof error === 'object' && error !== null ? error : {}) as DriverErrorShape
  const rawMessage = redact(String(shape.sqlMessage ?? shape.message ?? error), statement?.parameters ?? [])
  const query = statement?.sql
  const tableName = (typeof shape.table === 'string' && shape.table) || tableOf(statement?.sql)
  const base = { cause: error, query, tableName }

  const code = typeof shape.code === 'string' ? shape.code : undefined
  if (code !== undefined && NODE_CONNECTION_CODES.has(code) && engine !== 'sqlite') {
    return new ConnectionError(connectionMessage(code, rawMessage), { cause: error, query })
  }
  if (isConnectionLoss(rawMessage)) return new ConnectionError(rawMessage, { cause: error, query })

  switch (engine) {
    case 'postgres':
      return mapPostgres(code, shape, rawMessage, base)
    case 'mysql':
      return mapMysql(typeof shape.errno === 'number' ? shape.errno : undefined, rawMessage, base)
    case 'sqlite':
      return mapSqlite(code, rawMessage, base)
  }
}

type Base = { cause: unknown; query: string | undefined; tableName: string | undefined }

function mapPostgres(code: string | undefined, shape: DriverErrorShape, message: string, base: Base): PersistenceError {
  const constraintName = typeof shape.constraint === 'string' ? shape.constraint : undefined
  const constraint = (kind: ConstraintKind) => new ConstraintError(message, kind, { ...base, constraintName })
  switch (code) {
    case PG.uniqueViolation:
      return constraint('unique')
    case PG.foreignKeyViolation:
      return constraint('foreign_key')
    case PG.notNullViolation:
      return constraint('not_null')
    case PG.checkViolation:
      return constraint('check')
    case PG.characterNotInRepertoire:
      // Values the store writes are checked before (storable-values); this is a lookup
      // by a text no row can hold, e.g. a job name with a NUL in a URL.
      return new ValidationError([{ path: '', message: 'Text may not contain NUL characters' }], { ...base })
    case PG.serializationFailure:
    case PG.deadlockDetected:
    case PG.lockNotAvailable:
      return new TransactionError(message, { ...base, retryable: true })
    case PG.invalidPassword:
    case PG.invalidAuthorization:
    case PG.invalidCatalogName:
      return new ConnectionError(message, { cause: base.cause, retryable: false })
    case PG.adminShutdown:
    case PG.crashShutdown:
    case PG.cannotConnectNow:
    case PG.tooManyConnections:
      return new ConnectionError(message, { cause: base.cause, query: base.query })
  }
  if (code?.startsWith('08')) return new ConnectionError(message, { cause: base.cause, query: base.query })
  return new QueryError(message, base)
}

function mapMysql(errno: number | undefined, message: string, base: Base): PersistenceError {
  switch (errno) {
    case MYSQL.duplicateEntry: {
      const key = /for key '([^']+)'/.exec(message)?.[1]
      return new ConstraintError(`Duplicate value violates unique constraint ${key ? `'${key}'` : ''}`.trim(), 'unique', {
        ...base,
        constraintName: key,
      })
    }
    case MYSQL.rowIsReferenced:
    case MYSQL.rowIsReferenced2:
    case MYSQL.noReferencedRow:
    case MYSQL.noReferencedRow2: {
      const fk = /CONSTRAINT `([^`]+)`/.exec(message)?.[1]
      const table = /\(`[^`]+`\.`([^`]+)`, CONSTRAINT/.exec(message)?.[1]
      return new ConstraintError(message, 'foreign_key', { ...base, tableName: table ?? base.tableName, constraintName: fk })
    }
    case MYSQL.badNullError:
      return new ConstraintError(message, 'not_null', base)
    case MYSQL.checkConstraintViolated:
    case MYSQL.mariadbConstraintFailed: {
      const name = /constraint [`']([^`']+)[`']/i.exec(message)?.[1]
      const table = /for `[^`]+`\.`([^`]+)`/.exec(message)?.[1]
      return new ConstraintError(message, 'check', { ...base, tableName: table ?? base.tableName, constraintName: name })
    }
    case MYSQL.lockDeadlock:
    case MYSQL.lockWaitTimeout:
      return new TransactionError(message, { ...base, retryable: true })
    case MYSQL.accessDenied:
    case MYSQL.badDatabase:
      return new ConnectionError(message, { cause: base.cause, retryable: false })
    case MYSQL.tooManyConnections:
    case MYSQL.serverShutdown:
    case MYSQL.connectionKilled:
      return new ConnectionError(message, { cause: base.cause, query: base.query })
  }
  return new QueryError(message, base)
}

function mapSqlite(code: string | undefined, message: string, base: Base): PersistenceError {
  if (code === 'SQLITE_BUSY' || code?.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED') {
    return new TransactionError(message, { ...base, retryable: true })
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_NOTADB' || code?.startsWith('SQLITE_IOERR')) {
    return new ConnectionError(message, { cause: base.cause, query: base.query, retryable: false })
  }
  const kinds: Record<string, ConstraintKind> = {
    SQLITE_CONSTRAINT_UNIQUE: 'unique',
    SQLITE_CONSTRAINT_PRIMARYKEY: 'unique',
    SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign_key',
    SQLITE_CONSTRAINT_NOTNULL: 'not_null',
    SQLITE_CONSTRAINT_CHECK: 'check',
  }
  // ON DELETE RESTRICT is enforced like a trigger: SQLite reports it as SQLITE_CONSTRAINT_TRIGGER.
  const restrict = code === 'SQLITE_CONSTRAINT_TRIGGER' && message.startsWith('FOREIGN KEY constraint failed')
  const kind = restrict ? 'foreign_key' : code === undefined ? undefined : kinds[code]
  if (kind !== undefined) {
    // "UNIQUE constraint failed: etl_jobs.name" names the table; "CHECK constraint failed: name" the constraint.
    const detail = /constraint failed: (.+)$/.exec(message)?.[1]
    const table = kind === 'unique' || kind === 'not_null' ? detail?.split('.')[0] : undefined
    const constraintName = kind === 'check' ? detail : undefined
    return new ConstraintError(message, kind, { ...base, tableName: table ?? base.tableName, constraintName })
  }
  return new QueryError(message, base)
}

function isConnectionLoss(message: string): boolean {
  return /Connection terminated|connection is closed|Client has encountered a connection error|Can't add new command when connection is in closed state|Pool is closed/i.test(
    message,
  )
}

function connectionMessage(code: string, message: string): string {
  return message.includes(code) ? message : `${code}: ${message}`
}

/** The first table a statement names: `insert into "etl_jobs"`, `update`, `delete from`, `from`. */
function tableOf(sql: string | undefined): string | undefined {
  if (sql === undefined) return undefined
  const match = /\b(?:insert\s+(?:ignore\s+)?into|update|delete\s+from|from)\s+(?:["`]?\w+["`]?\.)?["`]?(\w+)["`]?/i.exec(sql)
  return match?.[1]
}

/**
 * Removes bound values from a driver message (MySQL's "Duplicate entry 'x'" and
 * "Incorrect integer value: 'x'" quote the value).
 */
function redact(message: string, parameters: readonly unknown[]): string {
  let out = message
  for (const parameter of parameters) {
    if (typeof parameter !== 'string' && typeof parameter !== 'number') continue
    const text = String(parameter)
    if (text.length < 2) continue
    out = out.split(text).join('?')
  }
  return out
}
