import type { Command } from 'commander'
import type { ModelPlanResult } from '../index.js'
import { readJsonFile } from './json-input.js'
import { colour, emit, formatTable } from './output.js'
import { withStore } from './runtime.js'

export function registerModelsCommand(program: Command): void {
  const models = program
    .command('models')
    .description("declare your own tables (the seed's JSON model configuration), see and apply their migrations")
    .addHelpText(
      'after',
      '\nExamples:\n  etlp models plan models.json\n  etlp models apply models.json\n  etlp models apply models.json --allow-destructive\n  etlp models list --json',
    )

  models
    .command('plan <file>')
    .description('print the SQL that apply would run for this model configuration, without running it')
    .addHelpText('after', '\nExamples:\n  etlp models plan examples/models.json\n  etlp models plan models.json --json')
    .action(async (file: string, _options, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const plan = await store.models.plan(readJsonFile(file))
        emit(json === true, plan, () => renderPlan(plan))
      })
    })

  models
    .command('apply <file>')
    .description('apply the model configuration (under the migration lock) and record its definitions')
    .option('--allow-destructive', 'allow drops and narrowing changes (checked against the data first)')
    .addHelpText('after', '\nExamples:\n  etlp models apply models.json\n  etlp models apply models.json --allow-destructive --json')
    .action(async (file: string, options: { allowDestructive?: boolean }, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const result = await store.models.define(readJsonFile(file), { allowDestructive: options.allowDestructive === true })
        emit(json === true, result, () => {
          if (result.changes.length === 0 && result.versions.length === 0) return 'Models are up to date.'
          const versions = result.versions.map((entry) => `${entry.model} v${entry.version}${entry.dropped ? ' (dropped)' : ''}`)
          return `${renderPlan(result)}\n${colour('applied', 'green')}: ${versions.join(', ') || 'no definition changed'}`
        })
      })
    })

  models
    .command('list')
    .description('list the declared models and their tables')
    .addHelpText('after', '\nExamples:\n  etlp models list\n  etlp models list --json')
    .action(async (_options, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const list = await store.models.list()
        emit(json === true, list, () =>
          formatTable(list, [
            { header: 'MODEL', value: (model) => model.name },
            { header: 'TABLE', value: (model) => model.table },
            { header: 'FIELDS', value: (model) => model.fields.map((field) => `${field.name}:${field.type}`).join(' ') },
          ]),
        )
      })
    })
}

function renderPlan(plan: ModelPlanResult): string {
  if (plan.changes.length === 0) return '-- nothing to do'
  return plan.changes
    .map((change) => {
      const head = `-- ${change.model}: ${change.description}${change.destructive ? ` ${colour('(destructive)', 'red')}` : ''}`
      return [head, ...change.sql.map((statement) => `${statement};`)].join('\n')
    })
    .join('\n')
}
