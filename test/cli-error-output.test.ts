import { Writable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  AccessDeniedError,
  ConnectionError,
  ConstraintError,
  MigrationError,
  NotFoundError,
  QueryError,
  ValidationError,
  type PersistenceError,
} from '../src/errors.js'
import { writeCliError } from '../src/cli/error-output.js'

/** A stream that collects what is written to it; `isTTY` as a terminal or a pipe reports it. */
class CollectingStream extends Writable {
  text = ''
  constructor(readonly isTTY: boolean) {
    super()
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString()
    done()
  }
}

function written(error: PersistenceError, { tty, json = false }: { tty: boolean; json?: boolean }): string {
  const stream = new CollectingStream(tty)
  writeCliError(error, { json, stream })
  return stream.text
}

const validation = new ValidationError([
  { path: 'components[1].comp_type', message: 'Unknown component type "read_cvs"' },
  { path: 'components[3].routes.out[0].to', message: 'No component named "writer"' },
  { path: '', message: 'Expected an object' },
])
const constraint = new ConstraintError('A job named "orders" already exists', 'unique', { constraintName: 'etl_jobs_name_key', tableName: 'etl_jobs' })
const unnamedConstraint = new ConstraintError('A value is missing', 'not_null')
const denied = new AccessDeniedError('ana may not write jobs', 'jobs.write')
const migration = new MigrationError('Migration 0003 was changed after it was applied', { migration: '0003_executions' })
const notFound = new NotFoundError('Job named "nope" not found', { tableName: 'etl_jobs' })
const connection = new ConnectionError('Could not connect to 127.0.0.1:5432')
const query = new QueryError('Column "x" not found', { tableName: 'etl_jobs', query: 'select "x" from "etl_jobs"' })
const everyError = { validation, constraint, unnamedConstraint, denied, migration, notFound, connection, query }

describe('writeCliError on a terminal', () => {
  let noColour: string | undefined
  beforeEach(() => {
    noColour = process.env.NO_COLOR
    process.env.NO_COLOR = '1'
  })
  afterEach(() => {
    if (noColour === undefined) delete process.env.NO_COLOR
    else process.env.NO_COLOR = noColour
  })

  it('prints a validation error as its type and message, then every issue path indented', () => {
    expect(written(validation, { tty: true })).toBe(
      [
        'validation_error: Invalid value at components[1].comp_type: Unknown component type "read_cvs" (and 2 more)',
        '  components[1].comp_type: Unknown component type "read_cvs"',
        '  components[3].routes.out[0].to: No component named "writer"',
        '  (root): Expected an object',
        '',
      ].join('\n'),
    )
  })

  it('names the constraint and its kind for a constraint error', () => {
    expect(written(constraint, { tty: true })).toBe('constraint_error: A job named "orders" already exists\n  constraint: etl_jobs_name_key (unique)\n')
    expect(written(unnamedConstraint, { tty: true })).toBe('constraint_error: A value is missing\n  constraint: (not_null)\n')
  })

  it('names the missing permission for access_denied', () => {
    expect(written(denied, { tty: true })).toBe('access_denied: ana may not write jobs\n  permission: jobs.write\n')
  })

  it('names the migration for a migration error', () => {
    expect(written(migration, { tty: true })).toBe('migration_error: Migration 0003 was changed after it was applied\n  migration: 0003_executions\n')
  })

  it('prints one line for errors without details, and never the SQL', () => {
    expect(written(notFound, { tty: true })).toBe('not_found: Job named "nope" not found\n')
    expect(written(connection, { tty: true })).toBe('connection_error: Could not connect to 127.0.0.1:5432\n')
    expect(written(query, { tty: true })).toBe('query_error: Column "x" not found\n')
  })

  it('colours the error type and the detail labels when NO_COLOR is unset', () => {
    delete process.env.NO_COLOR
    expect(written(denied, { tty: true })).toBe('\u001b[31maccess_denied\u001b[0m: ana may not write jobs\n  \u001b[33mpermission\u001b[0m: jobs.write\n')
  })
})

describe('writeCliError for scripts', () => {
  for (const [name, error] of Object.entries(everyError)) {
    it(`writes the ${name} error's JSON report on one line when stderr is not a terminal`, () => {
      expect(written(error, { tty: false })).toBe(`${JSON.stringify(error.toJSON())}\n`)
    })

    it(`writes the ${name} error's JSON report on a terminal with --json`, () => {
      const text = written(error, { tty: true, json: true })
      expect(text).toBe(`${JSON.stringify(error.toJSON())}\n`)
      expect(JSON.parse(text).persistence_error.error_type).toBe(error.error_type)
    })
  }

  it('keeps the issues with their paths in the JSON report', () => {
    expect(JSON.parse(written(validation, { tty: false })).persistence_error.issues).toEqual(validation.issues)
  })

  it('does not colour the JSON report on a terminal', () => {
    expect(written(denied, { tty: true, json: true })).not.toContain('\u001b[')
  })
})
