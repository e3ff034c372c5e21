import type { Kysely, SelectQueryBuilder } from 'kysely'
import { z } from 'zod'
import { ValidationError } from '../errors.js'
import { finishedStatusSchema } from '../schema/execution-schemas.js'
import { isUuid } from '../schema/ids.js'
import { parseOrThrow } from '../schema/zod-issues.js'
import type { StoreContext } from '../store-context.js'
import type { CoreDatabase } from '../tables/core-database.js'

const purgeSchema = z.strictObject({
  /** Finished executions that finished before this time are removed (default: `retention.execution_days` ago). */
  olderThan: z.date().optional(),
  jobId: z.string().refine(isUuid, 'Expected a UUID').optional(),
  /** Only finished statuses: a queued or running execution is never purged. */
  status: z.union([finishedStatusSchema, z.array(finishedStatusSchema).min(1)]).optional(),
  /** Count what would be removed, remove nothing. */
  dryRun: z.boolean().default(false),
  /** Executions per transaction: small enough that no lock is held long, and autovacuum keeps up. */
  batchSize: z.int().min(1).max(10_000).default(500),
  onProgress: z.custom<(progress: PurgeReport) => void>((value) => typeof value === 'function').optional(),
})
export type PurgeOptions = z.input<typeof purgeSchema>

export interface PurgeReport {
  readonly dry_run: boolean
  readonly executions: number
  readonly attempts: number
  readonly component_runs: number
  readonly events: number
  readonly pending_state: number
  readonly batches: number
}

/**
 * Retention: deletes finished executions (and their attempts, component runs, events,
 * payloads and pending state) in batches, each its own short transaction, then asks the
 * adapter to give the space back (SQLite `incremental_vacuum`).
 */
export async function purgeExecutions(context: StoreContext, options: PurgeOptions = {}): Promise<PurgeReport> {
  const parsed = parseOrThrow(purgeSchema, options, 'options')
  const olderThan = cutoffOf(context, parsed.olderThan)
  const statuses = parsed.status === undefined ? finishedStatusSchema.options : [parsed.status].flat()
  const candidates = (db: Kysely<CoreDatabase>) => {
    let query = db.selectFrom('executions').where('finished_at', '<', context.adapter.encodeTimestamp(olderThan)).where('status', 'in', statuses)
    if (parsed.jobId !== undefined) query = query.where('job_id', '=', parsed.jobId)
    return query
  }
  if (parsed.dryRun) return { ...(await countOwned(context, candidates(context.db).select('id'))), dry_run: true, batches: 0 }

  const report = { dry_run: false, executions: 0, attempts: 0, component_runs: 0, events: 0, pending_state: 0, batches: 0 }
  for (;;) {
    const removed = await context.transaction(async (tx) => {
      const ids = (await candidates(tx.db).select('id').orderBy('finished_at').limit(parsed.batchSize).execute()).map((row) => String(row.id))
      return ids.length === 0 ? null : deleteExecutions(tx, ids)
    })
    if (removed === null) break
    report.executions += removed.executions
    report.attempts += removed.attempts
    report.component_runs += removed.component_runs
    report.events += removed.events
    report.pending_state += removed.pending_state
    report.batches += 1
    parsed.onProgress?.({ ...report })
  }
  // Inside a caller's transaction the freed pages wait for the next purge outside one.
  if (report.executions > 0 && !context.db.isTransaction) await context.adapter.reclaimSpace(context.db)
  return report
}

const DAY_MS = 86_400_000

function cutoffOf(context: StoreContext, olderThan: Date | undefined): Date {
  if (olderThan !== undefined) return olderThan
  const days = context.config.retention.execution_days
  if (days === undefined) {
    throw new ValidationError([{ path: 'options.olderThan', message: 'Give olderThan, or set retention.execution_days in the configuration' }])
  }
  return new Date(context.now().getTime() - days * DAY_MS)
}

type Counts = Omit<PurgeReport, 'dry_run' | 'batches'>

/**
 * Deletes the executions `ids` and everything they own, children first, in the caller's
 * transaction. Also used to delete a job's whole history. @internal
 */
export async function deleteExecutions(context: StoreContext, ids: readonly string[]): Promise<Counts> {
  const { db } = context
  const count = (result: { numDeletedRows: bigint }) => Number(result.numDeletedRows)
  const attemptIds = db.selectFrom('execution_attempts').select('id').where('execution_id', 'in', ids)
  const pending_state = count(await db.deleteFrom('job_state_pending').where('attempt_id', 'in', attemptIds).executeTakeFirst())
  const component_runs = count(await db.deleteFrom('component_runs').where('execution_id', 'in', ids).executeTakeFirst())
  const eventCount = count(await db.deleteFrom('execution_events').where('execution_id', 'in', ids).executeTakeFirst())
  const attemptCount = count(await db.deleteFrom('execution_attempts').where('execution_id', 'in', ids).executeTakeFirst())
  await db.deleteFrom('execution_payloads').where('execution_id', 'in', ids).execute()
  const executionCount = count(await db.deleteFrom('executions').where('id', 'in', ids).executeTakeFirst())
  return { executions: executionCount, attempts: attemptCount, component_runs, events: eventCount, pending_state }
}

/** What the dry run counts: the rows `ids` (the candidate executions) own, table by table. */
async function countOwned(context: StoreContext, ids: SelectQueryBuilder<CoreDatabase, 'executions', { id: string }>): Promise<Counts> {
  const { db } = context
  const n = db.fn.countAll().as('n')
  const total = async (query: { executeTakeFirst(): Promise<{ n: unknown } | undefined> }) => Number((await query.executeTakeFirst())?.n ?? 0)
  const attemptIds = db.selectFrom('execution_attempts').select('id').where('execution_id', 'in', ids)
  return {
    executions: await total(db.selectFrom(ids.as('candidates')).select(n)),
    attempts: await total(db.selectFrom('execution_attempts').select(n).where('execution_id', 'in', ids)),
    component_runs: await total(db.selectFrom('component_runs').select(n).where('execution_id', 'in', ids)),
    events: await total(db.selectFrom('execution_events').select(n).where('execution_id', 'in', ids)),
    pending_state: await total(db.selectFrom('job_state_pending').select(n).where('attempt_id', 'in', attemptIds)),
  }
}

/** Deletes every execution of a job (for `jobs.delete(id, {force: true})`), in batches of the caller's transaction. @internal */
export async function deleteJobHistory(context: StoreContext, jobId: string): Promise<void> {
  for (;;) {
    const ids = (await context.db.selectFrom('executions').select('id').where('job_id', '=', jobId).limit(1000).execute()).map((row) => String(row.id))
    if (ids.length === 0) break
    await deleteExecutions(context, ids)
  }
  await context.db.deleteFrom('job_state').where('job_id', '=', jobId).execute()
}
