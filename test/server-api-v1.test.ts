import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeEngines } from './helpers/engines.js'
import { startTestServer, type TestServer } from './helpers/http-server.js'
import { writeKeyFile } from './helpers/secret-store.js'

const jobConfig = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  strategy_type: 'row',
  num_of_retries: 0,
  components: [
    { comp_type: 'read_csv', name: 'read', filepath: 'in.csv', routes: { out: ['write'] } },
    { comp_type: 'write_csv', name: 'write', filepath: 'out.csv' },
  ],
  ...extra,
})

let counter = 0
const unique = (prefix: string) => `${prefix}_${process.pid}_${++counter}`

/** The JSON of an answer, with its status beside it. */
async function answer(response: Promise<Response>): Promise<{ status: number; body: any }> {
  const settled = await response
  const text = await settled.text()
  return { status: settled.status, body: text === '' ? undefined : JSON.parse(text) }
}

describeEngines('/api/v1', (target) => {
  let server: TestServer
  const call = (path: string, init?: RequestInit & { json?: unknown }) => answer(server.http(`/api/v1${path}`, init))
  const createJob = async (name = unique('job'), extra: Record<string, unknown> = {}): Promise<string> => {
    const created = await call('/jobs', { method: 'POST', json: jobConfig(name, extra) })
    expect(created.status).toBe(201)
    return created.body.id as string
  }

  beforeAll(async () => {
    server = await startTestServer(target(), {}, { security: { master_key_file: writeKeyFile(target().dir).path } })
  })
  afterAll(async () => {
    await server?.server.close()
  })

  describe('jobs', () => {
    it('creates a job (201), reads it by id and name, saves versions and exports it', async () => {
      const name = unique('orders')
      const created = await call('/jobs', { method: 'POST', json: { ...jobConfig(name), colour: 'blue' } })
      expect(created.status).toBe(201)
      expect(created.body).toMatchObject({ name, current_version: 1, component_count: 2, created_by: 'system' })
      expect(created.body.warnings).toEqual([expect.objectContaining({ path: 'colour' })])
      const id = created.body.id as string

      const read = await call(`/jobs/${id}?include=components,links`)
      expect(read.status).toBe(200)
      expect(read.body.components.map((component: { name: string }) => component.name)).toEqual(['read', 'write'])
      expect(read.body.links).toEqual([expect.objectContaining({ src: 'read', dst: 'write', out_port: 'out' })])
      expect((await call(`/jobs/by-name/${name}`)).body.id).toBe(id)

      const updated = await call(`/jobs/${id}?expected_version=1`, { method: 'PUT', json: jobConfig(name, { num_of_retries: 3 }) })
      expect(updated).toMatchObject({ status: 200, body: { current_version: 2, num_of_retries: 3 } })
      const stale = await call(`/jobs/${id}?expected_version=1`, { method: 'PUT', json: jobConfig(name, { num_of_retries: 4 }) })
      expect(stale).toMatchObject({ status: 409, body: { persistence_error: { error_type: 'conflict' } } })

      const versions = await call(`/jobs/${id}/versions`)
      expect(versions.body.items.map((version: { version: number }) => version.version)).toEqual([1, 2])
      const first = await call(`/jobs/${id}/versions/1`)
      expect(first.body.config).toMatchObject({ num_of_retries: 0 })
      expect((await call(`/jobs/${id}/export`)).body).toMatchObject({ name, num_of_retries: 3 })
    })

    it('refuses a bad job config with 422 and the JSON path, and writes nothing', async () => {
      const name = unique('broken')
      const config = jobConfig(name)
      config.components[0] = { ...config.components[0]!, routes: { out: ['nowhere'] } }
      const refused = await call('/jobs', { method: 'POST', json: config })
      expect(refused.status).toBe(422)
      expect(refused.body.persistence_error.error_type).toBe('validation_error')
      expect(refused.body.persistence_error.issues.map((issue: { path: string }) => issue.path)).toContain('components[0].routes.out[0]')
      expect((await call(`/jobs/by-name/${name}`)).status).toBe(404)
    })

    it('refuses a body nested deeper than validation can walk, with 422 at its path', async () => {
      const config = JSON.stringify(jobConfig(unique('deep')))
      const deep = `${config.slice(0, -1)},"metadata":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`
      const refused = await answer(server.http('/api/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep }))
      expect(refused.status).toBe(422)
      expect(refused.body.persistence_error.issues[0].path).toMatch(/^body\.metadata(\.a)+$/)
    })

    it('answers 404 for an unknown job, and 422 for an id that is no UUID or a name with a NUL', async () => {
      expect((await call('/jobs/0190a0a0-0000-7000-8000-000000000000')).status).toBe(404)
      const bad = await call('/jobs/not-a-uuid')
      expect(bad.status).toBe(422)
      expect(bad.body.persistence_error.issues[0].path).toBe('params.id')
      const nul = await call('/contexts/%00')
      expect(nul.status).toBe(422)
      expect(nul.body.persistence_error.issues[0].path).toBe('params.id_or_name')
    })

    it('deletes a job with 204; one with history only with force=true', async () => {
      const id = await createJob()
      expect((await call('/executions', { method: 'POST', json: { jobId: id } })).status).toBe(201)
      expect((await call(`/jobs/${id}`, { method: 'DELETE' })).status).toBe(409)
      const deleted = await server.http(`/api/v1/jobs/${id}?force=true`, { method: 'DELETE' })
      expect(deleted.status).toBe(204)
      expect(await deleted.text()).toBe('')
      expect((await call(`/jobs/${id}`)).status).toBe(404)
    })

    it("keeps a job's state, published with the attempt that set it", async () => {
      const jobId = await createJob()
      expect((await call(`/jobs/${jobId}/state/watermark`)).status).toBe(404)
      const execution = (await call('/executions', { method: 'POST', json: { jobId } })).body
      const attempt = (await call(`/executions/${execution.id}/attempts`, { method: 'POST', json: {} })).body
      const set = await server.http(`/api/v1/jobs/${jobId}/state/watermark`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ value: '2026-01-31', attempt_id: attempt.id }),
      })
      expect(set.status).toBe(204)
      expect((await call(`/jobs/${jobId}/state/watermark`)).status).toBe(404)
      await call(`/attempts/${attempt.id}/finish`, { method: 'POST', json: { status: 'SUCCEEDED' } })
      expect(await call(`/jobs/${jobId}/state/watermark`)).toEqual({ status: 200, body: { key: 'watermark', value: '2026-01-31' } })
    })
  })

  describe('lists', () => {
    it('pages through a filtered, sorted list with keyset cursors, by query string and by JSON body alike', async () => {
      const prefix = unique('paged')
      for (const letter of ['e', 'b', 'd', 'a', 'c']) await createJob(`${prefix}_${letter}`)
      const where = { column: 'name', operator: 'contains', value: prefix }
      const expected = ['a', 'b', 'c', 'd', 'e'].map((letter) => `${prefix}_${letter}`)

      const byQueryString: string[] = []
      let cursor: string | null = null
      let pages = 0
      do {
        const params = new URLSearchParams({ where: JSON.stringify(where), order_by: 'name', limit: '2', ...(cursor ? { cursor } : {}) })
        const page = await call(`/jobs?${params}`)
        expect(page.status).toBe(200)
        byQueryString.push(...page.body.items.map((job: { name: string }) => job.name))
        cursor = page.body.next_cursor
        pages++
      } while (cursor !== null && pages < 10)
      expect(byQueryString).toEqual(expected)
      expect(pages).toBe(3)

      const byBody: string[] = []
      cursor = null
      do {
        const page = await call('/jobs/query', { method: 'POST', json: { where, order_by: '-name', limit: 3, total: true, ...(cursor ? { cursor } : {}) } })
        expect(page.body.total).toBe(5)
        byBody.push(...page.body.items.map((job: { name: string }) => job.name))
        cursor = page.body.next_cursor
      } while (cursor !== null && byBody.length < 10)
      expect(byBody).toEqual([...expected].reverse())
    })

    it('reports bad list input with 422 at the query path', async () => {
      const badColumn = await call(`/jobs?where=${encodeURIComponent(JSON.stringify({ column: 'password', operator: '==', value: 1 }))}`)
      expect(badColumn.status).toBe(422)
      expect(badColumn.body.persistence_error.issues[0].path).toMatch(/^query\.where/)
      const badJson = await call('/jobs?where=%7Bnot-json')
      expect(badJson.body.persistence_error.issues[0].path).toBe('query.where')
      expect((await call('/jobs?limit=5000')).body.persistence_error.issues[0].path).toBe('query.limit')
      expect((await call('/jobs?cursor=abc.def')).body.persistence_error.issues[0].path).toBe('query.cursor')
      expect((await call('/jobs?colour=blue')).status).toBe(422)
      const badBody = await call('/jobs/query', { method: 'POST', json: { where: { column: 'name', operator: 'like', value: 'x' } } })
      expect(badBody.status).toBe(422)
      expect(badBody.body.persistence_error.issues[0].path).toMatch(/^where/)
    })
  })

  describe('executions', () => {
    it('runs an execution as a remote worker: claim, heartbeat, events, component runs, finish', async () => {
      const jobId = await createJob()
      const key = unique('idem')
      const started = await call('/executions', { method: 'POST', json: { jobId, environment: 'DEV', params: { day: '2026-01-31' }, idempotencyKey: key } })
      expect(started).toMatchObject({ status: 201, body: { job_id: jobId, status: 'QUEUED' } })
      expect((await call('/executions', { method: 'POST', json: { jobId, idempotencyKey: key } })).body.id).toBe(started.body.id)

      // Other files' executions may be queued too: claim until ours comes up.
      let claim: any
      for (let i = 0; i < 50 && claim?.execution.id !== started.body.id; i++) {
        const claimed = await call('/executions/claim', { method: 'POST', json: { workerId: 'worker-1', leaseMs: 60_000 } })
        expect(claimed.status).toBe(200)
        claim = claimed.body
      }
      expect(claim).toMatchObject({ execution: { id: started.body.id, status: 'RUNNING', worker_id: 'worker-1' }, attempt: { attempt_number: 1 } })
      const id = started.body.id as string
      expect((await call(`/executions/${id}/heartbeat`, { method: 'POST', json: { workerId: 'worker-1' } })).status).toBe(200)
      expect((await call(`/executions/${id}/heartbeat`, { method: 'POST', json: { workerId: 'worker-2' } })).status).toBe(409)
      expect(
        await call(`/executions/${id}/events`, {
          method: 'POST',
          json: [{ message: 'started' }, { level: 'warning', message: 'slow', component_name: 'read' }],
        }),
      ).toEqual({ status: 201, body: { written: 2 } })
      const runs = await call(`/attempts/${claim.attempt.id}/component-runs`, {
        method: 'POST',
        json: [{ component_name: 'read', lines_received: 10, lines_forwarded: 10 }],
      })
      expect(runs).toEqual({ status: 201, body: { written: 1 } })
      const finished = await call(`/attempts/${claim.attempt.id}/finish`, { method: 'POST', json: { status: 'SUCCEEDED' } })
      expect(finished).toMatchObject({ status: 200, body: { status: 'SUCCEEDED' } })
      expect((await call(`/executions/${id}/finish`, { method: 'POST', json: { status: 'FAILED', error: { message: 'late' } } })).status).toBe(409)

      const detail = await call(`/executions/${id}?include=attempts,component_runs,events&events_limit=1`)
      expect(detail.body).toMatchObject({ status: 'SUCCEEDED', params: { day: '2026-01-31' } })
      expect(detail.body.attempts).toHaveLength(1)
      expect(detail.body.component_runs).toEqual([expect.objectContaining({ component_name: 'read', lines_received: 10 })])
      expect(detail.body.events.map((event: { message: string }) => event.message)).toEqual(['started'])
      const next = await call(`/executions/${id}?include=events&events_after=${detail.body.events_next_cursor}`)
      expect(next.body.events.map((event: { message: string }) => event.message)).toEqual(['slow'])

      const stats = await call(`/executions/stats?job_id=${jobId}`)
      expect(stats.body).toMatchObject({ total: 1, by_status: { SUCCEEDED: 1 }, success_rate: 1, lines: { received: 10 } })
      const listed = await call(`/executions?where=${encodeURIComponent(JSON.stringify({ column: 'job_id', operator: '==', value: jobId }))}`)
      expect(listed.body.items.map((execution: { id: string }) => execution.id)).toEqual([id])
    })

    it('refuses bad transitions and bad bodies with the right status', async () => {
      const jobId = await createJob()
      const queued = (await call('/executions', { method: 'POST', json: { jobId } })).body
      const cancelled = await call(`/executions/${queued.id}/finish`, { method: 'POST', json: { status: 'CANCELLED' } })
      expect(cancelled.body.status).toBe('CANCELLED')
      expect((await call(`/executions/${queued.id}/attempts`, { method: 'POST' })).status).toBe(409)
      const badStart = await call('/executions', { method: 'POST', json: { jobId: 'nope' } })
      expect(badStart.status).toBe(422)
      expect(badStart.body.persistence_error.issues[0].path).toBe('jobId')
      expect((await call('/executions', { method: 'POST', json: { jobId: '0190a0a0-0000-7000-8000-000000000000' } })).status).toBe(404)
      expect((await call('/executions/stats?since=yesterday')).body.persistence_error.issues[0].path).toBe('query.since')
      const runs = await call('/attempts/0190a0a0-0000-7000-8000-000000000000/component-runs', { method: 'POST', json: [{ lines_received: -1 }] })
      expect(runs.status).toBe(422)
    })
  })

  describe('retention and keys', () => {
    it('purges finished executions (a dry run counts only), reaps expired leases, and rotates the data key', async () => {
      const jobId = await createJob()
      const execution = (await call('/executions', { method: 'POST', json: { jobId } })).body
      await call(`/executions/${execution.id}/finish`, { method: 'POST', json: { status: 'CANCELLED' } })
      const future = new Date(Date.now() + 60_000).toISOString()
      const dryRun = await call('/executions/purge', { method: 'POST', json: { olderThan: future, jobId, dryRun: true } })
      expect(dryRun).toMatchObject({ status: 200, body: { dry_run: true, executions: 1 } })
      expect((await call(`/executions/${execution.id}`)).status).toBe(200)
      expect((await call('/executions/purge', { method: 'POST', json: { olderThan: future, jobId } })).body.executions).toBe(1)
      expect((await call(`/executions/${execution.id}`)).status).toBe(404)
      expect((await call('/executions/purge', { method: 'POST', json: { olderThan: 'last week' } })).body.persistence_error.issues[0].path).toBe(
        'body.olderThan',
      )
      expect((await call('/executions/reap', { method: 'POST' })).body).toEqual({ reaped: expect.any(Array) })

      const credential = (await call('/credentials', { method: 'POST', json: { name: unique('rotated'), password: 'before-rotation' } })).body
      expect((await call('/keys')).body.items).toEqual(expect.arrayContaining([expect.objectContaining({ status: 'current' })]))
      expect((await call('/keys/rotate', { method: 'POST' })).status).toBe(200)
      expect((await call(`/credentials/${credential.id}/reveal`, { method: 'POST' })).body.password).toBe('before-rotation')
    })
  })

  describe('contexts, credentials, schedules', () => {
    it('keeps credentials masked, reveals the password on its own route, and refuses to delete credentials in use', async () => {
      const name = unique('warehouse')
      const created = await call('/credentials', { method: 'POST', json: { name, user: 'etl', host: 'db', port: 5432, password: 's3cret' } })
      expect(created).toMatchObject({ status: 201, body: { name, password: '********' } })
      const id = created.body.id as string
      expect(JSON.stringify((await call('/credentials')).body)).not.toContain('s3cret')
      expect((await call(`/credentials/${name}`)).body.id).toBe(id)
      expect(await call(`/credentials/${id}/reveal`, { method: 'POST' })).toEqual({ status: 200, body: { id, password: 's3cret' } })
      expect((await call(`/credentials/${id}`, { method: 'PATCH', json: { port: 6543 } })).body.port).toBe(6543)

      const contextName = unique('sales')
      const saved = await call('/contexts', {
        method: 'PUT',
        json: {
          name: contextName,
          environment: 'DEV',
          parameters: { token: { value: 't0k', is_secure: true }, region: { value: 'eu' } },
          credentials: { DEV: name },
        },
      })
      expect(saved.status).toBe(200)
      expect(saved.body.parameters).toEqual({ token: { value: '********', is_secure: true }, region: { value: 'eu', is_secure: false } })
      const resolved = await call(`/contexts/${contextName}/resolve?environment=DEV`)
      expect(resolved.body).toMatchObject({ parameters: { token: '********', region: 'eu' }, credentials: { name, password: '********' } })
      expect(JSON.stringify(resolved.body)).not.toContain('s3cret')
      expect((await call(`/credentials/${id}`, { method: 'DELETE' })).body.persistence_error.error_type).toBe('linkage_error')
      expect((await call(`/contexts/${saved.body.id}`, { method: 'DELETE' })).status).toBe(204)
      expect((await call(`/credentials/${id}`, { method: 'DELETE' })).status).toBe(204)
      expect((await call(`/credentials/${id}`)).status).toBe(404)
    })

    it('creates, pauses, resumes, changes and deletes a schedule', async () => {
      const jobId = await createJob()
      const name = unique('nightly')
      const created = await call('/schedules', { method: 'POST', json: { name, job_id: jobId, trigger: { cron: { hour: 2, minute: 0, timezone: 'UTC' } } } })
      expect(created).toMatchObject({ status: 201, body: { name, trigger_type: 'cron', paused: false } })
      const id = created.body.id as string
      expect((await call(`/schedules/${id}/pause`, { method: 'POST' })).body.paused).toBe(true)
      expect((await call(`/schedules/${id}/resume`, { method: 'POST' })).body.paused).toBe(false)
      expect((await call(`/schedules/${id}`, { method: 'PATCH', json: { environment: 'TEST' } })).body.environment).toBe('TEST')
      expect((await call(`/schedules/${name}`)).body.id).toBe(id)
      const listed = await call(`/schedules?where=${encodeURIComponent(JSON.stringify({ column: 'job_id', operator: '==', value: jobId }))}`)
      expect(listed.body.items.map((schedule: { id: string }) => schedule.id)).toEqual([id])
      expect((await call('/schedules/due', { method: 'POST', json: { limit: 10 } })).status).toBe(200)
      expect((await call(`/schedules/${id}`, { method: 'DELETE' })).status).toBe(204)
      const unknownJob = await call('/schedules', {
        method: 'POST',
        json: { name: unique('orphan'), job_id: '0190a0a0-0000-7000-8000-000000000000', trigger: { interval: { hours: 1 } } },
      })
      expect(unknownJob.status).toBe(422)
    })
  })

  describe('models, records, audit', () => {
    it('plans and applies a model, then inserts, finds, counts, changes and deletes its records', async () => {
      const model = `note_${process.pid}_${++counter}`
      const config = {
        models: {
          [model]: {
            table_name: `${model}s`,
            fields: [
              { name: 'id', type: 'integer', primary_key: true },
              { name: 'body', type: 'string', max_length: 50 },
              { name: 'done', type: 'boolean', default: false },
            ],
          },
        },
      }
      const plan = await call('/models/plan', { method: 'POST', json: config })
      expect(plan.status).toBe(200)
      expect(plan.body.sql.length).toBeGreaterThan(0)
      expect((await call('/models/apply', { method: 'POST', json: config })).status).toBe(200)
      expect((await call('/models')).body.items.map((definition: { name: string }) => definition.name)).toContain(model)

      const inserted = await call(`/models/${model}/records`, { method: 'POST', json: { body: 'first' } })
      expect(inserted).toMatchObject({ status: 201, body: { body: 'first', done: false } })
      expect((await call(`/models/${model}/records/bulk`, { method: 'POST', json: [{ body: 'second' }, { body: 'third', done: true }] })).body).toEqual({
        inserted: 2,
      })
      const key = inserted.body.id as number
      expect((await call(`/models/${model}/records/${key}`)).body.body).toBe('first')
      const where = encodeURIComponent(JSON.stringify({ column: 'done', operator: '==', value: true }))
      expect((await call(`/models/${model}/records/count?where=${where}`)).body).toEqual({ count: 1 })
      const page = await call(`/models/${model}/records?order_by=-id&limit=2`)
      expect(page.body.items.map((row: { body: string }) => row.body)).toEqual(['third', 'second'])
      expect((await call(`/models/${model}/records/${key}`, { method: 'PATCH', json: { done: true } })).body.done).toBe(true)
      const tooLong = await call(`/models/${model}/records`, { method: 'POST', json: { body: 'x'.repeat(51) } })
      expect(tooLong.status).toBe(422)
      expect(tooLong.body.persistence_error.issues[0].path).toBe('body')
      expect((await call(`/models/${model}/records/${key}`, { method: 'DELETE' })).status).toBe(204)
      expect((await call(`/models/${model}/records/${key}`)).status).toBe(404)
      expect((await call('/models/no_such_model/records')).status).toBe(404)
    })

    it('lists the audit trail and verifies it', async () => {
      await createJob(unique('audited'))
      const entries = await call(`/audit?where=${encodeURIComponent(JSON.stringify({ column: 'action', operator: '==', value: 'jobs.create' }))}&limit=1`)
      expect(entries.status).toBe(200)
      expect(entries.body.items[0]).toMatchObject({ action: 'jobs.create', actor: 'system', outcome: 'ok' })
      const verified = await call('/audit/verify')
      expect(verified.body).toMatchObject({ ok: true, first_broken_seq: null })
      const head = await call('/audit/head')
      expect((await call(`/audit/verify?expected_seq=${head.body.seq}&expected_hash=${head.body.hash}`)).body.ok).toBe(true)
      expect((await call(`/audit/verify?expected_seq=${head.body.seq}&expected_hash=${'0'.repeat(64)}`)).body.ok).toBe(false)
    })
  })
})

