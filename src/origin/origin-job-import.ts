import { insertRows } from '../db/speed/prepared-statement.js'
import { ConstraintError, ValidationError, type ValidationIssue } from '../errors.js'
import { JobRepository } from '../repositories/job-repository.js'
import { dueTime, nextOccurrence } from '../schedules/next-fire.js'
import { intervalMs, triggerSchema, triggerType, type Trigger } from '../schedules/trigger-schema.js'
import { ENVIRONMENTS } from '../config/access-control-config.js'
import { isUuid } from '../schema/ids.js'
import type { StoreContext } from '../store-context.js'
import { executionAttemptsTable, executionPayloadsTable, executionsTable } from '../tables/execution-tables.js'
import { groupRows, type OriginJobRows, type OriginRow } from './origin-database.js'
import { originHistory, type HistoryRows } from './origin-history.js'
import { UnitTally } from './origin-import-report.js'
import { originJobConfig, type OriginJobConfig } from './origin-job-config.js'
import { OriginRowError } from './origin-row-error.js'
import { OriginRowReader } from './origin-row-reader.js'
import { originTrigger } from './origin-triggers.js'
import { OriginUnitErrors, freeName, type UnitOptions } from './origin-unit.js'

const EXECUTION_COLUMNS = executionsTable.columnNames
const PAYLOAD_COLUMNS = executionPayloadsTable.columnNames
const ATTEMPT_COLUMNS = executionAttemptsTable.columnNames
/** Ids looked up per statement when checking what an earlier run imported. */
const LOOKUP_CHUNK = 500

/**
 * One job of the origin with everything that hangs off it (its schedules, executions
 * and attempts), in one transaction: all of it or, when any row cannot be taken,
 * nothing (the errors name every such row). A job an earlier run imported (same id)
 * keeps its config; its schedules and executions that are not here yet are added.
 */
export async function importJob(context: StoreContext, rows: OriginJobRows, options: UnitOptions): Promise<UnitTally> {
  return context.transaction(async (tx) => {
    const tally = new UnitTally()
    const jobId = String(rows.job.id)
    const errors: OriginRowError[] = []
    const present = isUuid(jobId) && (await existingIds(tx, 'jobs', [jobId])).size === 1
    let job: Pick<OriginJobConfig, 'id' | 'numOfRetries'> = { id: jobId, numOfRetries: 0 }
    let created = false
    if (present) {
      const stored = await tx.db.selectFrom('jobs').select('num_of_retries').where('id', '=', jobId).executeTakeFirstOrThrow()
      job = { id: jobId, numOfRetries: Number(stored.num_of_retries) }
    } else {
      const result = originJobConfig(rows, options.zone)
      errors.push(...result.errors)
      if (result.job) {
        job = result.job
        // Saved first (then rolled back with the rest if any row fails) so that the config's
        // own validation reports its problems together with those of the other rows.
        created = await saveJob(tx, result.job, options, tally, errors)
      }
    }
    const schedules = await newRows(tx, 'schedules', rows.schedules)
    const executions = await newRows(tx, 'executions', rows.executions)
    const attemptsOf = groupRows(rows.attempts, 'execution_id')
    const scheduleRows: Array<Record<string, unknown>> = []
    for (const row of schedules.fresh) {
      const mapped = originSchedule(tx, row, jobId, options)
      if (mapped instanceof OriginRowError) errors.push(mapped)
      else scheduleRows.push(mapped)
    }
    const history: HistoryRows[] = []
    for (const row of executions.fresh) {
      const mapped = originHistory(tx.adapter, row, attemptsOf.get(String(row.id)) ?? [], job, options.zone)
      errors.push(...mapped.errors)
      if (mapped.rows) history.push(mapped.rows)
    }
    if (errors.length > 0) throw new OriginUnitErrors(errors)

    const kind = created ? 'imported' : 'present'
    tally.add(kind, 'jobtable')
    tally.add(kind, 'componenttable', rows.components.length)
    tally.add(kind, 'componentlinktable', rows.links.length)
    tally.add(kind, 'layouttable', rows.layouts.length)
    tally.add(kind, 'metadatatable', rows.metadata.length)

    for (const row of scheduleRows) {
      row.name = await freeName(tx, 'schedules', 'scheduletable', String(row.id), String(row.name), options, jobId)
    }
    if (scheduleRows.length > 0) await tx.db.insertInto('schedules').values(scheduleRows).execute()
    tally.add('imported', 'scheduletable', scheduleRows.length)
    tally.add('present', 'scheduletable', schedules.present.length)

    await insertRows(
      tx,
      'executions',
      EXECUTION_COLUMNS,
      history.map((h) => EXECUTION_COLUMNS.map((c) => h.execution[c])),
    )
    await insertRows(
      tx,
      'execution_payloads',
      PAYLOAD_COLUMNS,
      history.map((h) => PAYLOAD_COLUMNS.map((c) => h.payload[c])),
    )
    const attempts = history.flatMap((h) => h.attempts)
    await insertRows(
      tx,
      'execution_attempts',
      ATTEMPT_COLUMNS,
      attempts.map((a) => ATTEMPT_COLUMNS.map((c) => a[c])),
    )
    tally.add('imported', 'executiontable', history.length)
    tally.add('imported', 'executionattempttable', attempts.length)
    const running = history.filter((h) => h.running)
    for (const h of running) {
      tally.warn('executiontable', h.id, 'Still RUNNING in etl-core: imported as RUNNING without a worker; finish or cancel it here once you know its outcome')
    }
    await tallyPresentAttempts(tx, executions.present, attemptsOf, tally)

    if (created || scheduleRows.length > 0 || history.length > 0) {
      await options.audit(tx, 'job', jobId, {
        job: created ? 'imported' : 'already imported',
        schedules: scheduleRows.map((row) => row.id),
        executions: history.length,
        attempts: attempts.length,
      })
    }
    return tally
  })
}

