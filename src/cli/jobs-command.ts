import { readdirSync, statSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { Command } from 'commander'
import {
  ConflictError,
  NotFoundError,
  ValidationError,
  isPersistenceError,
  canonicalJson,
  sha256Hex,
  isUuid,
  DEFAULT_JOB_NAME,
  type ValidationIssue,
  type Job,
  type Store,
} from '../index.js'
import { colour, emit, formatTable } from './output.js'
import { parseJsonOption, readJsonFile } from './json-input.js'
import { progressBar } from './progress-bar.js'
import { withStore } from './runtime.js'

interface ImportResult {
  readonly file: string
  readonly id: string
  readonly name: string
  readonly version: number
  readonly action: 'created' | 'updated' | 'unchanged'
  /** Keys of the file no schema declares (kept as given): see `SavedJob.warnings`. */
  readonly warnings: readonly ValidationIssue[]
}

export function registerJobsCommand(program: Command): void {
  const jobs = program
    .command('jobs')
    .description('import, export and inspect job configurations')
    .addHelpText(
      'after',
      '\nExamples:\n  etlp jobs import examples/jobs\n  etlp jobs list --where \'{"column": "strategy_type", "operator": "==", "value": "row"}\'\n  etlp jobs export orders_daily -o orders_daily.json',
    )

  jobs
    .command('import <path>')
    .description(
      'import a job file, or every *.json file of a directory (one transaction per job); a file equal to a job of its name is left as it is, and keys no schema declares are kept and printed as warnings (stderr)',
    )
    .option('--update', 'save a new version of the job of the same name instead of creating another (names need not be unique)')
    .addHelpText('after', '\nExamples:\n  etlp jobs import orders_daily.json\n  etlp jobs import ./jobs --update')
    .action(async (path: string, options: { update?: boolean }, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const files = jobFiles(path)
        const results: ImportResult[] = []
        const issues: ValidationIssue[] = []
        const bar = progressBar('job files', process.stderr, json === true || files.length < 2)
        for (const [i, file] of files.entries()) {
          bar.update(i, files.length, basename(file))
          try {
            results.push(await importOne(store, file, options.update === true))
          } catch (error) {
            if (!isPersistenceError(error)) throw error
            const found = error instanceof ValidationError ? error.issues : [{ path: '', message: error.message }]
            issues.push(...found.map((issue) => ({ path: issue.path ? `${file}: ${issue.path}` : file, message: issue.message })))
          }
        }
        bar.update(files.length, files.length)
        bar.done()
        // With --json the warnings are part of the results on stdout.
        if (json !== true) {
          for (const { file, warnings } of results) {
            for (const warning of warnings)
              process.stderr.write(`${colour('warning', 'yellow', process.stderr)} ${file}: ${warning.path}: ${warning.message}\n`)
          }
        }
        emit(json === true, results, () =>
          results.length
            ? formatTable(results, [
                { header: 'ACTION', value: (r) => r.action },
                { header: 'NAME', value: (r) => r.name },
                { header: 'VERSION', value: (r) => r.version, align: 'right' },
                { header: 'ID', value: (r) => r.id },
                { header: 'FILE', value: (r) => r.file },
              ])
            : 'Nothing imported.',
        )
        if (issues.length > 0) throw new ValidationError(issues, { message: `${files.length - results.length} of ${files.length} job files failed to import` })
      })
    })

  jobs
    .command('export <job>')
    .description('print a job (id or name) in the origin JSON format, or write it to a file')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .addHelpText('after', '\nExamples:\n  etlp jobs export orders_daily\n  etlp jobs export 0190c7e2-… -o job.json')
    .action(async (ref: string, options: { output?: string }, command: Command) => {
      await withStore(command, async (store) => {
        const config = await store.jobs.export((await findJob(store, ref)).id)
        const text = `${JSON.stringify(config, null, 2)}\n`
        if (options.output) writeFileSync(options.output, text)
        else process.stdout.write(text)
      })
    })

  jobs
    .command('list')
    .description('list jobs with the shared query language')
    .option('--where <json>', 'filter rules, e.g. {"column": "name", "operator": "contains", "value": "orders"}')
    .option('--order-by <column>', 'sort column; prefix with - for descending', 'name')
    .option('--limit <n>', 'page size (1-1000)', '50')
    .option('--cursor <cursor>', 'next_cursor of the previous page')
    .option('--total', 'also count all matching jobs')
    .addHelpText('after', '\nExamples:\n  etlp jobs list\n  etlp jobs list --order-by -updated_at --limit 10 --total --json')
    .action(async (options: { where?: string; orderBy: string; limit: string; cursor?: string; total?: boolean }, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const page = await store.jobs.list({
          ...(options.where === undefined ? {} : { where: parseJsonOption(options.where, 'where') }),
          order_by: options.orderBy,
          limit: Number(options.limit),
          ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
          ...(options.total ? { total: true } : {}),
        })
        emit(json === true, page, () => {
          const table = formatTable(page.items, [
            { header: 'NAME', value: (job: Job) => job.name },
            { header: 'STRATEGY', value: (job: Job) => job.strategy_type },
            { header: 'VERSION', value: (job: Job) => job.current_version, align: 'right' },
            { header: 'COMPONENTS', value: (job: Job) => job.component_count, align: 'right' },
            { header: 'UPDATED', value: (job: Job) => job.updated_at },
            { header: 'ID', value: (job: Job) => job.id },
          ])
          const total = page.total === undefined ? '' : `\n${page.total} job(s) in total`
          return `${table}${total}${page.next_cursor ? `\nNext page: --cursor ${page.next_cursor}` : ''}`
        })
      })
    })

  jobs
    .command('show <job>')
    .description('show a job (id or name) with its components and links')
    .addHelpText('after', '\nExamples:\n  etlp jobs show orders_daily\n  etlp jobs show orders_daily --json')
    .action(async (ref: string, _options: unknown, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const job = await store.jobs.get((await findJob(store, ref)).id, { include: { components: true, links: true } })
        emit(json === true, job, () =>
          [
            `${job.name} (${job.id}) version ${job.current_version}, ${job.strategy_type}, retries ${job.num_of_retries}`,
            `hash ${job.content_hash}, updated ${job.updated_at.toISOString()}`,
            '',
            formatTable(job.components ?? [], [
              { header: 'COMPONENT', value: (c) => c.name },
              { header: 'TYPE', value: (c) => c.comp_type },
            ]),
            '',
            formatTable(job.links ?? [], [
              { header: 'FROM', value: (l) => `${l.src}.${l.out_port}` },
              { header: 'TO', value: (l) => `${l.dst}.${l.in_port}` },
            ]),
          ].join('\n'),
        )
      })
    })

  jobs
    .command('versions <job>')
    .description('list the saved versions of a job (id or name)')
    .addHelpText('after', '\nExamples:\n  etlp jobs versions orders_daily')
    .action(async (ref: string, _options: unknown, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const versions = await store.jobs.versions((await findJob(store, ref)).id)
        emit(json === true, versions, () =>
          formatTable(versions, [
            { header: 'VERSION', value: (v) => v.version, align: 'right' },
            { header: 'CREATED', value: (v) => v.created_at },
            { header: 'BY', value: (v) => v.created_by },
            { header: 'HASH', value: (v) => v.content_hash },
          ]),
        )
      })
    })

  jobs
    .command('delete <job>')
    .description('delete a job (id or name) with its versions; --force also deletes its execution history')
    .option('--force', 'also delete the execution history')
    .addHelpText('after', '\nExamples:\n  etlp jobs delete orders_daily\n  etlp jobs delete orders_daily --force')
    .action(async (ref: string, options: { force?: boolean }, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const job = await findJob(store, ref)
        await store.jobs.delete(job.id, { force: options.force === true })
        emit(json === true, { deleted: job.id, name: job.name }, () => `Deleted ${job.name} (${job.id}).`)
      })
    })
}

