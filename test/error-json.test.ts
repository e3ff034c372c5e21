import { describe, expect, it } from 'vitest'
import {
  AccessDeniedError,
  ConflictError,
  ConnectionError,
  ConstraintError,
  LinkageError,
  MigrationError,
  NotFoundError,
  PersistenceError,
  QueryError,
  TransactionError,
  ValidationError,
} from '../src/errors.js'
import { mapDriverError } from '../src/db/error-mapping.js'

const statement = { sql: 'insert into "etl_jobs" ("name") values ($1)', parameters: ['hunter2-value'] }

describe('error reports', () => {
  const samples: PersistenceError[] = [
    new ConnectionError('connect ECONNREFUSED 127.0.0.1:1'),
    new QueryError("Column 'id' not found in table 'components'", { tableName: 'components', query: 'SELECT * FROM components WHERE id = ?' }),
    new ValidationError([{ path: 'components[2].routes.out[0].to', message: 'Unknown component' }]),
    new ConstraintError('duplicate', 'unique', { tableName: 'etl_jobs', query: statement.sql }),
    new TransactionError('deadlock detected', { retryable: true }),
    new NotFoundError('Job 1 not found', { tableName: 'etl_jobs' }),
    new ConflictError('stale version'),
    new LinkageError('credentials in use by context x'),
    new AccessDeniedError('editor may not reveal credentials', 'credentials:reveal'),
    new MigrationError('changed', { migration: '0001_store_info' }),
  ]

  it.each(samples.map((error) => [error.error_type, error]))('%s has the seed’s shape', (type, error) => {
    const json = error.toJSON()
    expect(Object.keys(json)).toEqual(['persistence_error'])
    expect(json.persistence_error.error_type).toBe(type)
    expect(typeof json.persistence_error.message).toBe('string')
    expect(JSON.parse(JSON.stringify(error))).toEqual(json)
  })

  it('gives every error type once, each a PersistenceError', () => {
    expect(new Set(samples.map((error) => error.error_type)).size).toBe(samples.length)
    for (const error of samples) expect(error).toBeInstanceOf(PersistenceError)
  })

  it('marks deadlocks and lost connections retryable, bad credentials not', () => {
    expect(mapDriverError('postgres', { code: '40P01', message: 'deadlock detected' }).retryable).toBe(true)
    expect(mapDriverError('postgres', { code: '57P01', message: 'terminating connection' })).toBeInstanceOf(ConnectionError)
    expect(mapDriverError('postgres', { code: '28P01', message: 'password authentication failed' }).retryable).toBe(false)
    expect(mapDriverError('mysql', { errno: 1213, message: 'Deadlock found' }).retryable).toBe(true)
    expect(mapDriverError('sqlite', { code: 'SQLITE_BUSY', message: 'database is locked' }).retryable).toBe(true)
  })

  it('redacts bound values that a driver quotes in its message', () => {
    const error = mapDriverError('mysql', { errno: 1366, message: "Incorrect integer value: 'hunter2-value' for column 'n'" }, statement)
    expect(JSON.stringify(error.toJSON())).not.toContain('hunter2-value')
    expect(error.toJSON().persistence_error).toMatchObject({ error_type: 'query_error', table_name: 'etl_jobs', query: statement.sql })
  })
})
