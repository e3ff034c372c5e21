import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { runCli } from './helpers/cli.js'
import { describeEngines, exec } from './helpers/engines.js'

describeEngines(
  'etlp audit',
  (target) => {
    it('lists, keeps the head, verifies, and reports tampering with exit 1', async () => {
      const config = target().configFile()
      expect((await runCli(['--config', config, 'migrate', 'up'])).code).toBe(0)
      const jobFile = join(target().dir, 'job.json')
      writeFileSync(
        jobFile,
        JSON.stringify({
          name: 'cli-audited',
          components: [
            { comp_type: 'read_csv', name: 'read', filepath: 'in.csv', routes: { out: ['write'] } },
            { comp_type: 'write_csv', name: 'write', filepath: 'out.csv' },
          ],
        }),
      )
      const imported = await runCli(['--config', config, 'jobs', 'import', jobFile])
      expect(imported.code, imported.stderr).toBe(0)

      const list = await runCli(['--config', config, '--json', 'audit', 'list'])
      expect(list.code, list.stderr).toBe(0)
      const page = JSON.parse(list.stdout) as { items: Array<{ action: string; actor: string }> }
      expect(page.items[0]).toMatchObject({ action: 'jobs.create', actor: 'system' })

      const head = await runCli(['--config', config, '--json', 'audit', 'head'])
      const kept = JSON.parse(head.stdout) as { seq: number; hash: string }
      expect(kept.seq).toBeGreaterThan(0)
      const verified = await runCli(['--config', config, '--json', 'audit', 'verify', '--expected-head', head.stdout])
      expect(verified.code, verified.stderr).toBe(0)
      expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true })

      await exec(target().raw().db, `update etl_audit_log set actor = 'mallory' where seq = ${kept.seq}`)
      const broken = await runCli(['--config', config, 'audit', 'verify'])
      expect(broken.code).toBe(1)
      expect(broken.stdout).toMatch(new RegExp(`BROKEN at sequence ${kept.seq}`))
    })

    it('checks calls against --as and exits 1 with access_denied', async () => {
      const config = target().configFile({ table_prefix: 'as_' })
      expect((await runCli(['--config', config, 'migrate', 'up'])).code).toBe(0)
      const viewer = JSON.stringify({ id: 'vera', roles: ['viewer'] })
      const listed = await runCli(['--config', config, '--as', viewer, '--json', 'jobs', 'list'])
      expect(listed.code, listed.stderr).toBe(0)
      const refused = await runCli(['--config', config, '--as', viewer, 'audit', 'list'])
      expect(refused.code).toBe(1)
      expect(JSON.parse(refused.stderr)).toMatchObject({ persistence_error: { error_type: 'access_denied', permission: 'audit:read' } })
      const malformed = await runCli(['--config', config, '--as', '{not json', 'jobs', 'list'])
      expect(malformed.code).toBe(1)
      expect(JSON.parse(malformed.stderr)).toMatchObject({ persistence_error: { error_type: 'validation_error' } })
    })
  },
  ['sqlite', 'postgres', 'mysql'],
)
