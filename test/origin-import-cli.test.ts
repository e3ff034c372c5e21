import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { runCli } from './helpers/cli.js'
import { describeEngines } from './helpers/engines.js'
import { alterOrigin, writeOriginDatabase } from './helpers/origin-database.js'
import { writeKeyFile } from './helpers/secret-store.js'

interface Row {
  readonly table: string
  readonly found: number
  readonly imported: number
  readonly already_present: number
  readonly not_imported: number
}

describeEngines(
  'etlp import origin',
  (target) => {
    const cli = (config: string, ...args: string[]) => runCli(['--config', config, ...args])
    let stores = 0
    /** A config of its own (own table prefix) with a master key. */
    const configWithKey = () => {
      const file = join(target().dir, `config-${++stores}.json`)
      const config = { ...target().config({ table_prefix: `c${stores}_` }), security: { master_key_file: writeKeyFile(target().dir).path } }
      writeFileSync(file, JSON.stringify(config))
      return file
    }

    it('prints the summary table and a progress bar; a second run imports nothing', async () => {
      const config = configWithKey()
      expect((await cli(config, 'migrate', 'up')).code).toBe(0)
      const origin = writeOriginDatabase(join(target().dir, 'etl_core.db'), { jobs: 6, contexts: 2, credentials: 1, schedules: 2, executions: 40 })
      const result = await cli(config, 'import', 'origin', origin.path, '--time-zone', 'UTC')
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout).toMatch(/ETL-CORE TABLE\s+FOUND\s+IMPORTED\s+ALREADY PRESENT\s+NOT IMPORTED/)
      expect(result.stdout).toMatch(/executiontable\s+40\s+40\s+0\s+0/)
      expect(result.stdout).toMatch(/secret\(s\) etl-core kept outside its database were not given/)
      expect(result.stderr).toMatch(/100% \d+\/\d+ rows/)

      const again = await cli(config, '--json', 'import', 'origin', origin.path, '--time-zone', 'UTC')
      expect(again.code, again.stderr).toBe(0)
      const report = JSON.parse(again.stdout) as { tables: Row[]; errors: unknown[] }
      expect(report.errors).toEqual([])
      expect(report.tables.every((row) => row.imported === 0)).toBe(true)
      expect(report.tables.find((row) => row.table === 'jobtable')).toMatchObject({ found: 6, already_present: 6 })

      const secrets = join(target().dir, 'secrets.json')
      writeFileSync(secrets, JSON.stringify({ [`${origin.credentials[0]!.id}/password`]: 's3cret' }))
      const filled = await cli(config, 'import', 'origin', origin.path, '--time-zone', 'UTC', '--secrets', secrets)
      expect(filled.stdout).toMatch(/1 secret\(s\) filled in/)
      const revealed = await cli(config, '--json', 'credentials', 'show', origin.credentials[0]!.name, '--reveal')
      expect(revealed.stdout).toContain('s3cret')
    }, 120_000)

    it('names the table and id of a row it cannot take and exits 1', async () => {
      const config = configWithKey()
      await cli(config, 'migrate', 'up')
      const path = join(target().dir, 'corrupt.db')
      const origin = writeOriginDatabase(path, { jobs: 2, contexts: 0, credentials: 0, schedules: 0, executions: 4 })
      const victim = origin.executions[1]!
      alterOrigin(path, `update executiontable set status = 'DONE' where id = ?`, victim.id)
      const result = await cli(config, 'import', 'origin', path, '--time-zone', 'UTC')
      expect(result.code).toBe(1)
      expect(result.stdout).toContain(`executiontable  ${victim.id}  ${victim.job_id}  status: "DONE" is not an etl-core status`)
      const json = await cli(config, '--json', 'import', 'origin', path, '--time-zone', 'UTC')
      expect(json.code).toBe(1)
      const [error] = (JSON.parse(json.stdout) as { errors: Array<Record<string, unknown>> }).errors
      expect(error).toMatchObject({ error_type: 'validation_error', origin_table: 'executiontable', origin_id: victim.id })
    }, 120_000)

    it('refuses a file that is not an etl-core database with a validation_error', async () => {
      const config = configWithKey()
      await cli(config, 'migrate', 'up')
      const result = await cli(config, 'import', 'origin', config)
      expect(result.code).toBe(1)
      expect(JSON.parse(result.stderr).persistence_error.error_type).toBe('validation_error')
    }, 60_000)
  },
  ['sqlite'],
)
