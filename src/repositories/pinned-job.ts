import { NotFoundError } from '../errors.js'
import type { StoreContext } from '../store-context.js'
import { prepare } from '../db/speed/prepared-statement.js'

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
  const row = await pinnedColumns.first(context, { id: jobId })
  if (!row) throw new NotFoundError(`Job ${jobId} not found`, { tableName: context.table('jobs') })
  return { version: Number(row.current_version), numOfRetries: Math.max(0, Number(row.num_of_retries)) }
}

const pinnedColumns = prepare<'id'>((t, value) => t.db.selectFrom('jobs').select(['current_version', 'num_of_retries']).where('id', '=', value('id')))
