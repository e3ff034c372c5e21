import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AccessDeniedError, ValidationError } from '../src/errors.js'
import { LAST_USED_RESOLUTION_MS } from '../src/security/api-token-repository.js'
import { buildServer } from '../src/server/app.js'
import { Store } from '../src/store.js'
import { describeEngines } from './helpers/engines.js'

const job = (name: string) => ({
  name,
  strategy_type: 'row',
  components: [
    { comp_type: 'read_csv', name: 'read', filepath: 'in.csv', routes: { out: ['write'] } },
    { comp_type: 'write_csv', name: 'write', filepath: 'out.csv' },
  ],
})

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

describeEngines('API tokens', (target) => {
  /** Opened with access control on: the plain store may do nothing, `admin` acts for the operator. */
  let store: Store
  let admin: Store

  beforeAll(async () => {
    store = await target().open({ access_control: { enabled: true } })
    await store.migrate()
    admin = store.as({ id: 'root-admin', roles: ['admin'] })
  })

  const tableRows = async () => {
    const context = Store.context(store)
    return (await context.db.selectFrom('api_tokens').selectAll().execute()) as Record<string, unknown>[]
  }

  it('shows a new token once and stores only its SHA-256', async () => {
    const created = await admin.tokens.create({ principal: { id: 'ci', roles: ['operator'] }, name: 'CI runner' })
    expect(created.token).toMatch(/^etlp_[A-Za-z0-9_-]{43}$/)
    expect(created).toMatchObject({ name: 'CI runner', principal: { id: 'ci', roles: ['operator'] }, last_used_at: null, revoked_at: null })

    const row = (await tableRows()).find((candidate) => candidate.id === created.id)
    expect(row?.token_hash).toBe(sha256(created.token))
    const randomPart = created.token.slice('etlp_'.length)
    expect(JSON.stringify(await tableRows())).not.toContain(randomPart)

    const listed = await admin.tokens.list()
    expect(listed.items.map((token) => token.id)).toContain(created.id)
    expect(JSON.stringify(listed)).not.toContain(randomPart)
    expect(await admin.tokens.get(created.id)).not.toHaveProperty('token')
  })

  it('names the principal id when no name is given, and lists only live tokens on request', async () => {
    const created = await admin.tokens.create({ principal: { id: 'nightly', roles: ['viewer'] } })
    expect(created.name).toBe('nightly')
    await admin.tokens.revoke(created.id)
    const live = await admin.tokens.list({ where: { column: 'revoked_at', operator: 'is_null' }, limit: 1000 })
    expect(live.items.map((token) => token.id)).not.toContain(created.id)
  })

  it('authenticates a good token as its principal and refuses altered, malformed and revoked ones', async () => {
    const { id, token } = await admin.tokens.create({ principal: { id: 'ana', roles: ['editor'] } })
    expect(await admin.tokens.authenticate(token)).toEqual({ id: 'ana', roles: ['editor'] })

    const altered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')
    expect(await admin.tokens.authenticate(altered)).toBeUndefined()
    expect(await admin.tokens.authenticate('not-a-token')).toBeUndefined()

    const revoked = await admin.tokens.revoke(id)
    expect(revoked.revoked_at).toBeInstanceOf(Date)
    expect(await admin.tokens.authenticate(token)).toBeUndefined()
    expect((await admin.tokens.revoke(id)).revoked_at).toEqual(revoked.revoked_at)
  })

  it('refuses an unknown role and a malformed principal with their paths', async () => {
    const unknownRole = await admin.tokens.create({ principal: { id: 'x', roles: ['superuser'] } }).catch((error: unknown) => error)
    expect(unknownRole).toBeInstanceOf(ValidationError)
    expect((unknownRole as ValidationError).issues.map((issue) => issue.path)).toEqual(['principal.roles[0]'])

    const malformed = await admin.tokens.create({ principal: { id: '' } as never }).catch((error: unknown) => error)
    expect((malformed as ValidationError).issues.map((issue) => issue.path).sort()).toEqual(['principal.id', 'principal.roles'])
    await expect(admin.tokens.revoke('no-such-id')).rejects.toMatchObject({ error_type: 'not_found' })
  })

  it('lets only admin manage tokens by default, and audits each change without the token', async () => {
    for (const role of ['viewer', 'operator', 'editor']) {
      const as = store.as({ id: `${role}-user`, roles: [role] })
      await expect(as.tokens.create({ principal: { id: 'sneaky', roles: ['admin'] } }), role).rejects.toMatchObject({ permission: 'tokens:write' })
      await expect(as.tokens.list(), role).rejects.toBeInstanceOf(AccessDeniedError)
    }
    const created = await admin.tokens.create({ principal: { id: 'audited', roles: ['viewer'] } })
    await admin.tokens.revoke(created.id)

    const entries = await admin.audit.list({ where: { column: 'entity_id', operator: '==', value: created.id }, order_by: 'seq' })
    expect(entries.items.map((entry) => [entry.action, entry.actor, entry.outcome])).toEqual([
      ['tokens.create', 'root-admin', 'ok'],
      ['tokens.revoke', 'root-admin', 'ok'],
    ])
    expect(JSON.stringify(entries)).not.toContain(created.token.slice('etlp_'.length))
    expect((await admin.audit.verify()).ok).toBe(true)
  })

  it('notes the last use at most once an hour, not on every request', async () => {
    let now = new Date('2026-06-01T12:00:00.000Z')
    const clocked = await target().open({ clock: () => now })
    const { id, token } = await clocked.tokens.create({ principal: { id: 'clocked', roles: ['viewer'] } })
    const lastUsed = async () => (await clocked.tokens.get(id)).last_used_at?.toISOString()

    await clocked.tokens.authenticate(token)
    expect(await lastUsed()).toBe('2026-06-01T12:00:00.000Z')
    now = new Date(now.getTime() + LAST_USED_RESOLUTION_MS - 1)
    await clocked.tokens.authenticate(token)
    expect(await lastUsed()).toBe('2026-06-01T12:00:00.000Z')
    now = new Date(now.getTime() + 1)
    await clocked.tokens.authenticate(token)
    expect(await lastUsed()).toBe('2026-06-01T13:00:00.000Z')
  })

  describe('over HTTP', () => {
    let app: FastifyInstance
    let url: string

    beforeAll(async () => {
      // No anonymous principal: a request without a token is refused. Two probe routes
      // stand for any route that reads and changes data as the request's principal.
      app = await buildServer(store, { log: false })
      app.get('/probe/jobs', async (request) => request.store.jobs.list({ limit: 1000 }))
      app.post('/probe/jobs', async (request, reply) => reply.status(201).send(await request.store.jobs.create(request.body as never)))
      await app.listen({ host: '127.0.0.1', port: 0 })
      const address = app.server.address()
      url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
    })

    afterAll(async () => {
      await app?.close()
    })

    const call = (path: string, token?: string, init: { method?: string; json?: unknown; authorization?: string } = {}) =>
      fetch(url + path, {
        method: init.method ?? 'GET',
        headers: {
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          ...(init.authorization === undefined ? {} : { authorization: init.authorization }),
          ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
      })

    it('answers 401 without a token, with an unknown one and with a malformed header', async () => {
      for (const response of [
        await call('/probe/jobs'),
        await call('/probe/jobs', `etlp_${'A'.repeat(43)}`),
        await call('/probe/jobs', undefined, { authorization: 'Basic YWxhZGRpbjpvcGVu' }),
        await call('/ready', 'etlp_not-a-real-token'),
      ]) {
        expect(response.status).toBe(401)
        expect(await response.json()).toMatchObject({ persistence_error: { error_type: 'unauthorized' } })
      }
    })

    it("answers as the token's principal, and the audit trail names it for a change", async () => {
      const { token } = await admin.tokens.create({ principal: { id: 'http-editor', roles: ['editor'] } })
      const created = await call('/probe/jobs', token, { method: 'POST', json: job('made-over-http') })
      expect(created.status).toBe(201)
      const { id } = (await created.json()) as { id: string }

      const listed = await call('/probe/jobs', token)
      expect(listed.status).toBe(200)
      expect(((await listed.json()) as { items: { id: string }[] }).items.map((item) => item.id)).toContain(id)

      const audit = await admin.audit.list({ where: { column: 'entity_id', operator: '==', value: id } })
      expect(audit.items.map((entry) => [entry.action, entry.actor])).toEqual([['jobs.create', 'http-editor']])
    })

    it('refuses a revoked token from the next request on', async () => {
      const { id, token } = await admin.tokens.create({ principal: { id: 'short-lived', roles: ['viewer'] } })
      expect((await call('/probe/jobs', token)).status).toBe(200)
      await admin.tokens.revoke(id)
      const refused = await call('/probe/jobs', token)
      expect(refused.status).toBe(401)
      expect(await refused.json()).toMatchObject({ persistence_error: { error_type: 'unauthorized' } })
    })

    it('answers 403 with the access_denied report for a principal without the permission', async () => {
      const { token } = await admin.tokens.create({ principal: { id: 'http-viewer', roles: ['viewer'] } })
      const refused = await call('/probe/jobs', token, { method: 'POST', json: job('not-allowed') })
      expect(refused.status).toBe(403)
      expect(await refused.json()).toEqual({
        persistence_error: expect.objectContaining({ error_type: 'access_denied', permission: 'jobs:write', message: expect.stringContaining('http-viewer') }),
      })
      const denied = await admin.audit.list({ where: { column: 'actor', operator: '==', value: 'http-viewer' } })
      expect(denied.items.map((entry) => [entry.action, entry.outcome])).toEqual([['jobs.create', 'denied']])
    })
  })
})
