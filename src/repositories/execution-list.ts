import type { ExpressionBuilder } from 'kysely'
import { ValidationError } from '../errors.js'
import { checkFilter, filterExpression, listQuery, type ListResult, type QueryEntity } from '../query/index.js'
import { queryColumnsOf } from '../query/query-entity.js'
import type { ListedExecution } from '../schema/execution-schemas.js'
import type { StoreContext } from '../store-context.js'
import type { CoreDatabase } from '../tables/core-database.js'
import { executionsTable } from '../tables/execution-tables.js'
import { jobsTable } from '../tables/job-tables.js'
import { EXECUTION_COLUMNS, listedExecutionFromRow } from './execution-rows.js'

export type { ListedExecution } from '../schema/execution-schemas.js'

/**
 * `executions.list(query)` in the shared query language (src/query) over the execution
 * header alone, newest first. `job_name` rules are resolved to `job_id IN (…)` first, so
 * every page query reads one index of the executions table in order (a join to jobs made
 * MariaDB sort the whole table, and PostgreSQL walk it). Each row's job name comes from a
 * scalar subquery on the jobs primary key in the select list: evaluated for the page's
 * rows only (once per page when the filter pins the job), it leaves the driving index
 * alone and the page is one statement (an offset page finds its keys first and joins
 * the rows to them: see `byKeys`). `executions.stream` (execution-stream.ts) reads the
 * same entity in one query. `test/execution-explain` proves the plans.
 * @internal
 */
export const executionEntity: QueryEntity = {
  name: 'executions',
  columns: queryColumnsOf(executionsTable, [
    'id',
    'job_id',
    'job_version',
    'status',
    'environment',
    'trigger',
    'worker_id',
    'idempotency_key',
    'attempt_count',
    'queued_at',
    'started_at',
    'finished_at',
    'duration_ms',
  ]),
  // Both keys descending, so one index serves the order (a mixed order needs a sort).
  defaultOrder: [
    { column: 'queued_at', direction: 'desc' },
    { column: 'id', direction: 'desc' },
  ],
}

const jobNameEntity: QueryEntity = { name: 'jobs', columns: queryColumnsOf(jobsTable, ['id', 'name']) }

/**
 * The indexes (migrations 0003 and 0007) that serve the default order, `queued_at desc,
 * id desc`, after equalities on all of their leading columns. A hint naming a missing
 * index is an error on SQLite and MySQL: test/order-index-names.test.ts holds these
 * names to the migrated schema. @internal exported for that test
 */
export const ORDER_INDEXES: readonly { readonly columns: readonly string[]; readonly name: string }[] = [
  { columns: ['job_id', 'status'], name: 'job_status_queued_idx' },
  { columns: ['job_id'], name: 'job_queued_idx' },
  { columns: ['status'], name: 'status_queued_idx' },
  { columns: ['environment'], name: 'environment_queued_idx' },
  { columns: ['trigger'], name: 'trigger_queued_idx' },
]
/** Columns with a unique index: an equality on one finds its row without any order index. */
const UNIQUE_COLUMNS = new Set(['id', 'idempotency_key'])

/** More jobs than this matching a `job_name` rule is a validation error (the `in` limit). */
const MAX_JOB_NAME_MATCHES = 1000
/** Matches no execution: a `job_name` rule that matched no job. */
const NO_JOB = '00000000-0000-0000-0000-000000000000'

export async function listExecutions(context: StoreContext, query: unknown = {}): Promise<ListResult<ListedExecution>> {
  const executions = context.table('executions')
  const resolved = await withJobIds(context, query)
  const where = isRecord(resolved) ? resolved.where : undefined
  const forced = orderIndexesFor(resolved, where).map((name) => `${executions}_${name}`)
  // `etl_executions force index (…)`: the table keeps its name, so the subquery's reference holds.
  const from = context.adapter.fromWithIndexes(executions, forced)
  const base = () => context.db.selectFrom(from as 'executions')
  // One job for every row (the usual "runs of this job"): its name is looked up once per
  // page, not once per row (PostgreSQL, 50 rows: 0.18 ms of execution per page vs 0.05).
  const job = pinnedJob(where)
  const listed =
    ([jobSlot]: readonly unknown[]) =>
    (eb: ExpressionBuilder<CoreDatabase, 'executions'>) => {
      const names = eb.selectFrom('jobs').select('name')
      // The slot is the placeholder `listQuery` binds the pinned job's id to.
      const jobName = jobSlot === undefined ? names.whereRef('jobs.id', '=', 'executions.job_id') : names.where('jobs.id', '=', jobSlot as string)
      return [...EXECUTION_COLUMNS, jobName.as('job_name')]
    }
  return listQuery(context, executionEntity, resolved, {
    // `from` may be SQL (a forced index): the key names the indexes instead.
    key: `executions [${forced.join()}] with ${job === undefined ? 'each' : 'one'} job name`,
    values: job === undefined ? [] : [job],
    base: (slots) => base().select(listed(slots)),
    // An offset page skips on the index and reads the page's rows only: the engines read
    // every skipped row otherwise, and PostgreSQL computed each one's job name too (page
    // 180: 8,951 job lookups, 75 ms instead of 9).
    byKeys: {
      keys: () => base().select('id as page_key'),
      // CROSS JOIN: SQLite then keeps the page as the outer loop (with an inner join it
      // walked the whole table in index order to spare itself sorting the page).
      rows: (page, slots) => context.db.selectFrom(page).crossJoin('executions').whereRef('executions.id', '=', 'page.page_key').select(listed(slots)),
    },
    decode: (row) => listedExecutionFromRow(context.adapter, row),
  })
}

