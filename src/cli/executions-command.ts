import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import type { Command } from 'commander'
import { ValidationError, finishedStatusSchema, isUuid, type FilterRule, type PurgeReport, type ExecutionStats, type Execution, type Store } from '../index.js'
import { parseJsonOption } from './json-input.js'
import { emit, formatTable } from './output.js'
import { progressBar } from './progress-bar.js'
import { withStore } from './runtime.js'

export function registerExecutionsCommand(program: Command): void {
  const executions = program
    .command('executions')
    .description('look at executions, export them, see their stats, and purge old history')
    .addHelpText(
      'after',
      '\nExamples:\n  etlp executions list --status FAILED --since 2026-01-01\n  etlp executions export --since 30d -o executions.jsonl\n  etlp executions show 0190c7e2-… --attempts --events\n  etlp executions stats --job orders_daily\n  etlp executions purge --older-than 90d --dry-run',
    )

  executions
    .command('list')
    .description('list executions, newest first (shared query language)')
    .option('--job <job>', 'job name or id')
    .option('--status <status>', 'QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED')
    .option('--environment <environment>', 'e.g. PROD')
    .option('--since <time>', 'queued at or after this ISO time, or an age like 24h / 7d')
    .option('--where <json>', 'more filter rules, e.g. {"column": "trigger", "operator": "==", "value": "schedule"}')
    .option('--limit <n>', 'page size (1-1000)', '50')
    .option('--cursor <cursor>', 'next_cursor of the previous page')
    .option('--total', 'also count all matching executions')
    .addHelpText('after', '\nExamples:\n  etlp executions list --job orders_daily --status FAILED\n  etlp executions list --since 7d --total --json')
    .action(async (options: ListOptions, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const page = await store.executions.list({
          ...(await filterOf(store, options)),
          limit: Number(options.limit),
          ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
          ...(options.total ? { total: true } : {}),
        })
        emit(json === true, page, () => {
          const table = page.items.length ? formatTable(page.items, executionColumns) : 'No executions.'
          const total = page.total === undefined ? '' : `\n${page.total} in total`
          const next = page.next_cursor ? `\nNext page: --cursor ${page.next_cursor}` : ''
          return `${table}${total}${next}`
        })
      })
    })

  executions
    .command('export')
    .description('write executions as JSON Lines, newest first, from one snapshot in flat memory')
    .option('--job <job>', 'job name or id')
    .option('--status <status>', 'QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED')
    .option('--environment <environment>', 'e.g. PROD')
    .option('--since <time>', 'queued at or after this ISO time, or an age like 24h / 7d')
    .option('--where <json>', 'more filter rules, as for list')
    .option('--limit <n>', 'at most this many')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .addHelpText('after', '\nExamples:\n  etlp executions export --since 30d -o executions.jsonl\n  etlp executions export --status FAILED | jq .error')
    .action(async (options: ExportOptions, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const query = { ...(await filterOf(store, options)), ...(options.limit !== undefined ? { limit: Number(options.limit) } : {}) }
        if (options.output === undefined) {
          await writeJsonLines(process.stdout, store.executions.stream(query))
          return
        }
        const file = createWriteStream(options.output)
        await once(file, 'open')
        const exported = await writeJsonLines(file, store.executions.stream(query))
        await new Promise<void>((resolve) => file.end(resolve))
        emit(json === true, { exported, file: options.output }, () => `Exported ${exported} executions to ${options.output}`)
      })
    })

  executions
    .command('show <id>')
    .description('one execution with its attempts, component runs and events')
    .option('--attempts', 'include attempts')
    .option('--runs', 'include component runs')
    .option('--events [limit]', 'include the first events (default 100)')
    .addHelpText('after', '\nExamples:\n  etlp executions show 0190c7e2-… --attempts --runs --events 50 --json')
    .action(async (id: string, options: { attempts?: boolean; runs?: boolean; events?: boolean | string }, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const events = options.events === undefined ? undefined : options.events === true ? true : { limit: Number(options.events) }
        const detail = await store.executions.get(id, {
          include: { attempts: options.attempts === true, componentRuns: options.runs === true, ...(events ? { events } : {}) },
        })
        emit(json === true, detail, () => {
          const { attempts, component_runs, events: lines, ...header } = detail
          const parts = [
            Object.entries(header)
              .map(([key, value]) => `${key.padEnd(18)} ${render(value)}`)
              .join('\n'),
          ]
          if (attempts)
            parts.push(
              formatTable(attempts, [
                { header: '#', value: (a) => a.attempt_number, align: 'right' },
                { header: 'STATUS', value: (a) => a.status },
                { header: 'WORKER', value: (a) => a.worker_id },
                { header: 'STARTED', value: (a) => a.started_at },
                { header: 'FINISHED', value: (a) => a.finished_at },
                { header: 'ERROR', value: (a) => a.error?.message },
              ]),
            )
          if (component_runs)
            parts.push(
              formatTable(component_runs, [
                { header: 'COMPONENT', value: (r) => r.component_name },
                { header: 'STATUS', value: (r) => r.status },
                { header: 'RECEIVED', value: (r) => r.lines_received, align: 'right' },
                { header: 'FORWARDED', value: (r) => r.lines_forwarded, align: 'right' },
                { header: 'ERRORS', value: (r) => r.error_count, align: 'right' },
                { header: 'MS', value: (r) => r.processing_ms, align: 'right' },
              ]),
            )
          if (lines) parts.push(lines.map((e) => `${e.at.toISOString()} ${e.level.toUpperCase().padEnd(7)} ${e.component_name ?? '-'} ${e.message}`).join('\n'))
          return parts.join('\n\n')
        })
      })
    })

  executions
    .command('stats')
    .description('counts by status, success rate, duration p50/p95, lines, slowest components')
    .option('--job <job>', 'job name or id')
    .option('--since <time>', 'executions queued at or after this ISO time, or an age like 24h / 7d')
    .addHelpText('after', '\nExamples:\n  etlp executions stats --job orders_daily --since 30d')
    .action(async (options: { job?: string; since?: string }, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const stats = await store.executions.stats({
          ...(options.job !== undefined ? { jobId: await jobId(store, options.job) } : {}),
          ...(options.since !== undefined ? { since: parseTime(options.since, '--since') } : {}),
        })
        emit(json === true, stats, () => renderStats(stats))
      })
    })

  executions
    .command('purge')
    .description('delete finished executions older than an age, in batches, and give the space back')
    .option('--older-than <age>', 'an age like 90d / 12h, or an ISO time (default: retention.execution_days of the config)')
    .option('--job <job>', 'only this job (name or id)')
    .option('--status <status>', 'only SUCCEEDED, FAILED or CANCELLED')
    .option('--batch-size <n>', 'executions per transaction', '500')
    .option('--dry-run', 'count what would be deleted, delete nothing')
    .addHelpText(
      'after',
      '\nExamples:\n  etlp executions purge --older-than 90d --dry-run\n  etlp executions purge --older-than 2026-01-01T00:00:00Z --status SUCCEEDED',
    )
    .action(async (options: PurgeCliOptions, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const status = options.status === undefined ? undefined : finishedStatusSchema.safeParse(options.status.toUpperCase())
        if (status && !status.success) throw new ValidationError([{ path: '--status', message: 'Expected SUCCEEDED, FAILED or CANCELLED' }])
        const olderThan = options.olderThan === undefined ? undefined : parseTime(options.olderThan, '--older-than')
        const job = options.job === undefined ? undefined : await jobId(store, options.job)
        const base = { ...(olderThan ? { olderThan } : {}), ...(job ? { jobId: job } : {}), ...(status?.data ? { status: status.data } : {}) }
        const planned = options.dryRun ? undefined : (await store.executions.purge({ ...base, dryRun: true })).executions
        const bar = progressBar('executions purged', process.stderr, json === true)
        const report = await store.executions.purge({
          ...base,
          dryRun: options.dryRun === true,
          batchSize: Number(options.batchSize),
          onProgress: (progress) => bar.update(progress.executions, planned ?? progress.executions),
        })
        bar.done()
        emit(json === true, report, () => renderPurge(report))
      })
    })
}

