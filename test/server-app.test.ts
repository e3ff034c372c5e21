import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEngines } from './helpers/engines.js'
import { startTestServer, type TestServer } from './helpers/http-server.js'

/** What the server does around every route: CORS, token cookies, Fastify's own errors. */
describeEngines(
  'the HTTP server around its routes',
  (target) => {
    let listed: TestServer
    let anyOrigin: TestServer

    beforeAll(async () => {
      listed = await startTestServer(target(), { anonymous: undefined, corsOrigins: ['https://gui.example'] })
      anyOrigin = await startTestServer(target(), { corsOrigins: ['*'] })
    })
    afterAll(async () => {
      await listed.server.close()
      await anyOrigin.server.close()
    })

    const preflight = (server: TestServer, origin: string) =>
      server.http('/api/v1/jobs', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } })

    it('allows the listed browser origins only, and any origin for *', async () => {
      expect((await preflight(listed, 'https://gui.example')).headers.get('access-control-allow-origin')).toBe('https://gui.example')
      expect((await preflight(listed, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull()
      expect((await preflight(anyOrigin, 'https://anywhere.example')).headers.get('access-control-allow-origin')).toBe('*')
    })

    it('treats a stale token cookie as no token: public routes answer, data routes ask for a token', async () => {
      const cookie = { cookie: 'etlp_token=etlp_not-a-real-token' }
      expect((await listed.http('/health', { headers: cookie })).status).toBe(200)
      const refused = await listed.http('/api/v1/jobs', { headers: cookie })
      expect(refused.status).toBe(401)
      expect(await refused.json()).toMatchObject({ persistence_error: { error_type: 'unauthorized', message: 'This API token is unknown or revoked' } })
    })

    it('answers a cookie that is not even URL-encoded text with 401, typed', async () => {
      const response = await listed.http('/api/v1/jobs', { headers: { cookie: 'etlp_token=%E0%A4%A' } })
      expect(response.status).toBe(401)
      expect(await response.json()).toMatchObject({ persistence_error: { error_type: 'unauthorized' } })
    })

    it("gives Fastify's own refusals (an over-long path parameter) the same typed body", async () => {
      const response = await anyOrigin.http(`/api/v1/jobs/${'x'.repeat(500)}`)
      expect(response.status).toBe(414)
      expect(await response.json()).toMatchObject({ persistence_error: { error_type: 'bad_request' } })
    })
  },
  ['sqlite'],
)
