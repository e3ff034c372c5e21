import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { runCli } from './helpers/cli.js'
import { describeEngines } from './helpers/engines.js'

const MODELS = {
  models: {
    calendar_day: {
      table_name: 'business_calendar',
      fields: [
        { name: 'id', type: 'integer', primary_key: true },
        { name: 'day', type: 'date', nullable: false, unique: true },
        { name: 'open', type: 'boolean', nullable: false, default: true },
        { name: 'note', type: 'string', max_length: 100 },
      ],
    },
  },
}

describeEngines('etlp models and records', (target) => {
  it('plans and applies a model file, imports JSON Lines and lists with a filter', async () => {
    const config = target().configFile()
    const dir = target().dir
    expect((await runCli(['--config', config, 'migrate', 'up'])).code).toBe(0)
    const modelsFile = join(dir, 'models.json')
    writeFileSync(modelsFile, JSON.stringify(MODELS))

    const plan = await runCli(['--config', config, '--json', 'models', 'plan', modelsFile])
    expect(plan.code, plan.stderr).toBe(0)
    const planned = JSON.parse(plan.stdout) as { sql: string[]; changes: Array<{ kind: string }> }
    expect(planned.changes.map((change) => change.kind)).toEqual(['create_model'])
    const applied = await runCli(['--config', config, '--json', 'models', 'apply', modelsFile])
    expect(applied.code, applied.stderr).toBe(0)
    expect((JSON.parse(applied.stdout) as { sql: string[] }).sql).toEqual(planned.sql)
    expect((await runCli(['--config', config, 'models', 'plan', modelsFile])).stdout).toContain('nothing to do')

    const lines = ['{"day": "2024-12-24", "open": false, "note": "Christmas Eve"}', '', '{"day": "2024-12-25", "open": false}', '{"day": "2024-12-27"}']
    const data = join(dir, 'days.jsonl')
    writeFileSync(data, `${lines.join('\n')}\n`)
    const imported = await runCli(['--config', config, '--json', 'records', 'import', 'calendar_day', data])
    expect(imported.code, imported.stderr).toBe(0)
    expect(JSON.parse(imported.stdout)).toEqual({ inserted: 3 })

    const list = await runCli([
      '--config',
      config,
      '--json',
      'records',
      'list',
      'calendar_day',
      '--where',
      '{"column": "open", "operator": "==", "value": false}',
      '--order-by',
      '-day',
      '--total',
    ])
    expect(list.code, list.stderr).toBe(0)
    const page = JSON.parse(list.stdout) as { items: Array<{ day: string; open: boolean }>; total: number }
    expect(page.items.map((item) => item.day)).toEqual(['2024-12-25', '2024-12-24'])
    expect(page.total).toBe(2)
    const human = await runCli(['--config', config, 'records', 'list', 'calendar_day', '--limit', '1'])
    expect(human.stdout).toContain('next page: --cursor')

    // A bad line names its line number; nothing of the file is imported.
    const bad = join(dir, 'bad.jsonl')
    writeFileSync(bad, '{"day": "2025-01-01"}\n\n{"day": "not a day"}\n')
    const failed = await runCli(['--config', config, 'records', 'import', 'calendar_day', bad])
    expect(failed.code).toBe(1)
    const report = JSON.parse(failed.stderr.trim().split('\n').at(-1) ?? '') as { persistence_error: { error_type: string; issues: Array<{ path: string }> } }
    expect(report.persistence_error.issues[0]?.path).toBe('line 3.day')
    const where = await runCli(['--config', config, 'records', 'list', 'calendar_day', '--where', '{"column": "nope", "operator": "==", "value": 1}'])
    expect(where.code).toBe(1)
    expect(JSON.parse(where.stderr).persistence_error.issues[0].path).toBe('where.column')
  }, 120_000)
})