/**
 * Saves the job under its own name; where names are unique (a store before migration
 * 0008) and the name is taken, under a free one if `renameDuplicates` allows. Its
 * problems go to `errors` (the caller rolls back).
 */
async function saveJob(context: StoreContext, job: OriginJobConfig, options: UnitOptions, tally: UnitTally, errors: OriginRowError[]): Promise<boolean> {
  const name = String(job.config.name)
  try {
    try {
      await createWithOriginId(context, job, name, tally)
    } catch (error) {
      if (!(error instanceof ConstraintError && error.constraint_kind === 'unique')) throw error
      const renamed = await freeName(context, 'jobs', 'jobtable', job.id, name, options, job.id)
      if (renamed === name) throw error
      await createWithOriginId(context, job, renamed, tally)
      tally.warn('jobtable', job.id, `Imported as ${JSON.stringify(renamed)}: ${JSON.stringify(name)} was taken`)
    }
    return true
  } catch (error) {
    if (error instanceof OriginUnitErrors) errors.push(...error.errors)
    else if (error instanceof OriginRowError) errors.push(error)
    else throw error
    return false
  }
}

/**
 * Saves the config through the job repository (validation, version 1, graph rows) under
 * the origin's id and creation time, in the caller's transaction. Warnings of the config
 * (keys no schema knows) go to the tally.
 */
async function createWithOriginId(context: StoreContext, job: OriginJobConfig, name: string, tally: UnitTally): Promise<void> {
  let created: { id: string; warnings?: readonly ValidationIssue[] }
  try {
    created = await JobRepository.createImported(new JobRepository(context), { ...job.config, name }, { id: job.id, at: job.createdAt ?? context.now() })
  } catch (error) {
    if (error instanceof ValidationError) throw new OriginUnitErrors(configErrors(error, job))
    throw error
  }
  for (const { table, id, issue } of byOriginRow(created.warnings ?? [], job)) {
    tally.warn(table, id, `${issue.path ? `${issue.path}: ` : ''}${issue.message}`)
  }
}

/** A validation error of the rebuilt config, as errors of the origin rows behind it. */
function configErrors(error: ValidationError, job: OriginJobConfig): OriginRowError[] {
  const byRow = new Map<string, { table: 'jobtable' | 'componenttable'; issues: ValidationIssue[] }>()
  for (const { table, id, issue } of byOriginRow(error.issues, job)) {
    const entry = byRow.get(id) ?? { table, issues: [] }
    entry.issues.push(issue)
    byRow.set(id, entry)
  }
  return [...byRow].map(([id, { table, issues }]) => new OriginRowError(table, id, issues, { jobId: job.id, cause: error }))
}

/** Issues of the config (`components[2].separator`) as issues of its rows (componenttable …: `separator`). */
function byOriginRow(issues: readonly ValidationIssue[], job: OriginJobConfig) {
  return issues.map((issue) => {
    const match = /^components\[(\d+)\](?:\.(.*))?$/.exec(issue.path)
    const componentId = match ? job.componentIds[Number(match[1])] : undefined
    if (componentId === undefined) return { table: 'jobtable' as const, id: job.id, issue }
    return { table: 'componenttable' as const, id: componentId, issue: { path: match?.[2] ?? '', message: issue.message } }
  })
}