/**
 * Names are not unique (the origin's are not): a file equal to a job of its name is that
 * job, unchanged; otherwise a new job, or with `--update` a new version of the one job
 * of that name (several of that name are a `conflict`: the file cannot tell which).
 */
async function importOne(store: Store, file: string, update: boolean): Promise<ImportResult> {
  const config = readJsonFile(file, 'file')
  const given = typeof config === 'object' && config !== null ? (config as { name?: unknown }).name : undefined
  const name = typeof given === 'string' ? given : given === undefined ? DEFAULT_JOB_NAME : undefined
  const named = name === undefined || name.trim() === '' ? [] : await jobsNamed(store, name)
  const hash = sha256Hex(canonicalJson(config))
  const existing = named.find((job) => job.content_hash === hash) ?? (update && named.length === 1 ? named[0] : undefined)
  if (!existing) {
    if (update && named.length > 1) throw new ConflictError(`${named.length} jobs are named ${JSON.stringify(name)}: --update cannot tell which to update`)
    const job = await store.jobs.create(config)
    return { file, id: job.id, name: job.name, version: job.current_version, action: 'created', warnings: job.warnings }
  }
  const job = await store.jobs.update(existing.id, config)
  const action = job.current_version === existing.current_version ? 'unchanged' : 'updated'
  return { file, id: job.id, name: job.name, version: job.current_version, action, warnings: job.warnings }
}

async function jobsNamed(store: Store, name: string): Promise<Job[]> {
  return (await store.jobs.list({ where: { column: 'name', operator: '==', value: name }, limit: 1000 })).items
}

/** A job by id, or else by name. */
async function findJob(store: Store, ref: string): Promise<Job> {
  if (isUuid(ref)) {
    try {
      return await store.jobs.get(ref)
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error
    }
  }
  return store.jobs.getByName(ref)
}

function jobFiles(path: string): string[] {
  let directory: boolean
  try {
    directory = statSync(path).isDirectory()
  } catch (error) {
    throw new ValidationError([{ path: 'path', message: `Cannot read ${path}` }], { cause: error })
  }
  if (!directory) return [path]
  return readdirSync(path)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => join(path, file))
}
