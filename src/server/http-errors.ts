import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { isPersistenceError, ValidationError, type ErrorType, type PersistenceError } from '../errors.js'
import { formatPath } from '../schema/json-path.js'

/**
 * One mapping from a persistence error's `error_type` to an HTTP status, used by every
 * route. The body is always the error's own `persistence_error` report: it carries the
 * SQL with placeholders at most, never bound values or a stack.
 */
const STATUS: Readonly<Record<ErrorType, number>> = {
  validation_error: 422,
  not_found: 404,
  conflict: 409,
  constraint_error: 409,
  linkage_error: 409,
  access_denied: 403,
  connection_error: 503,
  transaction_error: 503,
  migration_error: 503,
  query_error: 500,
}

export function statusOf(error: PersistenceError): number {
  return STATUS[error.error_type]
}

/** A request problem found before the store is called (bad JSON, wrong content type, no token). */
export class HttpProblem extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }

  toJSON(): { persistence_error: { error_type: string; message: string } } {
    return { persistence_error: { error_type: this.code, message: this.message } }
  }
}

/** The status and body for anything a handler threw. Unknown errors never show their text. */
export function problemFor(error: unknown): { status: number; body: unknown } {
  if (hasZodFastifySchemaValidationErrors(error)) error = requestValidationError(error)
  if (isServerConfigurationError(error)) {
    return {
      status: 503,
      body: {
        persistence_error: { error_type: 'server_configuration', message: 'The server is not configured for this request (its log says what is missing).' },
      },
    }
  }
  if (isPersistenceError(error)) return { status: statusOf(error), body: error.toJSON() }
  if (error instanceof HttpProblem) return { status: error.statusCode, body: error.toJSON() }
  const fastify = fastifyClientError(error)
  if (fastify) return { status: fastify.status, body: new HttpProblem(fastify.status, 'bad_request', fastify.message).toJSON() }
  return {
    status: 500,
    body: { persistence_error: { error_type: 'internal_error', message: 'The server failed to answer this request; its log has the details.' } },
  }
}

/**
 * A problem with the server's own configuration (no master key, an unreadable key file):
 * the client can do nothing about it and must not see the server's paths.
 */
function isServerConfigurationError(error: unknown): boolean {
  return error instanceof ValidationError && error.issues.length > 0 && error.issues.every((issue) => /^(security|database)\./.test(issue.path))
}

/** Fastify's own 4xx errors (body too large, bad JSON, unsupported media type): their messages are safe. */
function fastifyClientError(error: unknown): { status: number; message: string } | undefined {
  if (!(error instanceof Error)) return undefined
  const status = (error as { statusCode?: unknown }).statusCode
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined
  return { status, message: error.message }
}

/**
 * A request that fails its route's Zod schema, as the store reports bad input: 422 with
 * each issue's path, prefixed by where it was (`query.limit`, `body.name`, `params.id`).
 */
function requestValidationError(error: { validation: readonly { instancePath: string; message?: string }[]; validationContext?: string }): ValidationError {
  const where = error.validationContext === 'querystring' ? 'query' : (error.validationContext ?? 'body')
  const issues = error.validation.map((issue) => ({
    path: formatPath(
      issue.instancePath
        .split('/')
        .filter((part) => part !== '')
        .map((part) => (/^\d+$/.test(part) ? Number(part) : part)),
      where,
    ),
    message: issue.message ?? 'Invalid value',
  }))
  return new ValidationError(issues)
}