describeEngines('/api/v1 access control', (target) => {
  const servers: TestServer[] = []
  const as = async (roles: string[]): Promise<TestServer> => {
    const server = await startTestServer(
      target(),
      { anonymous: { id: `${roles.join('-')}-user`, roles } },
      { access_control: { enabled: true }, security: { master_key_file: keyFile } },
    )
    servers.push(server)
    return server
  }
  let keyFile: string
  let admin: TestServer
  let credentialId: string

  beforeAll(async () => {
    keyFile = writeKeyFile(target().dir).path
    admin = await as(['admin'])
    const created = await answer(admin.http('/api/v1/credentials', { method: 'POST', json: { name: 'guarded', password: 'hidden' } }))
    credentialId = created.body.id
  })
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.server.close()))
  })

  it('answers 403 with the access_denied report naming the permission, and changes nothing', async () => {
    const viewer = await as(['viewer'])
    expect((await answer(viewer.http('/api/v1/jobs'))).status).toBe(200)
    const refused = await answer(viewer.http('/api/v1/jobs', { method: 'POST', json: jobConfig('not-allowed') }))
    expect(refused.status).toBe(403)
    expect(refused.body).toEqual({ persistence_error: expect.objectContaining({ error_type: 'access_denied', permission: 'jobs:write' }) })
    expect((await answer(admin.http('/api/v1/jobs/by-name/not-allowed'))).status).toBe(404)
    const denied = await answer(admin.http(`/api/v1/audit?where=${encodeURIComponent(JSON.stringify({ column: 'outcome', operator: '==', value: 'denied' }))}`))
    expect(denied.body.items[0]).toMatchObject({ actor: 'viewer-user', action: 'jobs.create' })
    expect((await answer(viewer.http('/api/v1/audit'))).status).toBe(403)
  })

  it('reveals a password only with credentials:reveal', async () => {
    const editor = await as(['editor'])
    expect((await answer(editor.http(`/api/v1/credentials/${credentialId}`))).body.password).toBe('********')
    const refused = await answer(editor.http(`/api/v1/credentials/${credentialId}/reveal`, { method: 'POST' }))
    expect(refused).toMatchObject({ status: 403, body: { persistence_error: { error_type: 'access_denied', permission: 'credentials:reveal' } } })
    expect(JSON.stringify(refused.body)).not.toContain('hidden')
    expect((await answer(admin.http(`/api/v1/credentials/${credentialId}/reveal`, { method: 'POST' }))).body.password).toBe('hidden')
  })
})
