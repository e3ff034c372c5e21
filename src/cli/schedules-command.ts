import type { Command } from 'commander'
import { ValidationError, isUuid, type Schedule, type TriggerInput, type Store } from '../index.js'
import { parseJsonOption } from './json-input.js'
import { emit, formatTable } from './output.js'
import { withStore } from './runtime.js'

interface AddOptions {
  job: string
  environment?: string
  cron?: string
  timezone?: string
  every?: string
  at?: string
  trigger?: string
  paused?: boolean
}

const UNITS = { s: 'seconds', m: 'minutes', h: 'hours', d: 'days', w: 'weeks' } as const

export function registerSchedulesCommand(program: Command): void {
  const schedules = program
    .command('schedules')
    .description('schedules of jobs: cron, interval or one-off date triggers')
    .addHelpText(
      'after',
      '\nExamples:\n  etlp schedules add nightly --job orders_daily --cron "30 2 * * *" --timezone Europe/Berlin\n  etlp schedules list\n  etlp schedules due --json',
    )

  schedules
    .command('add <name>')
    .description('schedule a job: one of --cron, --every, --at or --trigger')
    .requiredOption('--job <id-or-name>', 'the job to run')
    .option('--environment <env>', 'DEV, TEST or PROD', 'DEV')
    .option('--cron <expression>', 'a crontab expression (5 fields, or 6 with seconds first)')
    .option('--timezone <zone>', 'the IANA time zone of --cron', 'UTC')
    .option('--every <n><s|m|h|d|w>', 'an interval, e.g. 15m or 2h')
    .option('--at <iso-time>', 'once, at this ISO 8601 time (with offset or Z)')
    .option('--trigger <json>', 'a trigger as JSON, e.g. {"cron": {"hour": 2, "minute": 30}}')
    .option('--paused', 'create it paused')
    .addHelpText(
      'after',
      '\nExamples:\n  etlp schedules add hourly --job orders_daily --every 1h\n  etlp schedules add once --job orders_daily --at 2026-12-24T18:00:00Z',
    )
    .action(async (name: string, options: AddOptions, command: Command) => {
      const trigger = triggerFromOptions(options)
      await withStore(command, async (store, { json }) => {
        const created = await store.schedules.create({
          name,
          job_id: await jobId(store, options.job),
          environment: options.environment as 'DEV',
          trigger,
          paused: options.paused === true,
        })
        emit(json === true, created, () => `Scheduled ${created.name}: next at ${created.next_fire_at?.toISOString() ?? 'never'}.`)
      })
    })

  schedules
    .command('list')
    .description('list schedules with their next fire time')
    .option('--where <json>', 'filter rules, e.g. {"column": "paused", "operator": "==", "value": false}')
    .option('--limit <n>', 'page size (1-1000)', '50')
    .addHelpText('after', '\nExamples:\n  etlp schedules list\n  etlp schedules list --where \'{"column": "environment", "operator": "==", "value": "PROD"}\'')
    .action(async (options: { where?: string; limit: string }, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const page = await store.schedules.list({
          ...(options.where === undefined ? {} : { where: parseJsonOption(options.where, 'where') }),
          limit: Number(options.limit),
        })
        emit(json === true, page, () => renderSchedules(page.items))
      })
    })

  for (const action of ['pause', 'resume'] as const) {
    schedules
      .command(`${action} <id-or-name>`)
      .description(action === 'pause' ? 'stop firing until resumed' : 'fire again from the next occurrence')
      .addHelpText('after', `\nExamples:\n  etlp schedules ${action} nightly`)
      .action(async (ref: string, _options, command: Command) => {
        await withStore(command, async (store, { json }) => {
          const found = await store.schedules.find(ref)
          const changed = action === 'pause' ? await store.schedules.pause(found.id) : await store.schedules.resume(found.id)
          emit(json === true, changed, () => `${changed.name}: ${changed.paused ? 'paused' : `next at ${changed.next_fire_at?.toISOString() ?? 'never'}`}.`)
        })
      })
  }

  schedules
    .command('due')
    .description('hand out the occurrences due now and advance their schedules (what a scheduler calls)')
    .option('--now <iso-time>', 'the time to check against (default: now)')
    .option('--limit <n>', 'most occurrences to hand out', '100')
    .addHelpText('after', '\nExamples:\n  etlp schedules due\n  etlp schedules due --now 2026-06-01T00:00:00Z --json')
    .action(async (options: { now?: string; limit: string }, command: Command) => {
      const now = options.now === undefined ? new Date() : new Date(options.now)
      if (Number.isNaN(now.getTime())) throw new ValidationError([{ path: 'now', message: 'Expected an ISO 8601 time' }])
      await withStore(command, async (store, { json }) => {
        const fires = await store.schedules.due(now, { limit: Number(options.limit) })
        emit(json === true, fires, () =>
          fires.length === 0
            ? 'Nothing due.'
            : formatTable(fires, [
                { header: 'SCHEDULE', value: (fire) => fire.schedule.name },
                { header: 'JOB', value: (fire) => fire.schedule.job_id },
                { header: 'ENVIRONMENT', value: (fire) => fire.schedule.environment },
                { header: 'FIRE AT', value: (fire) => fire.fire_at },
              ]),
        )
      })
    })
}

function triggerFromOptions(options: AddOptions): TriggerInput {
  const given = [options.cron, options.every, options.at, options.trigger].filter((value) => value !== undefined)
  if (given.length !== 1) throw new ValidationError([{ path: 'trigger', message: 'Give exactly one of --cron, --every, --at or --trigger' }])
  if (options.cron !== undefined) return { cron: { expression: options.cron, timezone: options.timezone ?? 'UTC' } }
  if (options.at !== undefined) return { date: { run_date: options.at } }
  if (options.every !== undefined) {
    const match = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(options.every.trim())
    if (!match) throw new ValidationError([{ path: 'every', message: 'Expected a number and a unit: 30s, 15m, 2h, 1d or 1w' }])
    return { interval: { [UNITS[match[2] as keyof typeof UNITS]]: Number(match[1]) } }
  }
  return parseJsonOption(options.trigger ?? '', 'trigger') as TriggerInput
}

/** A job id as given, or the id of the job with that name. */
async function jobId(store: Store, ref: string): Promise<string> {
  return isUuid(ref) ? ref : (await store.jobs.getByName(ref)).id
}

function renderSchedules(items: readonly Schedule[]): string {
  if (items.length === 0) return 'No schedules.'
  return formatTable(items, [
    { header: 'NAME', value: (row) => row.name },
    { header: 'TRIGGER', value: (row) => JSON.stringify(row.trigger[row.trigger_type]) },
    { header: 'ENVIRONMENT', value: (row) => row.environment },
    { header: 'PAUSED', value: (row) => (row.paused ? 'yes' : '') },
    { header: 'NEXT FIRE', value: (row) => row.next_fire_at },
  ])
}
