import { isPersistenceError, ValidationError } from '../../errors.js'
import { problemFor } from '../http-errors.js'

/**
 * etl-core answers errors as FastAPI does: `{"detail": {"code": "JOB_NOT_FOUND",
 * "message": "…", …}}` with a code per route and failure (`api/http_errors.py`).
 * The origin's routes throw this with the origin's code and status.
 */
export class OriginHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly extra: Readonly<Record<string, unknown>> = {},
    options: { cause?: unknown } = {},
  ) {
    super(message, options)
  }
}

/** Throws the origin's error for a persistence error, keeping the seed's report beside it. */
export function originError(status: number, code: string, message: string, cause?: unknown, extra: Record<string, unknown> = {}): OriginHttpError {
  const issues = cause instanceof ValidationError ? { errors: cause.issues.map(fastApiIssue) } : {}
  return new OriginHttpError(status, code, message, { ...issues, ...extra }, { cause })
}

/** A validation issue as pydantic reports it: `{type, loc, msg}`. */
export function fastApiIssue(issue: { path: string; message: string }): { type: string; loc: (string | number)[]; msg: string } {
  const loc = issue.path === '' ? [] : issue.path.split(/\.|\[(\d+)\]/).filter((part) => part !== undefined && part !== '').map((part) => (/^\d+$/.test(part) ? Number(part) : part))
  return { type: 'value_error', loc, msg: issue.message }
}

/** Status and body for anything an origin route threw. */
export function originProblemFor(error: unknown): { status: number; body: unknown } {
  if (error instanceof OriginHttpError) {
    const seed = isPersistenceError(error.cause) ? error.cause.toJSON() : {}
    return { status: error.statusCode, body: { detail: { code: error.code, message: error.message, ...error.extra }, ...seed } }
  }
  const { status, body } = problemFor(error)
  const report = (body as { persistence_error: { error_type: string; message: string } }).persistence_error
  const issues = error instanceof ValidationError ? { errors: error.issues.map(fastApiIssue) } : {}
  return { status, body: { detail: { code: report.error_type.toUpperCase(), message: report.message, ...issues }, ...(body as object) } }
}
