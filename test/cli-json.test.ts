import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { buildProgram } from '../src/cli/program.js'
import type { Command } from 'commander'
import { runCli } from './helpers/cli.js'
import { writeOriginDatabase } from './helpers/origin-database.js'
import { describeEngines } from './helpers/engines.js'

const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url))

/** Every leaf command of the program, as `group sub`. */
function leafCommands(command: Command, prefix: string[] = []): string[] {
  return command.commands
    .filter((child) => child.name() !== 'help')
    .flatMap((child) => (child.commands.length > 0 ? leafCommands(child, [...prefix, child.name()]) : [[...prefix, child.name()].join(' ')]))
}

/**
 * Every etlp command, run with --json in one realistic sequence against the built binary:
 * each exits 0 and prints JSON that parses. The sequence names the commands it covers;
 * the test fails if a command exists that the sequence does not run.
 */
describeEngines(
  'every etlp command with --json',
  (target) => {
    it('exits 0 and prints parseable JSON for every command', async () => {
      const config = target().configFile()
      const env = { ETLP_MASTER_KEY: randomBytes(32).toString('base64'), WAREHOUSE_PASSWORD: 'pw-1', API_TOKEN: 'token-1' }
      const covered = new Set<string>()
      const json = async (command: string, ...args: string[]): Promise<any> => {
        covered.add(command)
        const result = await runCli(['--config', config, '--json', ...command.split(' '), ...args], env)
        expect(result.code, `${command}: ${result.stderr}${result.code === 0 ? '' : result.stdout.slice(0, 2000)}`).toBe(0)
        return JSON.parse(result.stdout)
      }
      const records = join(target().dir, 'checks.jsonl')

      await json('migrate plan')
      await json('migrate up')
      await json('migrate status')
      await json('jobs import', join(EXAMPLES, 'jobs'))
      await json('jobs list')
      await json('jobs show', 'orders_daily')
      await json('jobs versions', 'orders_daily')
      await json('jobs export', 'orders_daily')
      await json('demo')
      const executions = await json('executions list')
      await json('executions show', executions.items[0].id, '--attempts', '--runs', '--events')
      await json('executions stats')
      expect(await json('executions export', '-o', join(target().dir, 'executions.jsonl'))).toMatchObject({ exported: executions.items.length })
      await json('executions purge', '--older-than', '3650d', '--dry-run')
      await json('credentials add', 'warehouse', '--user', 'etl', '--password-env', 'WAREHOUSE_PASSWORD')
      await json('credentials list')
      await json('credentials show', 'warehouse')
      await json('contexts set', 'sales', '--param', 'batch=500', '--secret-env', 'token=API_TOKEN', '--credentials', 'DEV=warehouse')
      await json('contexts list')
      await json('contexts show', 'sales')
      await json('schedules add', 'every-15m', '--job', 'orders_daily', '--every', '15m')
      await json('schedules list')
      await json('schedules pause', 'every-15m')
      await json('schedules resume', 'every-15m')
      await json('schedules due', '--now', '2100-01-01T00:00:00Z')
      await json('keys list')
      await json('keys rotate')
      await json('models plan', join(EXAMPLES, 'models', 'quality-checks.json'))
      await json('models apply', join(EXAMPLES, 'models', 'quality-checks.json'))
      await json('models list')
      const job = await json('jobs show', 'sales_by_region')
      writeFileSync(records, `${JSON.stringify({ id: 1, job_id: job.id, rule: 'not_null(region)', passed: true })}\n`)
      await json('records import', 'quality_check', records)
      await json('records list', 'quality_check')
      await json('audit list')
      await json('audit head')
      await json('audit verify')
      await json('doctor')
      const token = await json('tokens create', '--principal', '{"id":"ci","roles":["operator"]}', '--name', 'ci')
      expect((await json('tokens list')).items.map((listed: { id: string }) => listed.id)).toContain(token.id)
      await json('tokens revoke', token.id)
      // Its credentials are named like the ones above: names are unique here, not in etl-core.
      const origin = writeOriginDatabase(join(target().dir, 'etl_core.db'), { jobs: 2, contexts: 1, credentials: 1, schedules: 1, executions: 5 })
      expect(await json('import origin', origin.path, '--time-zone', 'UTC', '--rename-duplicates')).toBeTruthy()
      await json('jobs delete', 'customers_split_merge', '--force')
      await json('credentials add', 'spare', '--password-env', 'WAREHOUSE_PASSWORD')
      await json('credentials delete', 'spare')
      // The last migration only: user models reference the core tables below it.
      await json('migrate down')
      await json('migrate up')

      // `serve` runs until it is stopped: test/server-serve.test.ts covers it.
      covered.add('serve')
      expect([...covered].sort()).toEqual(expect.arrayContaining(leafCommands(buildProgram())))
      // Some 45 CLI processes one after another: past a minute on two busy cores.
    }, 180_000)
  },
  ['sqlite', 'postgres'],
)
