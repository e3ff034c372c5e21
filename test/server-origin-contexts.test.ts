import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { uuidv7 } from '../src/schema/ids.js'
import { describeEngines } from './helpers/engines.js'
import { startTestServer, type TestServer } from './helpers/http-server.js'
import { writeKeyFile } from './helpers/secret-store.js'

const SECRET = 'sup3r-s3cret-value'
const PASSWORD = 'pa55-w0rd-never-shown'

/** The origin's contexts router (tests/api/test_contexts_router.py and its models), over real HTTP. */
describeEngines(
  'origin /contexts routes',
  (target) => {
    let server: TestServer
    /** Every response body this file received: no secret may be in any of them. */
    const bodies: string[] = []

    beforeAll(async () => {
      server = await startTestServer(target(), {}, { security: { master_key_file: writeKeyFile(target().dir).path } })
    })
    afterAll(async () => {
      await server?.server.close()
    })

    const call = async (path: string, init: RequestInit & { json?: unknown } = {}) => {
      const response = await server.http(path, init)
      const text = await response.text()
      bodies.push(text)
      return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as any) }
    }
    const unique = (name: string) => `${name}_${uuidv7().slice(-8)}`
    const credentials = (name: string, extra: Record<string, unknown> = {}) => ({
      credentials: { name, user: 'etl', host: 'db.local', port: 5432, database: 'sales', password: PASSWORD, ...extra },
    })
    const parameter = (id: number, key: string, value: string, is_secure = false) => ({ id, key, value, type: 'string', is_secure })

    it('registers credentials and a context, lists both kinds, reads the context and deletes it', async () => {
      const created = await call('/contexts/credentials', { method: 'POST', json: credentials(unique('conn'), { password: null }) })
      expect(created.status).toBe(201)
      expect(created.body).toEqual({ id: expect.any(String), kind: 'credentials', environment: null, parameters_registered: 1 })

      const context = await call('/contexts/context', { method: 'POST', json: { context: { name: unique('n'), environment: 'DEV', parameters: {} } } })
      expect(context.status).toBe(201)
      expect(context.body).toEqual({ id: expect.any(String), kind: 'context', environment: 'DEV', parameters_registered: 0 })

      const listed = await call('/contexts/')
      expect(listed.status).toBe(200)
      const items = listed.body as Array<{ id: string; kind: string }>
      expect(new Set(items.map((item) => item.kind))).toEqual(new Set(['context', 'credentials']))
      expect(items).toContainEqual({ id: context.body.id, kind: 'context', name: expect.any(String), environment: 'DEV' })
      expect(items).toContainEqual({ id: created.body.id, kind: 'credentials', name: expect.any(String), environment: null })

      expect((await call(`/contexts/${context.body.id}`)).body).toEqual({
        id: context.body.id,
        kind: 'context',
        environment: 'DEV',
        provider_class: 'SecureContextAdapter',
      })
      expect((await call(`/contexts/${created.body.id}`)).body).toEqual({
        id: created.body.id,
        kind: 'credentials',
        environment: null,
        provider_class: 'SecureContextAdapter',
      })

      const deleted = await call(`/contexts/${context.body.id}`, { method: 'DELETE' })
      expect(deleted).toEqual({ status: 204, body: undefined })
      expect((await call(`/contexts/${context.body.id}`)).status).toBe(404)
    })

    it('stores secure parameters encrypted, from a list or a dict, and counts them', async () => {
      const name = unique('sales')
      const fromList = await call('/contexts/context', {
        method: 'POST',
        json: { context: { name, environment: 'PROD', parameters: [parameter(1, 'region', 'eu'), parameter(2, 'api_token', SECRET, true)] } },
      })
      expect(fromList.status).toBe(201)
      expect(fromList.body.parameters_registered).toBe(1)
      const stored = await server.store.contexts.get(fromList.body.id)
      expect(stored.parameters).toEqual({ region: { value: 'eu', is_secure: false }, api_token: { value: '********', is_secure: true } })
      const resolved = await server.store.contexts.resolve(fromList.body.id, 'PROD', { reveal: true })
      expect(resolved.parameters).toEqual({ region: 'eu', api_token: SECRET })

      const fromDict = await call('/contexts/context', {
        method: 'POST',
        json: {
          context: {
            name: unique('dict'),
            environment: 'TEST',
            parameters: { a: parameter(1, 'a', SECRET, true), b: parameter(2, 'b', SECRET, true) },
            extra: 'ignored',
          },
        },
      })
      expect(fromDict.status).toBe(201)
      expect(fromDict.body.parameters_registered).toBe(2)
      expect(Object.keys((await server.store.contexts.get(fromDict.body.id)).parameters)).toEqual(['a', 'b'])
    })

    it('stores the password encrypted with the origin’s pool settings, and never answers it', async () => {
      const created = await call('/contexts/credentials', { method: 'POST', json: credentials(unique('warehouse'), { pool_max_size: 8, pool_timeout_s: 15 }) })
      expect(created.status).toBe(201)
      const stored = await server.store.credentials.get(created.body.id)
      expect(stored).toMatchObject({ user: 'etl', host: 'db.local', port: 5432, database: 'sales', password: '********' })
      expect(stored.pool).toEqual({ pool_size: 8, max_overflow: 0, pool_timeout: 15 })
      expect(await server.store.credentials.reveal(created.body.id)).toBe(PASSWORD)

      const defaulted = await call('/contexts/credentials', {
        method: 'POST',
        json: { credentials: { name: unique('mysql'), user: 'u', host: 'h', database: 'd' } },
      })
      expect(defaulted.status).toBe(201)
      expect(await server.store.credentials.get(defaulted.body.id)).toMatchObject({ port: 3306, password: null, pool: null })
    })

    it('maps environments to existing credentials and refuses unknown ones with 400, storing nothing', async () => {
      const dev = await call('/contexts/credentials', { method: 'POST', json: credentials(unique('dev')) })
      const prod = await call('/contexts/credentials', { method: 'POST', json: credentials(unique('prod')) })
      const name = unique('mapped')
      const mapped = await call('/contexts/credentials-mapping-context', {
        method: 'POST',
        json: { context: { name, environment: 'DEV', parameters: {}, credentials_ids: { DEV: dev.body.id, PROD: prod.body.id } } },
      })
      expect(mapped.status).toBe(201)
      expect(mapped.body).toEqual({ id: expect.any(String), kind: 'context', environment: 'DEV', parameters_registered: 2 })
      const stored = await server.store.contexts.get(mapped.body.id)
      expect(stored.credentials).toEqual({ DEV: { id: dev.body.id, name: expect.any(String) }, PROD: { id: prod.body.id, name: expect.any(String) } })

      const missing = uuidv7()
      const refused = await call('/contexts/credentials-mapping-context', {
        method: 'POST',
        json: { context: { name: unique('broken'), environment: 'DEV', credentials_ids: { DEV: dev.body.id, TEST: missing } } },
      })
      expect(refused.status).toBe(400)
      expect(refused.body.detail.code).toBe('CREDENTIALS_NOT_FOUND')
      expect(refused.body.detail.message).toBe(`Failed to register credentials mapping context: Unknown credentials provider_id(s): ${missing}`)
      expect((await server.store.contexts.list({ where: { column: 'name', operator: 'contains', value: 'broken' } })).items).toEqual([])
    })

    it('refuses bad bodies with 422 at their path, the store’s own checks included', async () => {
      const cases: Array<[string, unknown, unknown[]]> = [
        ['/contexts/context', { context: { environment: 'DEV' } }, ['body', 'context', 'name']],
        ['/contexts/context', { context: { name: 'x', environment: 'STAGING' } }, ['body', 'context', 'environment']],
        ['/contexts/context', { context: { name: 'x', environment: 'DEV', parameters: [parameter(0, 'k', 'v')] } }, ['body', 'context', 'parameters', 0, 'id']],
        ['/contexts/context', { context: { name: 'x'.repeat(201), environment: 'DEV' } }, ['body', 'context', 'name']],
        ['/contexts/credentials', credentials('c', { port: 70_000 }), ['body', 'credentials', 'port']],
        ['/contexts/credentials', { credentials: { name: 'c', user: 'u', host: 'h' } }, ['body', 'credentials', 'database']],
        [
          '/contexts/credentials-mapping-context',
          { context: { name: 'x', environment: 'DEV', credentials_ids: { STAGING: uuidv7() } } },
          ['body', 'context', 'credentials_ids'],
        ],
      ]
      for (const [path, json, loc] of cases) {
        const answer = await call(path, { method: 'POST', json })
        expect(answer.status, JSON.stringify(json).slice(0, 120)).toBe(422)
        expect((answer.body.detail as Array<{ loc: unknown[] }>).map((issue) => issue.loc.slice(0, loc.length))).toContainEqual(loc)
      }
    })

    it('refuses a taken context or credentials name with 409 and keeps the stored one', async () => {
      const name = unique('taken')
      const first = await call('/contexts/context', {
        method: 'POST',
        json: { context: { name, environment: 'DEV', parameters: [parameter(1, 'k', 'first')] } },
      })
      const second = await call('/contexts/context', { method: 'POST', json: { context: { name, environment: 'PROD', parameters: [] } } })
      expect(second.status).toBe(409)
      expect(second.body.detail).toMatchObject({ code: 'CONTEXT_EXISTS', id: first.body.id })
      expect(await server.store.contexts.get(first.body.id)).toMatchObject({ environment: 'DEV', parameters: { k: { value: 'first', is_secure: false } } })

      const credentialName = unique('taken_conn')
      expect((await call('/contexts/credentials', { method: 'POST', json: credentials(credentialName) })).status).toBe(201)
      const again = await call('/contexts/credentials', { method: 'POST', json: credentials(credentialName) })
      expect(again.status).toBe(409)
      expect(again.body.detail.code).toBe('CREDENTIALS_EXIST')
    })

    it('answers 404 for an unknown provider and 204 for deleting one', async () => {
      for (const id of [uuidv7(), 'not-an-id']) {
        const answer = await call(`/contexts/${id}`)
        expect(answer.status).toBe(404)
        expect(answer.body.detail).toMatchObject({ code: 'PROVIDER_NOT_FOUND', message: `Provider '${id}' not found` })
        expect((await call(`/contexts/${id}`, { method: 'DELETE' })).status).toBe(204)
      }
    })

    it('refuses to delete credentials a context still maps, and deletes them once it is gone', async () => {
      const used = await call('/contexts/credentials', { method: 'POST', json: credentials(unique('used')) })
      const context = await call('/contexts/credentials-mapping-context', {
        method: 'POST',
        json: { context: { name: unique('user'), environment: 'PROD', credentials_ids: { PROD: used.body.id } } },
      })
      const refused = await call(`/contexts/${used.body.id}`, { method: 'DELETE' })
      expect(refused.status).toBe(409)
      expect(refused.body.detail.code).toBe('PROVIDER_IN_USE')
      expect((await call(`/contexts/${used.body.id}`)).status).toBe(200)

      expect((await call(`/contexts/${context.body.id}`, { method: 'DELETE' })).status).toBe(204)
      expect((await call(`/contexts/${used.body.id}`, { method: 'DELETE' })).status).toBe(204)
      expect((await call(`/contexts/${used.body.id}`)).status).toBe(404)
    })

    it('never answers a secure value or a password', () => {
      expect(bodies.length).toBeGreaterThan(10)
      for (const body of bodies) {
        expect(body).not.toContain(SECRET)
        expect(body).not.toContain(PASSWORD)
      }
    })

    it("answers 503, typed and without the server's key path, when the store cannot encrypt", async () => {
      const broken = await startTestServer(target(), {}, { security: { master_key_file: join(target().dir, 'no-such.key') } })
      try {
        const response = await broken.http('/contexts/context', {
          method: 'POST',
          json: { context: { name: unique('unsealed'), environment: 'DEV', parameters: [parameter(1, 'token', SECRET, true)] } },
        })
        const text = await response.text()
        expect(response.status).toBe(503)
        expect(text).not.toContain(SECRET)
        expect(text).not.toContain('no-such.key')
        const body = JSON.parse(text) as { detail: { code: string; message: string }; persistence_error: { error_type: string } }
        expect(body.persistence_error.error_type).toBe('server_configuration')
        expect(body.detail.code).toBe('SERVER_CONFIGURATION')
      } finally {
        await broken.server.close()
      }
    })
  },
  ['sqlite', 'postgres', 'mysql'],
)
