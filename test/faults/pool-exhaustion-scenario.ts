import { sql } from 'kysely'
import { ConnectionError, PersistenceError } from '../../src/errors.js'
import { Store } from '../../src/store.js'
import type { EngineTarget } from '../helpers/engines.js'
import { delay } from './child-process.js'
import type { ScenarioFigures } from './fault-figures.js'

export interface PoolExhaustionOptions {
  readonly rounds: number
  /** Concurrent callers per round; the pool holds 2 connections. */
  readonly callers: number
  /** How long each caller holds its connection (a server-side sleep, or an open SQLite transaction). */
  readonly holdSeconds: number
}

/** A caller that has not settled by then counts as hung (far beyond hold + pool_timeout). */
const WATCHDOG_MS = 30_000
const POOL_TIMEOUT_SECONDS = 1

/**
 * Scenario 4: more concurrent callers than connections, each holding its connection for
 * a slow query. Every caller must either proceed or get a `connection_error` after
 * `pool_timeout`; none may hang; after each round the pool serves a full set of callers.
 */
export async function poolExhaustionScenario(
  target: EngineTarget,
  options: PoolExhaustionOptions,
): Promise<ScenarioFigures & { hung: number; failures: string[] }> {
  const store = await target.open({ database: { pool_size: 1, max_overflow: 1, pool_timeout: POOL_TIMEOUT_SECONDS } })
  const db = Store.context(store).db
  const slow = async () => {
    if (target.engine === 'postgres') await sql`select pg_sleep(${options.holdSeconds})`.execute(db)
    else if (target.engine === 'mysql') await sql`select sleep(${options.holdSeconds})`.execute(db)
    else {
      // SQLite has one connection and no sleep(): hold it with an open transaction instead.
      await store.transaction(async (tx) => {
        await sql`select 1`.execute(Store.context(tx).db)
        await delay(options.holdSeconds * 1000)
      })
    }
  }
  // Both connections exist before the first round, so connecting is not what is timed.
  await Promise.all([sql`select 1 as one`.execute(db), sql`select 2 as two`.execute(db)])
  let proceeded = 0
  let timedOut = 0
  let untyped = 0
  let hung = 0
  const failures: string[] = []

  for (let round = 0; round < options.rounds; round++) {
    const outcomes = await Promise.all(
      Array.from({ length: options.callers }, () =>
        settleWithin(slow(), WATCHDOG_MS).then(
          (settled) => (settled ? 'proceeded' : 'hung'),
          (error: unknown) => {
            if (error instanceof ConnectionError && error.retryable) return 'timed out'
            failures.push(error instanceof PersistenceError ? `${error.error_type}: ${error.message}` : `untyped: ${String(error)}`)
            return error instanceof PersistenceError ? 'other' : 'untyped'
          },
        ),
      ),
    )
    proceeded += outcomes.filter((outcome) => outcome === 'proceeded').length
    timedOut += outcomes.filter((outcome) => outcome === 'timed out').length
    untyped += outcomes.filter((outcome) => outcome === 'untyped').length
    hung += outcomes.filter((outcome) => outcome === 'hung').length
    // Recovery: the next callers, as many as the pool holds, all get a connection.
    try {
      await Promise.all([sql`select 1 as one`.execute(db), sql`select 2 as two`.execute(db)])
    } catch (error) {
      failures.push(`round ${round}: the pool did not recover: ${String(error)}`)
    }
  }
  return {
    scenario: '4 pool exhaustion + slow queries',
    engine: target.engine,
    tries: options.rounds * options.callers,
    faults: timedOut,
    acknowledged: proceeded,
    lost: 0,
    duplicated: 0,
    partial: 0,
    untyped,
    hung,
    failures,
    note: `pool 2${target.engine === 'sqlite' ? ' (SQLite: one connection)' : ''}, pool_timeout ${POOL_TIMEOUT_SECONDS}s, hold ${options.holdSeconds}s: ${proceeded} proceeded, ${timedOut} connection_error, ${hung} hung; recovered after every round: ${failures.length === 0}`,
  }
}

/** Resolves true when `work` settles within `ms`, false when it does not; rejects with its error. */
function settleWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const watchdog = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  return Promise.race([work.then(() => true), watchdog]).finally(() => clearTimeout(timer))
}
