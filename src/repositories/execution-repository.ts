import { ConflictError, ConstraintError, NotFoundError } from '../errors.js'
import {
  claimSchema,
  finishResultSchema,
  startExecutionSchema,
  type Attempt,
  type ClaimInput,
  type ComponentRunInput,
  type EventInput,
  type Execution,
  type FinishResult,
  type StartExecutionInput,
} from '../schema/execution-schemas.js'
import { uuidv7 } from '../schema/ids.js'
import { parseHotOrThrow } from '../schema/zod-issues.js'
import type { StreamQuery } from '../query/index.js'
import type { StoreContext } from '../store-context.js'
import { appendEvents, recordComponentRuns } from './execution-bulk-writes.js'
import { heartbeat, reapExpired, type ReapResult } from './execution-claiming.js'
import { claimExecution, openAttempt, queueExecution, type Claim } from './execution-opening.js'
import { settleAttempt, settleInOneStatement } from './execution-settling.js'
import { purgeExecutions, type PurgeOptions, type PurgeReport } from './execution-purge.js'
import { listExecutions } from './execution-list.js'
import { getExecution, type ExecutionDetail, type GetExecutionOptions } from './execution-reads.js'
import { EXECUTION_COLUMNS, errorColumns, executionFromRow } from './execution-rows.js'
import { executionStats, type ExecutionStats, type StatsQuery } from './execution-stats.js'
import { streamExecutions } from './execution-stream.js'
import { finishedColumns, runningAttemptId, transitionExecution, type StartAttemptOptions } from './execution-transitions.js'

/**
 * Execution metadata, written by many workers at once: executions and their state
 * machine, attempts, component runs and events in bulk, claiming with leases, reads,
 * stats and retention.
 *
 * @example
 * const execution = await store.executions.start({ jobId, idempotencyKey: 'orders:2026-01-31' })
 * const attempt = await store.executions.startAttempt(execution.id)
 * await store.executions.recordComponentRuns(attempt.id, [{ component_name: 'read_orders', lines_received: 10 }])
 * await store.executions.finishAttempt(attempt.id, { status: 'SUCCEEDED' })
 */
