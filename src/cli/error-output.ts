/**
 * How `etlp` reports a persistence error: a short human message on a terminal, the
 * seed's JSON report for scripts (`--json`, or stderr redirected to a file or a pipe).
 */
import { AccessDeniedError, ConstraintError, MigrationError, ValidationError, type PersistenceError } from '../index.js'
import { colour } from './output.js'

/** The part of a stream the error output needs; `isTTY` is true on a terminal. */
export interface CliErrorStream {
  write(text: string): unknown
  readonly isTTY?: boolean
}

export interface CliErrorOutput {
  /** `--json` was given: always the JSON report, even on a terminal. */
  readonly json: boolean
  readonly stream: CliErrorStream
}

/**
 * Writes `error` for whoever reads the stream. On a terminal without `--json`:
 *
 * ```
 * validation_error: Invalid value at components[1].comp_type: … (and 1 more)
 *   components[1].comp_type: Unknown component type "read_cvs"
 *   components[3].routes.out[0].to: No component named "writer"
 * ```
 *
 * Otherwise one line of JSON, `{"persistence_error": {…}}`, unchanged for scripts that parse it.
 */
export function writeCliError(error: PersistenceError, { json, stream }: CliErrorOutput): void {
  if (json || stream.isTTY !== true) {
    stream.write(`${JSON.stringify(error.toJSON())}\n`)
    return
  }
  stream.write(`${humanError(error, stream).join('\n')}\n`)
}

/** The headline and one indented line per detail the caller can act on. */
function humanError(error: PersistenceError, stream: CliErrorStream): string[] {
  // `colour` only reads `isTTY` (and NO_COLOR), which every CliErrorStream has.
  const tint = (text: string, code: 'red' | 'yellow' | 'bold') => colour(text, code, stream as NodeJS.WriteStream)
  const headline = `${tint(error.error_type, 'red')}: ${error.message}`
  return [headline, ...detailLines(error).map(([label, text]) => `  ${tint(label, 'yellow')}: ${text}`)]
}

/** `[label, text]` pairs: the JSON paths of a validation error, the constraint, the permission. */
function detailLines(error: PersistenceError): [string, string][] {
  if (error instanceof ValidationError) return error.issues.map((issue) => [issue.path || '(root)', issue.message])
  if (error instanceof ConstraintError) {
    const name = error.constraint_name === undefined ? '' : `${error.constraint_name} `
    return [['constraint', `${name}(${error.constraint_kind})`]]
  }
  if (error instanceof AccessDeniedError) return [['permission', error.permission]]
  if (error instanceof MigrationError && error.migration !== undefined) return [['migration', error.migration]]
  return []
}
