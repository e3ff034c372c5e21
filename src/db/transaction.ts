import type { ControlledTransaction, IsolationLevel, Kysely } from 'kysely'
import { TransactionError } from '../errors.js'

export interface TransactionOptions {
  readonly isolation?: IsolationLevel
  /**
   * How often a `retryable` `transaction_error` (deadlock, serialization failure, busy
   * SQLite file) runs the callback again from the start, with backoff. Default 3.
   */
  readonly retries?: number
}

const DEFAULT_RETRIES = 3
let savepointCounter = 0

/**
 * Runs `work` in a transaction on `db`: a new transaction at the top level (retried on
 * retryable errors), a savepoint when `db` is already a transaction.
 */
export async function runInTransaction<T>(
  db: Kysely<any>,
  work: (trx: Kysely<any>) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  if (db.isTransaction) return runInSavepoint(db as ControlledTransaction<any>, work)
  const retries = options.retries ?? DEFAULT_RETRIES
  for (let attempt = 0; ; attempt++) {
    let trx: ControlledTransaction<any> | undefined
    try {
      const begin = db.startTransaction()
      trx = await (options.isolation ? begin.setIsolationLevel(options.isolation) : begin).execute()
      const result = await work(trx)
      await trx.commit().execute()
      return result
    } catch (error) {
      await trx
        ?.rollback()
        .execute()
        .catch(() => {})
      if (!(error instanceof TransactionError && error.retryable) || attempt >= retries) throw error
      await sleep(backoffMs(attempt))
    }
  }
}

async function runInSavepoint<T>(trx: ControlledTransaction<any>, work: (trx: Kysely<any>) => Promise<T>): Promise<T> {
  const name = `etlp_sp_${++savepointCounter}`
  const inner = await trx.savepoint(name).execute()
  try {
    const result = await work(inner)
    await inner.releaseSavepoint(name).execute()
    return result
  } catch (error) {
    await inner
      .rollbackToSavepoint(name)
      .execute()
      .catch(() => {})
    throw error
  }
}

/** Exponential with full jitter: 10, 20, 40 … ms, capped at 1 s. */
function backoffMs(attempt: number): number {
  return Math.random() * Math.min(1000, 10 * 2 ** (attempt + 1))
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