export class ExecutionRepository {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  /**
   * Queues an execution of the job's current version. With an `idempotencyKey`, a second
   * call (also a concurrent one, from another process) returns the first execution.
   */
  async start(input: StartExecutionInput): Promise<Execution> {
    const parsed = parseHotOrThrow(startExecutionSchema, input)
    const queued = {
      id: uuidv7(),
      job_id: parsed.jobId,
      environment: parsed.environment ?? null,
      trigger: parsed.trigger,
      idempotency_key: parsed.idempotencyKey ?? null,
      params: parsed.params ?? {},
    }
    try {
      return await queueExecution(this.#context, queued)
    } catch (error) {
      // The key's first start (perhaps a concurrent one, from another process) won the unique index: return its execution.
      if (parsed.idempotencyKey !== undefined && error instanceof ConstraintError && error.constraint_kind === 'unique') {
        const existing = await this.#byIdempotencyKey(parsed.idempotencyKey, parsed.jobId)
        if (existing) return existing
      }
      throw error
    }
  }

  /** Starts the next attempt of a queued execution (QUEUED → RUNNING). */
  startAttempt(id: string, options: StartAttemptOptions = {}): Promise<Attempt> {
    return openAttempt(this.#context, id, options)
  }

  /**
   * Ends an attempt. SUCCEEDED publishes the job state set under it and finishes the
   * execution; FAILED requeues the execution while attempts remain (`num_of_retries`),
   * otherwise fails it; CANCELLED cancels it.
   */
  async finishAttempt(attemptId: string, result: FinishResult): Promise<Execution> {
    const outcome = parseHotOrThrow(finishResultSchema, result, 'result')
    const settled = await settleInOneStatement(this.#context, attemptId, outcome)
    return settled ?? this.#context.transaction((context) => settleAttempt(context, attemptId, outcome))
  }

  /**
   * Finishes an execution directly (cancel a queued run, fail or succeed a running one).
   * A running attempt ends with the same status. Finishing a finished execution is a
   * `conflict`.
   */
  async finish(id: string, result: FinishResult): Promise<Execution> {
    const outcome = parseHotOrThrow(finishResultSchema, result, 'result')
    const executions = this.#context.table('executions')
    return this.#context.transaction(async (context) => {
      const running = await runningAttemptId(context, id)
      // Finishing directly ends the run: no retry, whatever attempts remain.
      if (running !== undefined) return settleAttempt(context, running, { ...outcome, retry: false })
      const current = await context.db.selectFrom('executions').select(EXECUTION_COLUMNS).where('id', '=', id).executeTakeFirst()
      if (!current) throw new NotFoundError(`Execution ${id} not found`, { tableName: executions })
      const changes = {
        worker_id: null,
        lease_expires_at: null,
        ...finishedColumns(context, context.now(), current.started_at),
        ...errorColumns(outcome.error),
      }
      const written = await transitionExecution(context, id, outcome.status, changes)
      if (outcome.error?.details !== undefined) {
        await context.db
          .updateTable('execution_payloads')
          .set({ error_details: context.adapter.encodeJson(outcome.error.details) })
          .where('execution_id', '=', id)
          .execute()
      }
      return executionFromRow(context.adapter, { ...current, ...written }, outcome.error?.details ?? null)
    })
  }

  /** Writes thousands of component runs in one transaction; a bad row writes nothing. */
  recordComponentRuns(attemptId: string, runs: readonly ComponentRunInput[]): Promise<{ written: number }> {
    return recordComponentRuns(this.#context, attemptId, runs)
  }

  /** Appends log lines to an execution; a bad event writes nothing. */
  appendEvents(executionId: string, events: readonly EventInput[]): Promise<{ written: number }> {
    return appendEvents(this.#context, executionId, events)
  }

  get(id: string, options: GetExecutionOptions = {}): Promise<ExecutionDetail> {
    return getExecution(this.#context, id, options)
  }

  /** Lists execution headers in the shared query language (DESIGN §4), newest first. */
  list(query: unknown = {}): ReturnType<typeof listExecutions> {
    return listExecutions(this.#context, query)
  }

  /**
   * The same items as `list` in the same order (`where`, `order_by`, an optional `limit`;
   * no pages), in flat memory, from one snapshot. It holds a connection until the loop
   * ends or is left (`break`). On SQLite that is the store's only one: a call on the same
   * store inside the loop waits for it, and fails after `pool_timeout`.
   *
   * @example
   * for await (const execution of store.executions.stream({ where: { column: 'status', operator: '==', value: 'FAILED' } })) {
   *   report.write(`${execution.job_name} ${execution.id}\n`)
   * }
   */
  stream(query: StreamQuery = {}): ReturnType<typeof streamExecutions> {
    return streamExecutions(this.#context, query)
  }

  stats(query: StatsQuery = {}): Promise<ExecutionStats> {
    return executionStats(this.#context, query)
  }

  /** Hands the oldest queued execution to this worker (exactly one worker gets each), or `null`. */
  claimNext(input: ClaimInput): Promise<Claim | null> {
    return claimExecution(this.#context, parseHotOrThrow(claimSchema, input))
  }

  /** Extends the lease of a running execution held by `workerId`. */
  heartbeat(id: string, workerId: string): Promise<Execution> {
    return heartbeat(this.#context, id, workerId).then(() => this.#header(id))
  }

  /** Fails the attempts whose lease ran out ("lease expired"), requeueing where retries remain. */
  reapExpired(now: Date = this.#context.now()): Promise<ReapResult> {
    return reapExpired(this.#context, now)
  }

  /**
   * Deletes finished executions older than `olderThan` (default: `retention.execution_days`
   * of the configuration) and all they own, in batches; then gives the space back.
   */
  purge(options: PurgeOptions = {}): Promise<PurgeReport> {
    return purgeExecutions(this.#context, options)
  }

  async #header(id: string): Promise<Execution> {
    const row = await this.#context.db.selectFrom('executions').select(EXECUTION_COLUMNS).where('id', '=', id).executeTakeFirst()
    if (!row) throw new NotFoundError(`Execution ${id} not found`, { tableName: this.#context.table('executions') })
    return executionFromRow(this.#context.adapter, row)
  }

  async #byIdempotencyKey(key: string, jobId: string): Promise<Execution | undefined> {
    const row = await this.#context.db.selectFrom('executions').select(EXECUTION_COLUMNS).where('idempotency_key', '=', key).executeTakeFirst()
    if (!row) return undefined
    if (row.job_id !== jobId) {
      throw new ConflictError(`Idempotency key ${key} already started an execution of another job`, {
        tableName: this.#context.table('executions'),
      })
    }
    return executionFromRow(this.#context.adapter, row)
  }
}