/** The query with its `job_name` rules resolved to job ids (see the file comment). @internal */
export async function withJobIds(context: StoreContext, query: unknown): Promise<unknown> {
  if (!isRecord(query) || query.where === undefined) return query
  return { ...query, where: await resolveJobNames(context, query.where, 'where') }
}

/** The job id every matching row has, when a top-level rule of the filter pins it. */
function pinnedJob(where: unknown): string | undefined {
  for (const rule of topLevelRules(where)) {
    const value = rule.column === 'job_id' ? singleValue(rule) : undefined
    if (typeof value === 'string') return value
  }
  return undefined
}

/** The rules every matching row satisfies: the root's, if it is an AND, else the root. */
function topLevelRules(where: unknown): Record<string, unknown>[] {
  const rules: unknown[] = isRecord(where) && where.logical_operator === 'AND' && Array.isArray(where.rules) ? where.rules : [where]
  return rules.filter(isRecord)
}

/** The value a `==` rule, or an `in` rule with one value, fixes its column to. */
function singleValue(rule: Record<string, unknown>): unknown {
  if (rule.operator === '==') return rule.value
  return rule.operator === 'in' && Array.isArray(rule.value) && rule.value.length === 1 ? rule.value[0] : undefined
}

/**
 * MariaDB plans `job_id = ? AND queued_at <= ?cursor … ORDER BY queued_at DESC LIMIT n` as
 * a `ref` on job_id when the cursor's range keeps most of the job's rows: it then walks
 * the job's index entries from the newest and filters out every row before the cursor
 * (a page 30,000 rows deep read 33,000 entries, 370 ms). Forcing the order indexes that
 * match the filter's top-level equalities makes it enter the index at the cursor (0.3 ms);
 * among several it still picks by its estimates. SQLite is told too when one index
 * serves (see its adapter). Only for the default order, and never when an equality on a
 * unique column finds the row by itself.
 */
function orderIndexesFor(query: unknown, where: unknown): string[] {
  if (!isRecord(query) || query.order_by !== undefined || where === undefined) return []
  const pinned = new Set<string>()
  for (const rule of topLevelRules(where)) {
    if (typeof rule.column !== 'string' || singleValue(rule) === undefined) continue
    if (UNIQUE_COLUMNS.has(rule.column)) return []
    pinned.add(rule.column)
  }
  const usable = ORDER_INDEXES.filter((index) => index.columns.every((column) => pinned.has(column)))
  // An index whose columns another usable index also leads with is never the better entry.
  const covers = (wider: (typeof usable)[number], narrower: (typeof usable)[number]) =>
    wider !== narrower && narrower.columns.every((column) => wider.columns.includes(column))
  return usable
    .filter((index) => !usable.some((other) => covers(other, index)))
    .map((index) => index.name)
    .sort()
}

/** Replaces every `job_name` leaf of the tree by `job_id in (ids of the matching jobs)`. */
async function resolveJobNames(context: StoreContext, node: unknown, path: string): Promise<unknown> {
  if (!isRecord(node)) return node
  if (Array.isArray(node.rules)) {
    return { ...node, rules: await Promise.all(node.rules.map((rule, i) => resolveJobNames(context, rule, `${path}.rules[${i}]`))) }
  }
  if (node.column !== 'job_name') return node
  const filter = checkFilter(jobNameEntity, context.adapter, { ...node, column: 'name' }, path)
  const rows = await context.db
    .selectFrom('jobs')
    .select('id')
    .where((eb) => filterExpression(eb, filter))
    .limit(MAX_JOB_NAME_MATCHES + 1)
    .execute()
  if (rows.length > MAX_JOB_NAME_MATCHES) {
    throw new ValidationError([{ path: `${path}.value`, message: `Matches more than ${MAX_JOB_NAME_MATCHES} jobs: narrow it` }])
  }
  const ids = rows.map((row) => String(row.id)).sort()
  return { column: 'job_id', operator: 'in', value: ids.length > 0 ? ids : [NO_JOB] }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
