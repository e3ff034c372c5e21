import { expect, it } from 'vitest'
import { runCli } from './helpers/cli.js'
import { describeEngines } from './helpers/engines.js'
import { writeKeyFile } from './helpers/secret-store.js'

interface DoctorReport {
  ok: boolean
  checks: Array<{ check: string; state: 'ok' | 'warn' | 'fail'; detail: string }>
}

describeEngines(
  'etlp doctor',
  (target) => {
    it('fails on pending migrations, passes once migrated, and checks the encryption key', async () => {
      const key = writeKeyFile(target().dir)
      const config = target().configFile()
      const before = await runCli(['--config', config, '--json', 'doctor'])
      expect(before.code).toBe(1)
      expect((JSON.parse(before.stdout) as DoctorReport).checks.find((check) => check.check === 'migrations')?.state).toBe('fail')

      expect((await runCli(['--config', config, 'migrate', 'up'])).code).toBe(0)
      const env = { ETLP_MASTER_KEY: key.key }
      const added = await runCli(['--config', config, 'credentials', 'add', 'warehouse', '--user', 'etl', '--password-env', 'DOCTOR_PASSWORD'], {
        ...env,
        DOCTOR_PASSWORD: 'doctor-secret',
      })
      expect(added.code, added.stderr).toBe(0)
      const after = await runCli(['--config', config, '--json', 'doctor'], env)
      expect(after.code, after.stdout + after.stderr).toBe(0)
      const report = JSON.parse(after.stdout) as DoctorReport
      expect(report.ok).toBe(true)
      expect(report.checks.map((check) => check.check)).toEqual(
        expect.arrayContaining([
          'reachable',
          'migrations',
          'encryption key',
          ...(target().engine === 'sqlite' ? ['sqlite journal', 'sqlite vacuum'] : ['pool']),
        ]),
      )
      expect(report.checks.find((check) => check.check === 'encryption key')?.detail).toMatch(/unwraps data key/)

      const wrongKey = writeKeyFile(target().dir)
      const wrong = await runCli(['--config', config, '--json', 'doctor'], { ETLP_MASTER_KEY: wrongKey.key })
      expect(wrong.code).toBe(1)
      expect((JSON.parse(wrong.stdout) as DoctorReport).checks.find((check) => check.check === 'encryption key')?.state).toBe('fail')
    })
  },
  ['sqlite', 'postgres'],
)
