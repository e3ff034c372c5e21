import type { Command } from 'commander'
import type { MigrationResult, MigrationStatus, PlannedMigration } from '../index.js'
import { colour, emit, formatTable } from './output.js'
import { withStore } from './runtime.js'

export function registerMigrateCommand(program: Command): void {
  const migrate = program
    .command('migrate')
    .description('apply, revert and inspect schema migrations')
    .addHelpText('after', '\nExamples:\n  etlp migrate up\n  etlp migrate status --json\n  etlp migrate plan\n  etlp migrate down --to 0')

  migrate
    .command('status')
    .description('list every migration and whether it is applied')
    .action(async (_options, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const status = await store.migrator.status()
        emit(json === true, status, () => renderStatus(status))
      })
    })

  migrate
    .command('up')
    .description('apply pending migrations (safe to run from several processes at once)')
    .option('--to <name>', 'stop after this migration')
    .action(async (options: { to?: string }, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const applied = options.to ? await store.migrator.up({ to: options.to }) : await store.migrate()
        emit(json === true, applied, () => renderResults(applied, 'Database is up to date.'))
      })
    })

  migrate
    .command('down')
    .description('revert the last migration, or every one after --to (--to 0 reverts all)')
    .option('--to <name>', 'keep this migration as the last applied one; 0 reverts all')
    .action(async (options: { to?: string }, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const reverted = await store.migrator.down(options.to === undefined ? {} : { to: options.to })
        emit(json === true, reverted, () => renderResults(reverted, 'Nothing to revert.'))
      })
    })

  migrate
    .command('plan')
    .description('print the SQL that up (or down) would run, without running it')
    .option('--down', 'plan a revert instead')
    .option('--to <name>', 'as for up/down')
    .action(async (options: { down?: boolean; to?: string }, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const plan = await store.migrator.plan({
          direction: options.down ? 'down' : 'up',
          ...(options.to === undefined ? {} : { to: options.to }),
        })
        emit(json === true, plan, () => renderPlan(plan))
      })
    })
}

export function renderStatus(status: readonly MigrationStatus[]): string {
  const stateColour = { applied: 'green', pending: 'yellow', changed: 'red', unknown: 'red' } as const
  return formatTable(status, [
    { header: 'MIGRATION', value: (row) => row.name },
    { header: 'STATE', value: (row) => colour(row.state, stateColour[row.state]) },
    { header: 'APPLIED AT', value: (row) => row.applied_at },
    { header: 'MS', value: (row) => row.duration_ms, align: 'right' },
  ])
}

function renderResults(results: readonly MigrationResult[], none: string): string {
  if (results.length === 0) return none
  return formatTable(results, [
    { header: 'MIGRATION', value: (row) => row.name },
    { header: 'DIRECTION', value: (row) => row.direction },
    { header: 'MS', value: (row) => row.duration_ms, align: 'right' },
  ])
}

function renderPlan(plan: readonly PlannedMigration[]): string {
  if (plan.length === 0) return '-- nothing to do'
  return plan.map((step) => [`-- ${step.name} (${step.direction})`, ...step.sql.map((line) => `${line};`)].join('\n')).join('\n\n')
}