interface FilterOptions {
  readonly job?: string
  readonly status?: string
  readonly environment?: string
  readonly since?: string
  readonly where?: string
}

interface ListOptions extends FilterOptions {
  readonly limit: string
  readonly cursor?: string
  readonly total?: boolean
}

interface ExportOptions extends FilterOptions {
  readonly limit?: string
  readonly output?: string
}

/** `where` from the filter options of `list` and `export`. */
async function filterOf(store: Store, options: FilterOptions): Promise<{ where?: FilterRule }> {
  const rules: FilterRule[] = []
  if (options.job !== undefined) rules.push({ column: 'job_id', operator: '==', value: await jobId(store, options.job) })
  if (options.status !== undefined) rules.push({ column: 'status', operator: '==', value: options.status.toUpperCase() })
  if (options.environment !== undefined) rules.push({ column: 'environment', operator: '==', value: options.environment })
  if (options.since !== undefined) rules.push({ column: 'queued_at', operator: '>=', value: parseTime(options.since, '--since') })
  if (options.where !== undefined) rules.push(parseJsonOption(options.where, '--where') as FilterRule)
  return rules.length > 0 ? { where: { logical_operator: 'AND', rules } } : {}
}

interface PurgeCliOptions {
  readonly olderThan?: string
  readonly job?: string
  readonly status?: string
  readonly batchSize: string
  readonly dryRun?: boolean
}

