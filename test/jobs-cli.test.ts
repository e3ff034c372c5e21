import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { runCli } from './helpers/cli.js'
import { describeEngines } from './helpers/engines.js'
import { EXAMPLES_DIR, exampleJobs } from './helpers/job-graphs.js'
import { originFixture } from './helpers/origin-fixtures.js'

describeEngines('etlp jobs', (target) => {
  const cli = (config: string, ...args: string[]) => runCli(['--config', config, ...args])

  it('imports a directory, lists, shows, exports equal, versions and deletes', async () => {
    const config = target().configFile()
    expect((await cli(config, 'migrate', 'up')).code).toBe(0)
    const imported = await cli(config, '--json', 'jobs', 'import', EXAMPLES_DIR)
    expect(imported.code, imported.stderr).toBe(0)
    const results = JSON.parse(imported.stdout) as Array<{ name: string; action: string }>
    expect(results.map((r) => r.action)).toEqual(exampleJobs().map(() => 'created'))

    const listed = await cli(config, '--json', 'jobs', 'list', '--where', '{"column": "strategy_type", "operator": "==", "value": "row"}', '--total')
    expect(listed.code, listed.stderr).toBe(0)
    const page = JSON.parse(listed.stdout) as { items: Array<{ name: string }>; total: number }
    expect(page.items.map((job) => job.name)).toEqual(['customers_split_merge', 'orders_daily'])
    expect(page.total).toBe(2)

    for (const { config: job } of exampleJobs()) {
      const out = join(target().dir, `${String(job.name)}.json`)
      const exported = await cli(config, 'jobs', 'export', String(job.name), '-o', out)
      expect(exported.code, exported.stderr).toBe(0)
      expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(job)
    }

    const shown = await cli(config, '--json', 'jobs', 'show', 'orders_daily')
    expect((JSON.parse(shown.stdout) as { links: unknown[] }).links).toHaveLength(3)

    const again = await cli(config, '--json', 'jobs', 'import', EXAMPLES_DIR, '--update')
    expect((JSON.parse(again.stdout) as Array<{ action: string }>).every((r) => r.action === 'unchanged')).toBe(true)
    const changed: Record<string, unknown> = { ...exampleJobs()[0]!.config, num_of_retries: 5 }
    const file = join(target().dir, 'changed.json')
    writeFileSync(file, JSON.stringify(changed))
    const updated = await cli(config, '--json', 'jobs', 'import', file, '--update')
    expect((JSON.parse(updated.stdout) as Array<{ action: string; version: number }>)[0]).toMatchObject({ action: 'updated', version: 2 })
    const versions = await cli(config, '--json', 'jobs', 'versions', String(changed.name))
    expect((JSON.parse(versions.stdout) as unknown[]).length).toBe(2)

    const deleted = await cli(config, 'jobs', 'delete', 'orders_daily')
    expect(deleted.code, deleted.stderr).toBe(0)
    const missing = await cli(config, 'jobs', 'show', 'orders_daily')
    expect(missing.code).toBe(1)
    expect(JSON.parse(missing.stderr).persistence_error.error_type).toBe('not_found')
  }, 180_000)

  it('imports files that share a name, prints unknown keys as warnings, and leaves an equal file unchanged', async () => {
    const config = target().configFile()
    await cli(config, 'migrate', 'up')
    const dir = join(target().dir, 'shared-names')
    mkdirSync(dir, { recursive: true })
    const base = originFixture('origin-api-output.json')
    writeFileSync(join(dir, 'a_row.json'), JSON.stringify(base))
    writeFileSync(join(dir, 'b_bulk.json'), JSON.stringify({ ...base, strategy_type: 'bulk' }))
    writeFileSync(join(dir, 'c_unknown.json'), JSON.stringify(originFixture('unknown-keys.json')))

    const human = await cli(config, 'jobs', 'import', dir)
    expect(human.code, human.stderr).toBe(0)
    expect(human.stderr).toContain(`${join(dir, 'c_unknown.json')}: components[0].seperator: Unknown key \`seperator\``)
    expect(human.stderr).toContain('did you mean `separator`?')
    expect(human.stdout.match(/created/g)).toHaveLength(3)

    const again = await cli(config, '--json', 'jobs', 'import', dir)
    expect(again.code, again.stderr).toBe(0)
    const results = JSON.parse(again.stdout) as Array<{ action: string; warnings: Array<{ path: string }> }>
    expect(results.map((r) => r.action)).toEqual(['unchanged', 'unchanged', 'unchanged'])
    expect(results[2]?.warnings.map((w) => w.path)).toContain('components[0].layout.z_coord')
    expect(again.stderr).toBe('')

    const changed = join(dir, 'd_changed.json')
    writeFileSync(changed, JSON.stringify({ ...base, num_of_retries: 4 }))
    const ambiguous = await cli(config, 'jobs', 'import', changed, '--update')
    expect(ambiguous.code).toBe(1)
    expect(JSON.parse(ambiguous.stderr).persistence_error.issues[0].message).toMatch(/2 jobs are named "as_the_origin_api_returns_it"/)
    const shown = await cli(config, 'jobs', 'show', String(base.name))
    expect(JSON.parse(shown.stderr).persistence_error.error_type).toBe('conflict')
  }, 180_000)

  it('reports an invalid job file as validation_error naming the file and path', async () => {
    const config = target().configFile()
    await cli(config, 'migrate', 'up')
    const file = join(target().dir, 'bad.json')
    writeFileSync(file, JSON.stringify({ name: 'bad', components: [{ comp_type: 'read_csv', name: 'r' }] }))
    const result = await cli(config, 'jobs', 'import', file)
    expect(result.code).toBe(1)
    const error = JSON.parse(result.stderr).persistence_error
    expect(error.error_type).toBe('validation_error')
    expect(error.issues[0].path).toBe(`${file}: components[0].filepath`)
  }, 180_000)
})
