import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEngines } from './helpers/engines.js'
import { startTestServer, type TestServer } from './helpers/http-server.js'

// The origin's GET /setup (api/routers/setup.py, tests/endpoints/test_setup_endpoint.py):
// the GUI's setup key. The origin compares it with a placeholder; here it is an API token.

describeEngines(
  'origin /setup route',
  (target) => {
    let server: TestServer
    let open: TestServer

    beforeAll(async () => {
      // Tokens required: the route itself is public, the GUI has no token yet when it asks.
      server = await startTestServer(target(), { anonymous: undefined })
      open = await startTestServer(target())
    })
    afterAll(async () => {
      await server.server.close()
      await open.server.close()
    })

    const setup = async (on: TestServer, key: string) => {
      const response = await on.http(`/setup?key=${encodeURIComponent(key)}`)
      expect(response.status).toBe(200)
      return (await response.json()) as unknown
    }

    it('answers true for a live API token and false once it is revoked', async () => {
      const created = await server.store.tokens.create({ principal: { id: 'gui', roles: ['viewer'] } })
      expect(await setup(server, created.token)).toBe(true)
      await server.store.tokens.revoke(created.id)
      expect(await setup(server, created.token)).toBe(false)
    })

    it("answers false for a key that is no token, the origin's placeholder among them", async () => {
      expect(await setup(server, 'INVALID')).toBe(false)
      expect(await setup(server, 'VALID_KEY')).toBe(false)
    })

    it('answers true for any key where the server needs no token', async () => {
      expect(await setup(open, 'INVALID')).toBe(true)
    })

    it("refuses a request without a key with FastAPI's 422 list at query.key", async () => {
      const response = await server.http('/setup/')
      expect(response.status).toBe(422)
      const body = (await response.json()) as { detail: { loc: unknown[] }[]; persistence_error: { error_type: string } }
      expect(body.detail.map((issue) => issue.loc)).toEqual([['query', 'key']])
      expect(body.persistence_error.error_type).toBe('validation_error')
    })
  },
  ['sqlite', 'postgres'],
)