const executionColumns = [
  { header: 'ID', value: (e: Execution & { job_name?: string }) => e.id },
  { header: 'JOB', value: (e: Execution & { job_name?: string }) => e.job_name ?? e.job_id },
  { header: 'STATUS', value: (e: Execution) => e.status },
  { header: 'ENV', value: (e: Execution) => e.environment },
  { header: 'TRIGGER', value: (e: Execution) => e.trigger },
  { header: 'ATTEMPTS', value: (e: Execution) => e.attempt_count, align: 'right' as const },
  { header: 'QUEUED', value: (e: Execution) => e.queued_at },
  { header: 'DURATION_MS', value: (e: Execution) => e.duration_ms, align: 'right' as const },
  { header: 'ERROR', value: (e: Execution) => e.error?.message },
]

/**
 * Writes one JSON line per item at the pace the reader takes them. A reader that goes
 * away (`| head`) ends the export quietly; any other write error ends it with that error.
 */
async function writeJsonLines(out: NodeJS.WritableStream, items: AsyncIterable<unknown>): Promise<number> {
  let failed: NodeJS.ErrnoException | undefined
  const onError = (error: NodeJS.ErrnoException) => (failed ??= error)
  out.on('error', onError)
  let written = 0
  try {
    for await (const item of items) {
      if (!out.write(`${JSON.stringify(item)}\n`)) await writable(out)
      if (failed) break
      written++
    }
  } finally {
    out.removeListener('error', onError)
  }
  if (failed && failed.code !== 'EPIPE') throw failed
  return written
}

/** Resolves when `out` takes writes again, or will never (closed, failed). */
function writable(out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const events = ['drain', 'close', 'error'] as const
    const done = () => {
      for (const event of events) out.removeListener(event, done)
      resolve()
    }
    for (const event of events) out.on(event, done)
  })
}

/** A job id, or the id of the job with that name. */
async function jobId(store: Store, ref: string): Promise<string> {
  if (isUuid(ref)) return ref
  return (await store.jobs.getByName(ref)).id
}

/** `90d`, `12h`, `30m` (an age before now) or an ISO-8601 time. */
export function parseTime(text: string, option: string): Date {
  const age = /^(\d+)([smhdw])$/.exec(text.trim())
  if (age) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[age[2] as 's' | 'm' | 'h' | 'd' | 'w']
    return new Date(Date.now() - Number(age[1]) * unit)
  }
  const date = new Date(text)
  if (Number.isNaN(date.getTime())) throw new ValidationError([{ path: option, message: 'Expected an age like 90d / 12h or an ISO-8601 time' }])
  return date
}

function render(value: unknown): string {
  if (value instanceof Date) return value.toISOString()
  if (value !== null && typeof value === 'object') return JSON.stringify(value)
  return value === null || value === undefined ? '-' : String(value)
}

function renderStats(stats: ExecutionStats): string {
  const lines = [
    `total              ${stats.total}`,
    `by status          ${Object.entries(stats.by_status)
      .map(([status, n]) => `${status}=${n}`)
      .join(' ')}`,
    `success rate       ${stats.success_rate === null ? '-' : `${(stats.success_rate * 100).toFixed(1)}%`}`,
    `duration p50/p95   ${render(stats.duration_ms.p50)} / ${render(stats.duration_ms.p95)} ms`,
    `lines              received=${stats.lines.received} forwarded=${stats.lines.forwarded} errors=${stats.lines.errors}`,
    `last success       ${render(stats.last_success_at)}`,
    `last failure       ${render(stats.last_failure_at)}`,
  ]
  if (stats.slowest_components.length === 0) return lines.join('\n')
  return `${lines.join('\n')}\n\n${formatTable(stats.slowest_components, [
    { header: 'SLOWEST COMPONENT', value: (c) => c.component_name },
    { header: 'RUNS', value: (c) => c.runs, align: 'right' },
    { header: 'AVG_MS', value: (c) => c.avg_ms.toFixed(1), align: 'right' },
    { header: 'MAX_MS', value: (c) => c.max_ms, align: 'right' },
  ])}`
}

function renderPurge(report: PurgeReport): string {
  const verb = report.dry_run ? 'Would delete' : 'Deleted'
  return `${verb} ${report.executions} executions, ${report.attempts} attempts, ${report.component_runs} component runs, ${report.events} events, ${report.pending_state} pending state values${report.dry_run ? '' : ` in ${report.batches} batches`}.`
}
