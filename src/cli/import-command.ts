import type { Command } from 'commander'
import { ValidationError, type OriginImportReport } from '../index.js'
import { readJsonFile } from './json-input.js'
import { colour, emit, formatTable } from './output.js'
import { progressBar } from './progress-bar.js'
import { withStore } from './runtime.js'

interface OriginOptions {
  readonly timeZone: string
  readonly secrets?: string
  readonly renameDuplicates?: boolean
}

export function registerImportCommand(program: Command): void {
  const group = program
    .command('import')
    .description('bring in what another system stored')
    .addHelpText(
      'after',
      '\nExamples:\n  etlp import origin ./etl_core.db\n  etlp import origin ./etl_core.db --time-zone Europe/Berlin --secrets secrets.json',
    )

  group
    .command('origin <file>')
    .description('copy an etl-core database (its SQLite file) into the store: jobs, contexts, credentials, schedules, executions; run again to add what is new')
    .option('--time-zone <zone>', 'the zone etl-core wrote its times in: local, UTC or an IANA name', 'local')
    .option('--secrets <file>', 'JSON object of the secrets etl-core kept outside its database: {"<credentials id>/password": "…", "<context id>/<key>": "…"}')
    .option('--rename-duplicates', 'import a job, context, credentials or schedule whose name is taken as "name (id prefix)" instead of refusing it')
    .addHelpText(
      'after',
      '\nExamples:\n  etlp import origin ./etl_core.db\n  etlp import origin /srv/etl/etl_core.db --time-zone UTC --rename-duplicates\n  etlp --json import origin ./etl_core.db --secrets secrets.json\n\nThe file is only read. Rows that cannot be imported are listed with their table and id (exit code 1);\nnothing of their job is written. Running it again imports nothing twice.',
    )
    .action(async (file: string, options: OriginOptions, command: Command) => {
      const secrets = options.secrets === undefined ? undefined : secretsFrom(options.secrets)
      await withStore(command, async (store, { json }) => {
        const bar = progressBar('rows', process.stderr, json === true)
        const report = await store.importOrigin(file, {
          timeZone: options.timeZone,
          ...(secrets === undefined ? {} : { secrets }),
          renameDuplicates: options.renameDuplicates === true,
          onProgress: ({ done, total, table }) => bar.update(done, total, table),
        })
        bar.done()
        emit(json === true, { ...report, errors: report.errors.map((error) => error.toJSON().persistence_error) }, () => describeReport(report))
        if (report.errors.length > 0) process.exitCode = 1
      })
    })
}

function secretsFrom(file: string): Record<string, string> {
  const value = readJsonFile(file, '--secrets')
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError([{ path: '--secrets', message: 'Expected a JSON object: etl-core secret key → value' }])
  }
  return value as Record<string, string>
}

function describeReport(report: OriginImportReport): string {
  const lines = [
    formatTable(report.tables, [
      { header: 'ETL-CORE TABLE', value: (row) => row.table },
      { header: 'FOUND', value: (row) => row.found, align: 'right' },
      { header: 'IMPORTED', value: (row) => row.imported, align: 'right' },
      { header: 'ALREADY PRESENT', value: (row) => row.already_present, align: 'right' },
      { header: 'NOT IMPORTED', value: (row) => row.not_imported, align: 'right' },
    ]),
  ]
  if (report.errors.length > 0) {
    lines.push('', colour(`${report.errors.length} row(s) could not be imported (nothing of their job was written):`, 'red'))
    lines.push(
      formatTable(report.errors, [
        { header: 'TABLE', value: (error) => error.origin_table },
        { header: 'ID', value: (error) => error.origin_id },
        { header: 'JOB', value: (error) => error.origin_job_id ?? '' },
        { header: 'PROBLEM', value: (error) => error.issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ') },
      ]),
    )
  }
  if (report.missing_secrets.length > 0) {
    lines.push(
      '',
      colour(`${report.missing_secrets.length} secret(s) etl-core kept outside its database were not given (run again with --secrets to add them):`, 'yellow'),
    )
    lines.push(
      formatTable(report.missing_secrets, [
        { header: 'FOR', value: (secret) => `${secret.owner.kind} ${secret.owner.name}` },
        { header: 'KEY', value: (secret) => secret.owner.key },
        { header: 'SECRET KEY', value: (secret) => secret.secret_key },
      ]),
    )
  }
  if (report.secrets_filled > 0) lines.push('', `${report.secrets_filled} secret(s) filled in.`)
  if (report.warnings.length > 0) {
    lines.push('', `${report.warnings.length} warning(s):`)
    lines.push(
      formatTable(report.warnings, [
        { header: 'TABLE', value: (warning) => warning.origin_table },
        { header: 'ID', value: (warning) => warning.origin_id },
        { header: 'NOTE', value: (warning) => warning.message },
      ]),
    )
  }
  lines.push('', `Done in ${report.duration_ms} ms.`)
  return lines.join('\n')
}
