import { describe, expect, it } from 'vitest'
import { runCli } from './helpers/cli.js'
import { describeEngines } from './helpers/engines.js'

describe('etlp conventions', () => {
  it('exits 2 with a usage message on a bad argument', async () => {
    const result = await runCli(['migrate', 'sideways'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/unknown command/)
  })

  it('exits 1 with the error JSON on a persistence error, password hidden', async () => {
    const result = await runCli(['--database-url', 'postgres://etl:topsecret99@127.0.0.1:1/none', 'migrate', 'status'])
    expect(result.code).toBe(1)
    const report = JSON.parse(result.stderr) as { persistence_error: { error_type: string } }
    expect(report.persistence_error.error_type).toBe('connection_error')
    expect(result.stderr).not.toContain('topsecret99')
  })
})

describeEngines('etlp migrate', (target) => {
  it('plans, applies, shows and reverts with parseable JSON', async () => {
    const file = target().configFile({ table_prefix: 'cli_' })
    const plan = await runCli(['--config', file, '--json', 'migrate', 'plan'])
    expect(plan.code, plan.stderr).toBe(0)
    expect((JSON.parse(plan.stdout) as unknown[]).length).toBeGreaterThan(0)
    expect((await runCli(['--config', file, 'migrate', 'up'])).code).toBe(0)
    const status = await runCli(['--config', file, '--json', 'migrate', 'status'])
    expect((JSON.parse(status.stdout) as Array<{ state: string }>).every((entry) => entry.state === 'applied')).toBe(true)
    const human = await runCli(['--config', file, 'migrate', 'status'])
    expect(human.stdout).toMatch(/MIGRATION\s+STATE/)
    const down = await runCli(['--config', file, '--json', 'migrate', 'down', '--to', '0'])
    expect(down.code, down.stderr).toBe(0)
  })
})
