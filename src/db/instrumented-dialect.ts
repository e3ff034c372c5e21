import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely'
import { ConnectionError, type PersistenceError } from '../errors.js'
import type { QueryEvent } from '../config/store-config.js'
import type { FailedStatement } from './error-mapping.js'

export interface InstrumentationOptions {
  /** Maps any driver error onto the `PersistenceError` hierarchy. */
  readonly mapError: (error: unknown, statement?: FailedStatement) => PersistenceError
  readonly onQuery: ((event: QueryEvent) => void) | undefined
  /** Milliseconds to wait for a free connection before a `connection_error`. */
  readonly acquireTimeoutMs: number
  /** Replaces the driver's own `begin` (SQLite uses `begin immediate`). */
  readonly beginTransaction?: (connection: DatabaseConnection, settings: TransactionSettings) => Promise<void>
  /** Runs on the connection after each commit (SQLite: the WAL checkpoint). */
  readonly afterCommit?: (connection: DatabaseConnection) => Promise<void>
}

/**
 * Wraps a Kysely dialect so that every statement, on every engine, passes one choke
 * point: timing for `onQuery`, and mapping of driver errors to typed errors. Nothing
 * else in the product sees a raw driver error.
 */
export class InstrumentedDialect implements Dialect {
  readonly #inner: Dialect
  readonly #options: InstrumentationOptions

  constructor(inner: Dialect, options: InstrumentationOptions) {
    this.#inner = inner
    this.#options = options
  }

  createDriver(): Driver {
    return new InstrumentedDriver(this.#inner.createDriver(), this.#options)
  }
  createQueryCompiler() {
    return this.#inner.createQueryCompiler()
  }
  createAdapter() {
    return this.#inner.createAdapter()
  }
  createIntrospector(db: Parameters<Dialect['createIntrospector']>[0]) {
    return this.#inner.createIntrospector(db)
  }
}

class InstrumentedDriver implements Driver {
  readonly #inner: Driver
  readonly #options: InstrumentationOptions
  readonly #wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>()

  constructor(inner: Driver, options: InstrumentationOptions) {
    this.#inner = inner
    this.#options = options
  }

  async init(): Promise<void> {
    try {
      await this.#inner.init()
    } catch (error) {
      throw this.#options.mapError(error)
    }
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.#acquireWithin(this.#options.acquireTimeoutMs)
    let wrapped = this.#wrapped.get(connection)
    if (!wrapped) {
      wrapped = instrumentConnection(connection, this.#options)
      this.#wrapped.set(connection, wrapped)
    }
    return wrapped
  }

  #acquireWithin(timeoutMs: number): Promise<DatabaseConnection> {
    return new Promise((resolve, reject) => {
      let timedOut = false
      const timer = setTimeout(() => {
        timedOut = true
        reject(
          new ConnectionError(`No database connection became free within ${timeoutMs / 1000}s (pool_timeout)`, {
            retryable: true,
          }),
        )
      }, timeoutMs)
      this.#inner.acquireConnection().then(
        (connection) => {
          clearTimeout(timer)
          // A connection that arrives after the caller gave up goes straight back.
          if (timedOut) void this.#inner.releaseConnection(connection).catch(() => {})
          else resolve(connection)
        },
        (error: unknown) => {
          clearTimeout(timer)
          if (!timedOut) reject(this.#options.mapError(error))
        },
      )
    })
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (this.#options.beginTransaction) return this.#options.beginTransaction(connection, settings)
    return this.#inner.beginTransaction(connection, settings)
  }
  commitTransaction(connection: DatabaseConnection): Promise<void> {
    const committed = this.#mapped(() => this.#inner.commitTransaction(connection))
    const { afterCommit } = this.#options
    return afterCommit ? committed.then(() => afterCommit(connection)) : committed
  }
  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#mapped(() => this.#inner.rollbackTransaction(connection))
  }
  async savepoint(...args: Parameters<NonNullable<Driver['savepoint']>>): Promise<void> {
    await this.#inner.savepoint?.(...args)
  }
  async rollbackToSavepoint(...args: Parameters<NonNullable<Driver['rollbackToSavepoint']>>): Promise<void> {
    await this.#inner.rollbackToSavepoint?.(...args)
  }
  async releaseSavepoint(...args: Parameters<NonNullable<Driver['releaseSavepoint']>>): Promise<void> {
    await this.#inner.releaseSavepoint?.(...args)
  }
  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.#inner.releaseConnection(connection)
  }
  destroy(): Promise<void> {
    return this.#mapped(() => this.#inner.destroy())
  }

  async #mapped<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      throw this.#options.mapError(error)
    }
  }
}

/**
 * A proxy, not a wrapper object: Kysely's drivers call private symbol methods on the
 * connections they hand out (release, discard), which must reach the real connection.
 */
function instrumentConnection(connection: DatabaseConnection, options: InstrumentationOptions): DatabaseConnection {
  const executeQuery = async <R>(compiled: CompiledQuery): Promise<QueryResult<R>> => {
    const started = performance.now()
    try {
      const result = await connection.executeQuery<R>(compiled)
      options.onQuery?.({
        sql: compiled.sql,
        durationMs: performance.now() - started,
        rowCount: result.rows.length > 0 ? result.rows.length : Number(result.numAffectedRows ?? 0n),
      })
      return result
    } catch (error) {
      const mapped = options.mapError(error, compiled)
      options.onQuery?.({ sql: compiled.sql, durationMs: performance.now() - started, rowCount: 0, error: mapped })
      throw mapped
    }
  }
  async function* streamQuery<R>(compiled: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    const started = performance.now()
    let rowCount = 0
    let failure: PersistenceError | undefined
    try {
      for await (const chunk of connection.streamQuery<R>(compiled, chunkSize)) {
        rowCount += chunk.rows.length
        yield chunk
      }
    } catch (error) {
      failure = options.mapError(error, compiled)
      throw failure
    } finally {
      // Also when the reader leaves the loop early: the statement ran, with the rows it gave.
      options.onQuery?.({ sql: compiled.sql, durationMs: performance.now() - started, rowCount, ...(failure ? { error: failure } : {}) })
    }
  }
  return new Proxy(connection, {
    get(target, property) {
      if (property === 'executeQuery') return executeQuery
      if (property === 'streamQuery') return streamQuery
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
