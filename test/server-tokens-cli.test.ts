import { beforeAll, expect, it } from 'vitest'
import type { ApiToken, CreatedApiToken } from '../src/security/api-token-schema.js'
import { runCli } from './helpers/cli.js'
import { describeEngines } from './helpers/engines.js'

describeEngines(
  'etlp tokens',
  (target) => {
    let config: string[]

    beforeAll(async () => {
      config = ['--config', target().configFile()]
      const migrated = await runCli([...config, 'migrate', 'up'])
      expect(migrated.code, migrated.stderr).toBe(0)
    })

    const tokens = async (...args: string[]) => {
      const result = await runCli([...config, '--json', 'tokens', ...args])
      expect(result.code, result.stderr).toBe(0)
      return JSON.parse(result.stdout) as unknown
    }

    it('creates a token, prints it once, lists it without it and revokes it', async () => {
      const created = (await tokens('create', '--principal', '{"id":"ci","roles":["operator"]}', '--name', 'CI runner')) as CreatedApiToken
      expect(created).toMatchObject({ name: 'CI runner', principal: { id: 'ci', roles: ['operator'] }, revoked_at: null })
      expect(created.token).toMatch(/^etlp_[A-Za-z0-9_-]{43}$/)

      const listed = (await tokens('list')) as { items: ApiToken[] }
      expect(listed.items.map((token) => token.id)).toContain(created.id)
      expect(JSON.stringify(listed)).not.toContain(created.token)

      const revoked = (await tokens('revoke', created.id)) as ApiToken
      expect(revoked).toMatchObject({ id: created.id, revoked_at: expect.any(String) })
      const active = (await tokens('list', '--active')) as { items: ApiToken[] }
      expect(active.items.map((token) => token.id)).not.toContain(created.id)
    })

    it('shows the token in the human output with a warning that it is shown once', async () => {
      const result = await runCli([...config, 'tokens', 'create', '--principal', '{"id":"gui","roles":["editor"]}'])
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout).toMatch(/Created API token \S+ \(gui\) for gui \[editor\]/)
      expect(result.stdout).toMatch(/cannot be shown again/)
      expect(result.stdout).toMatch(/^etlp_[A-Za-z0-9_-]{43}$/m)
      const listed = await runCli([...config, 'tokens', 'list'])
      expect(listed.stdout).toMatch(/gui \[editor\]/)
      expect(listed.stdout).not.toMatch(/etlp_[A-Za-z0-9_-]{43}/)
    })

    it('fails with the JSON path for a bad principal, and refuses a principal without tokens:write', async () => {
      const badJson = await runCli([...config, 'tokens', 'create', '--principal', '{id: ci}'])
      expect(badJson.code).toBe(1)
      expect(JSON.parse(badJson.stderr)).toMatchObject({ persistence_error: { error_type: 'validation_error', issues: [{ path: 'principal' }] } })

      const unknownRole = await runCli([...config, 'tokens', 'create', '--principal', '{"id":"x","roles":["superuser"]}'])
      expect(unknownRole.code).toBe(1)
      expect(JSON.parse(unknownRole.stderr)).toMatchObject({ persistence_error: { issues: [{ path: 'principal.roles[0]' }] } })

      const viewer = await runCli([...config, '--as', '{"id":"vic","roles":["viewer"]}', 'tokens', 'create', '--principal', '{"id":"x","roles":["admin"]}'])
      expect(viewer.code).toBe(1)
      expect(JSON.parse(viewer.stderr)).toMatchObject({ persistence_error: { error_type: 'access_denied', permission: 'tokens:write' } })
    })

    it('answers not_found for revoking an unknown token', async () => {
      const result = await runCli([...config, 'tokens', 'revoke', '0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b'])
      expect(result.code).toBe(1)
      expect(JSON.parse(result.stderr)).toMatchObject({ persistence_error: { error_type: 'not_found' } })
    })
  },
  ['sqlite', 'postgres'],
)
