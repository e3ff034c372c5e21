import type { Command } from 'commander'
import { resolveConfig, runDemo, SimulatedClock, openStore, type DemoReport } from '../index.js'
import { colour, emit, formatTable } from './output.js'
import { progressBar } from './progress-bar.js'
import { globalOptions } from './runtime.js'

/** What `npm start` runs: the example jobs and a simulated day of executions, then a report. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('import the example jobs, simulate a day of executions, print a report (what `npm start` runs)')
    .addHelpText(
      'after',
      '\nExamples:\n  etlp demo                 # on ./.etlp/etl.db; each run adds a day\n  etlp demo --json\n  etlp --database-url postgres://localhost/etl demo',
    )
    .action(async (_options, command: Command) => {
      const { databaseUrl, config, json } = globalOptions(command)
      if (databaseUrl) process.env.ETLP_DATABASE_URL = databaseUrl
      const clock = new SimulatedClock(new Date())
      const store = await openStore({ ...fileConfig(config), clock: clock.now })
      try {
        const bar = progressBar('of the day', process.stderr, json === true)
        const report = await runDemo({
          store,
          clock,
          onStage: (stage) => {
            if (json !== true) process.stderr.write(`${stage}…\n`)
          },
          onProgress: (done, total) => bar.update(done, total),
        })
        bar.done()
        emit(json === true, report, () => renderReport(report, store.toJSON().database.url))
      } finally {
        await store.close()
      }
    })
}

/** The config file's contents, so the clock can be added to it. */
function fileConfig(path: string | undefined): Record<string, unknown> {
  if (path === undefined) return {}
  const resolved = resolveConfig(path)
  return { database: resolved.database, security: resolved.security }
}

const ms = (value: number | null) => (value === null ? '' : value >= 60_000 ? `${(value / 60_000).toFixed(1)} min` : `${(value / 1000).toFixed(1)} s`)
const percent = (value: number | null) => (value === null ? '' : `${(value * 100).toFixed(1)}%`)

export function renderReport(report: DemoReport, url: string): string {
  const { day, overall } = report
  const lines = [
    colour(`etl-persistence demo — ${url}`, 'bold'),
    `Simulated ${day.day}: ${day.fires} schedule fires → ${day.executions} executions, ${day.attempts} attempts (${day.failedAttempts} failed and retried or given up), ${day.componentRuns} component runs, ${day.events} events.`,
    report.imported.length > 0 ? `Imported example jobs: ${report.imported.join(', ')}.` : 'Example jobs already imported; added another day.',
    '',
    colour('Jobs', 'bold'),
    formatTable(report.jobs, [
      { header: 'JOB', value: (job) => job.name },
      { header: 'VERSION', value: (job) => job.version, align: 'right' },
      { header: 'COMPONENTS', value: (job) => job.components, align: 'right' },
      { header: 'RUNS', value: (job) => job.stats.total, align: 'right' },
      { header: 'SUCCESS', value: (job) => percent(job.stats.success_rate), align: 'right' },
      { header: 'P50', value: (job) => ms(job.stats.duration_ms.p50), align: 'right' },
      { header: 'P95', value: (job) => ms(job.stats.duration_ms.p95), align: 'right' },
      { header: 'LINES IN', value: (job) => job.stats.lines.received.toLocaleString('en'), align: 'right' },
      { header: 'LAST FAILURE', value: (job) => job.stats.last_failure_at },
    ]),
    '',
    colour('Executions by status (all days)', 'bold'),
    formatTable(
      Object.entries(overall.by_status).map(([status, count]) => ({ status, count })),
      [
        { header: 'STATUS', value: (row) => row.status },
        { header: 'COUNT', value: (row) => row.count, align: 'right' },
      ],
    ),
    `Success rate: ${percent(overall.success_rate)}   p50 ${ms(overall.duration_ms.p50)}   p95 ${ms(overall.duration_ms.p95)}`,
    '',
    colour('Slowest components', 'bold'),
    formatTable(overall.slowest_components.slice(0, 5), [
      { header: 'COMPONENT', value: (row) => row.component_name },
      { header: 'RUNS', value: (row) => row.runs, align: 'right' },
      { header: 'AVG', value: (row) => ms(row.avg_ms), align: 'right' },
      { header: 'MAX', value: (row) => ms(row.max_ms), align: 'right' },
    ]),
    '',
    colour('Recent failures', 'bold'),
    report.recentFailures.length === 0
      ? 'none'
      : formatTable(report.recentFailures, [
          { header: 'QUEUED', value: (row) => row.queued_at },
          { header: 'JOB', value: (row) => row.job_name },
          { header: 'ATTEMPTS', value: (row) => row.attempt_count, align: 'right' },
          { header: 'ERROR', value: (row) => (row.error ? `${row.error.type}: ${row.error.message}` : '') },
        ]),
    '',
    colour('Try next', 'bold'),
    '  npx etlp jobs list',
    '  npx etlp executions list --status FAILED',
    '  npx etlp executions stats',
    '  npx etlp audit verify',
    '  npx etlp doctor',
    `  npx etlp serve --anonymous '{"id":"me","roles":["viewer"]}'   # then open http://127.0.0.1:8080/`,
    '  npm start            # adds another day',
  ]
  return lines.join('\n')
}
