import { NotFoundError } from '../errors.js'
import type { StoreContext } from '../store.js'
import { executionTables } from './execution-rows.js'

export interface PinnedJob {
  /** The job's current version: the one a new execution runs. */
  readonly version: number
  readonly numOfRetries: number
}

/**
 * What an execution pins from its job when it starts. Read in the starting transaction,
 * so an update that lands at the same time is either fully before or fully after.
 * @internal
 */
export async function pinnedJob(context: StoreContext, jobId: string): Promise<PinnedJob> {
  const { jobs } = executionTables(context)
  const row = await context.db
    .selectFrom(jobs)
    .select(['current_version', 'num_of_retries'])
    .where('id', '=', jobId)
    .executeTakeFirst()
  if (!row) throw new NotFoundError(`Job ${jobId} not found`, { tableName: jobs })
  return { version: Number(row.current_version), numOfRetries: Math.max(0, Number(row.num_of_retries)) }
}
