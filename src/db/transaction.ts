import { CompiledQuery, type IsolationLevel, type Kysely } from 'kysely'
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
/** Open savepoints per transaction: names go by depth, so their SQL texts stay few (and cached). */
const savepointDepth = new WeakMap<object, number>()

/**
 * Runs `work` in a transaction on `db`: a new transaction at the top level (retried on
 * retryable errors), a savepoint when `db` is already a transaction.
 *
 * Kysely's callback `transaction()` costs about half of its `startTransaction()` (which
 * builds a controllable transaction object, twice for a savepoint), so this uses the
 * callback form and writes savepoints as SQL: every engine spells them alike.
 */
export async function runInTransaction<DB, T>(db: Kysely<DB>, work: (trx: Kysely<DB>) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  if (db.isTransaction) return runInSavepoint(db, work)
  const retries = options.retries ?? DEFAULT_RETRIES
  for (let attempt = 0; ; attempt++) {
    // Kysely throws the rollback's error when the rollback fails too (a dead
    // connection): the caller gets the error of its work instead.
    let failure: { error: unknown } | undefined
    const guarded = async (trx: Kysely<DB>): Promise<T> => {
      try {
        return await work(trx)
      } catch (error) {
        failure = { error }
        throw error
      }
    }
    try {
      const builder = db.transaction()
      return await (options.isolation ? builder.setIsolationLevel(options.isolation) : builder).execute(guarded)
    } catch (thrown) {
      const error = failure ? failure.error : thrown
      if (!(error instanceof TransactionError && error.retryable) || attempt >= retries) throw error
      await sleep(backoffMs(attempt))
    }
  }
}

async function runInSavepoint<DB, T>(trx: Kysely<DB>, work: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  // Unique among the open ones: MySQL drops an open savepoint when another takes its name.
  const depth = (savepointDepth.get(trx) ?? 0) + 1
  const name = `etlp_sp_${depth}`
  await trx.executeQuery(CompiledQuery.raw(`savepoint ${name}`))
  savepointDepth.set(trx, depth)
  try {
    const result = await work(trx)
    await trx.executeQuery(CompiledQuery.raw(`release savepoint ${name}`))
    return result
  } catch (error) {
    await trx.executeQuery(CompiledQuery.raw(`rollback to savepoint ${name}`)).catch(() => {})
    throw error
  } finally {
    savepointDepth.set(trx, depth - 1)
  }
}

/** Exponential with full jitter: 10, 20, 40 … ms, capped at 1 s. */
function backoffMs(attempt: number): number {
  return Math.random() * Math.min(1000, 10 * 2 ** (attempt + 1))
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
