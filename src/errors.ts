/**
 * The public error surface. Every failure a caller can see is a `PersistenceError`
 * with a stable `error_type`; driver errors are mapped onto these in
 * `db/error-mapping.ts` and kept as `cause`.
 */

export type ErrorType =
  | 'connection_error'
  | 'query_error'
  | 'validation_error'
  | 'constraint_error'
  | 'transaction_error'
  | 'not_found'
  | 'conflict'
  | 'linkage_error'
  | 'access_denied'
  | 'migration_error'

export type ConstraintKind = 'unique' | 'foreign_key' | 'not_null' | 'check'

export interface ValidationIssue {
  /** JSON path of the offending value, e.g. `components[2].routes.out[0].to`. */
  readonly path: string
  readonly message: string
}

export interface PersistenceErrorOptions {
  readonly cause?: unknown
  /** The table the failure concerns, when known. */
  readonly tableName?: string
  /** The SQL with placeholders only: bound values never travel in errors. */
  readonly query?: string
  readonly retryable?: boolean
}

export abstract class PersistenceError extends Error {
  abstract readonly error_type: ErrorType
  readonly table_name: string | undefined
  readonly query: string | undefined
  readonly retryable: boolean

  constructor(message: string, options: PersistenceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.table_name = options.tableName
    this.query = options.query
    this.retryable = options.retryable ?? false
  }

  /** Extra fields of the JSON report, per subclass. */
  protected details(): Record<string, unknown> {
    return {}
  }

  /** The seed's report shape. Never contains bound values or secrets. */
  toJSON(): { persistence_error: Record<string, unknown> } {
    const body: Record<string, unknown> = { error_type: this.error_type }
    if (this.table_name !== undefined) body.table_name = this.table_name
    if (this.query !== undefined) body.query = this.query
    body.message = this.message
    if (this.retryable) body.retryable = true
    return { persistence_error: { ...body, ...this.details() } }
  }
}

export class ConnectionError extends PersistenceError {
  readonly error_type = 'connection_error' as const
  constructor(message: string, options: PersistenceErrorOptions = {}) {
    super(message, { retryable: true, ...options })
  }
}

export class QueryError extends PersistenceError {
  readonly error_type = 'query_error' as const
}

export class ValidationError extends PersistenceError {
  readonly error_type = 'validation_error' as const
  readonly issues: readonly ValidationIssue[]

  constructor(issues: readonly ValidationIssue[], options: PersistenceErrorOptions & { message?: string } = {}) {
    super(options.message ?? describeIssues(issues), options)
    this.issues = issues
  }

  protected override details(): Record<string, unknown> {
    return { issues: this.issues }
  }
}

function describeIssues(issues: readonly ValidationIssue[]): string {
  const first = issues[0]
  if (!first) return 'Validation failed'
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''
  return `Invalid value at ${first.path || '(root)'}: ${first.message}${more}`
}

export class ConstraintError extends PersistenceError {
  readonly error_type = 'constraint_error' as const
  readonly constraint_kind: ConstraintKind
  readonly constraint_name: string | undefined

  constructor(message: string, kind: ConstraintKind, options: PersistenceErrorOptions & { constraintName?: string } = {}) {
    super(message, options)
    this.constraint_kind = kind
    this.constraint_name = options.constraintName
  }

  protected override details(): Record<string, unknown> {
    return this.constraint_name === undefined
      ? { constraint_kind: this.constraint_kind }
      : { constraint_kind: this.constraint_kind, constraint_name: this.constraint_name }
  }
}

/** Deadlocks, serialization failures and a busy SQLite database: worth running again. */
export class TransactionError extends PersistenceError {
  readonly error_type = 'transaction_error' as const
}

export class NotFoundError extends PersistenceError {
  readonly error_type = 'not_found' as const
}

/** A stale version or an illegal state transition. */
export class ConflictError extends PersistenceError {
  readonly error_type = 'conflict' as const
}

/** A reference between stored things that cannot be made or broken (e.g. a credential still in use). */
export class LinkageError extends PersistenceError {
  readonly error_type = 'linkage_error' as const
}

export class AccessDeniedError extends PersistenceError {
  readonly error_type = 'access_denied' as const
  readonly permission: string

  constructor(message: string, permission: string, options: PersistenceErrorOptions = {}) {
    super(message, options)
    this.permission = permission
  }

  protected override details(): Record<string, unknown> {
    return { permission: this.permission }
  }
}

export class MigrationError extends PersistenceError {
  readonly error_type = 'migration_error' as const
  readonly migration: string | undefined

  constructor(message: string, options: PersistenceErrorOptions & { migration?: string } = {}) {
    super(message, options)
    this.migration = options.migration
  }

  protected override details(): Record<string, unknown> {
    return this.migration === undefined ? {} : { migration: this.migration }
  }
}

export function isPersistenceError(error: unknown): error is PersistenceError {
  return error instanceof PersistenceError
}
