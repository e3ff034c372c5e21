import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { isPersistenceError, ValidationError, type ValidationIssue } from '../../errors.js'
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

/** Where FastAPI says a request value was: `["body", "components", 0, "name"]` starts with one of these. */
export type RequestLocation = 'body' | 'query' | 'path'

/**
 * A request the origin would refuse before its handler runs (FastAPI's
 * `RequestValidationError`): 422 with `detail` as a list of pydantic issues, each
 * with its `loc` from the request part down to the value, as the origin's GUI reads them.
 */
export class OriginRequestValidationError extends Error {
  constructor(
    readonly issues: readonly FastApiIssue[],
    readonly validation: ValidationError,
  ) {
    super(validation.message, { cause: validation })
  }
}

/** A validation issue as pydantic reports it. */
export interface FastApiIssue {
  readonly type: string
  readonly loc: (string | number)[]
  readonly msg: string
}

/** Throws the origin's error for a persistence error, keeping the seed's report beside it. */
export function originError(status: number, code: string, message: string, cause?: unknown, extra: Record<string, unknown> = {}): OriginHttpError {
  const issues = cause instanceof ValidationError ? { errors: cause.issues.map(fastApiIssue) } : {}
  return new OriginHttpError(status, code, message, { ...issues, ...extra }, { cause })
}

/**
 * The store's verdict on a request part (a job config it validated) as FastAPI answers
 * a body that fails its model: every issue, its path under `location`.
 *
 * @example
 * catch (error) { if (error instanceof ValidationError) throw originValidationError(error, 'body') }
 */
export function originValidationError(cause: ValidationError, location: RequestLocation): OriginRequestValidationError {
  return new OriginRequestValidationError(
    cause.issues.map((issue) => {
      const { type, loc, msg } = fastApiIssue(issue)
      return { type, loc: [location, ...loc], msg }
    }),
    cause,
  )
}

/** A validation issue as pydantic reports it: `{type, loc, msg}`. */
export function fastApiIssue(issue: { path: string; message: string }): { type: string; loc: (string | number)[]; msg: string } {
  const loc =
    issue.path === ''
      ? []
      : issue.path
          .split(/\.|\[(\d+)\]/)
          .filter((part) => part !== undefined && part !== '')
          .map((part) => (/^\d+$/.test(part) ? Number(part) : part))
  return { type: 'value_error', loc, msg: issue.message }
}

/** Status and body for anything an origin route threw. */
export function originProblemFor(error: unknown): { status: number; body: unknown } {
  if (error instanceof OriginHttpError) {
    const seed = isPersistenceError(error.cause) ? error.cause.toJSON() : {}
    return { status: error.statusCode, body: { detail: { code: error.code, message: error.message, ...error.extra }, ...seed } }
  }
  const refused = error instanceof OriginRequestValidationError ? error : unreadableBody(error)
  if (refused) return { status: 422, body: { detail: refused.issues, ...refused.validation.toJSON() } }
  const { status, body } = problemFor(error)
  // A route's own schema refused the request: FastAPI's answer, with the request part first in `loc`.
  if (hasZodFastifySchemaValidationErrors(error)) return { status, body: { detail: requestIssues(body), ...(body as object) } }
  const report = (body as { persistence_error: { error_type: string; message: string } }).persistence_error
  const issues = error instanceof ValidationError && status === 422 ? { errors: error.issues.map(fastApiIssue) } : {}
  return { status, body: { detail: { code: report.error_type.toUpperCase(), message: report.message, ...issues }, ...(body as object) } }
}

/**
 * FastAPI answers a JSON body it cannot parse, or an empty one, as it answers an invalid
 * body (422, `loc: ["body"]`); Fastify's content parser says 400.
 */
const UNREADABLE_BODY: ReadonlyMap<unknown, { type: string; message: string }> = new Map([
  ['FST_ERR_CTP_INVALID_JSON_BODY', { type: 'json_invalid', message: 'JSON decode error: the body is not valid JSON' }],
  ['FST_ERR_CTP_EMPTY_JSON_BODY', { type: 'missing', message: 'Field required: the body is empty but its content-type is JSON' }],
])

function unreadableBody(error: unknown): OriginRequestValidationError | undefined {
  const found = error instanceof Error ? UNREADABLE_BODY.get((error as { code?: unknown }).code) : undefined
  if (!found) return undefined
  const validation = new ValidationError([{ path: 'body', message: found.message }], { cause: error })
  return new OriginRequestValidationError([{ type: found.type, loc: ['body'], msg: found.message }], validation)
}

/** The issues problemFor found in a refused request (`query.limit`), as FastAPI's `loc` lists (`["query", "limit"]`). */
function requestIssues(body: unknown): FastApiIssue[] {
  const issues = (body as { persistence_error: { issues?: readonly ValidationIssue[] } }).persistence_error.issues ?? []
  return issues.map((issue) => {
    const { type, loc, msg } = fastApiIssue(issue)
    // Fastify calls path parameters `params`; FastAPI calls their location `path`.
    return { type, loc: loc[0] === 'params' ? ['path', ...loc.slice(1)] : loc, msg }
  })
}

/** A string as Python's `repr` writes it in the origin's messages (`'abc'`). */
export function pythonRepr(value: string): string {
  return value.includes("'") && !value.includes('"') ? `"${value}"` : `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}