/**
 * A schedule row as this store's: id, times and paused kept, the trigger converted
 * (origin-triggers.ts), the next fire time computed from now as `schedules.create`
 * does (an interval without `start_date` starts one period from now, as APScheduler
 * starts one when its scheduler adds the job).
 */
function originSchedule(context: StoreContext, row: OriginRow, jobId: string, options: UnitOptions): Record<string, unknown> | OriginRowError {
  const reader = new OriginRowReader('scheduletable', row, options.zone)
  if (!isUuid(row.id)) reader.problem('id', 'Not a UUID: ids are kept, and this store’s ids are UUIDs')
  const name = reader.text('name', { nonEmpty: true, max: 200 })
  const environment = row.environment
  if (typeof environment !== 'string' || !(ENVIRONMENTS as readonly string[]).includes(environment)) {
    reader.problem('environment', `${JSON.stringify(environment)} is not an environment (${ENVIRONMENTS.join(', ')})`)
  }
  const paused = reader.boolean('is_paused')
  const createdAt = reader.time('created_at')
  const updatedAt = reader.time('updated_at')
  const args = reader.object('trigger_args')
  let trigger: Trigger | undefined
  if (args !== undefined) {
    const converted = originTrigger(row.trigger_type, args, options.zone)
    for (const issue of converted.issues) reader.problem(issue.path, issue.message)
    trigger = converted.trigger
  }
  const now = context.now()
  if (trigger?.interval !== undefined && trigger.interval.start_date === undefined) {
    const anchored = triggerSchema.safeParse({
      interval: { ...trigger.interval, start_date: new Date(now.getTime() + intervalMs(trigger.interval)).toISOString() },
    })
    if (anchored.success) trigger = anchored.data
    else reader.problem('trigger_args.end_date', 'end_date is before the first occurrence (one interval from now)')
  }
  const problem = reader.error(jobId)
  if (problem) return problem
  const { adapter } = context
  const fires = trigger as Trigger
  const occurrence = nextOccurrence(fires, new Date(now.getTime() - 1))
  return {
    id: String(row.id),
    name,
    job_id: jobId,
    environment,
    trigger_type: triggerType(fires),
    trigger: adapter.encodeJson(fires),
    paused: adapter.encodeBoolean(paused as boolean),
    next_fire_at: occurrence === null ? null : adapter.encodeTimestamp(dueTime(fires, occurrence)),
    next_occurrence_at: occurrence === null ? null : adapter.encodeTimestamp(occurrence),
    last_fired_at: null,
    created_at: adapter.encodeTimestamp(createdAt as Date),
    updated_at: adapter.encodeTimestamp(updatedAt as Date),
  }
}

/** Attempts of executions an earlier run imported: counted as present, or warned about when etl-core added them since. */
async function tallyPresentAttempts(context: StoreContext, executions: readonly OriginRow[], attemptsOf: ReadonlyMap<string, OriginRow[]>, tally: UnitTally) {
  tally.add('present', 'executiontable', executions.length)
  const attempts = executions.flatMap((row) => attemptsOf.get(String(row.id)) ?? [])
  const stored = await existingIds(
    context,
    'execution_attempts',
    attempts.map((row) => String(row.id)),
  )
  for (const attempt of attempts) {
    if (stored.has(String(attempt.id))) tally.add('present', 'executionattempttable')
    else tally.warn('executionattempttable', String(attempt.id), `Added in etl-core after execution ${String(attempt.execution_id)} was imported: not imported`)
  }
}

/** The tables whose rows an import keeps the origin's ids for. */
type ImportedTable = 'jobs' | 'schedules' | 'executions' | 'execution_attempts'

/** The rows whose id is not here yet, and those that are. */
async function newRows(context: StoreContext, table: ImportedTable, rows: readonly OriginRow[]) {
  const stored = await existingIds(
    context,
    table,
    rows.filter((row) => isUuid(row.id)).map((row) => String(row.id)),
  )
  return { fresh: rows.filter((row) => !stored.has(String(row.id))), present: rows.filter((row) => stored.has(String(row.id))) }
}

async function existingIds(context: StoreContext, table: ImportedTable, ids: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>()
  for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
    const chunk = ids.slice(i, i + LOOKUP_CHUNK)
    const rows = await context.db.selectFrom(table).select('id').where('id', 'in', chunk).execute()
    for (const row of rows) found.add(String(row.id))
  }
  return found
}
