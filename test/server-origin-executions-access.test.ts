import { afterAll, beforeAll, expect, it } from 'vitest'
import { SYSTEM_PRINCIPAL } from '../src/security/access-policy.js'
import type { Store } from '../src/store.js'
import { describeEngines } from './helpers/engines.js'
import { createJob } from './helpers/execution-store.js'
import { startTestServer, type TestServer } from './helpers/http-server.js'

/** The origin's execution, context and schedule routes run as the request's principal: its roles and environments apply. */
describeEngines(
  'origin routes under access control',
  (target) => {
    let server: TestServer
    let admin: Store
    let jobId: string

    beforeAll(async () => {
      server = await startTestServer(
        target(),
        { anonymous: { id: 'ana', roles: ['dev_operator'] } },
        { access_control: { roles: { dev_operator: { permissions: ['executions:read', 'executions:write@DEV', 'jobs:read', 'schedules:read'] } } } },
      )
      admin = server.store.as(SYSTEM_PRINCIPAL)
      jobId = await createJob(admin)
    })
    afterAll(async () => {
      await server?.server.close()
    })

    const expectDenied = async (response: Response) => {
      expect(response.status).toBe(403)
      const body = (await response.json()) as { detail: { code: string }; persistence_error: { error_type: string } }
      expect(body.detail.code).toBe('ACCESS_DENIED')
      expect(body.persistence_error.error_type).toBe('access_denied')
    }

    it('starts a run in the environment the role allows and refuses another with 403', async () => {
      const allowed = await server.http(`/execution/${jobId}`, { method: 'POST', json: { environment: 'DEV' } })
      expect(allowed.status).toBe(200)
      await expectDenied(await server.http(`/execution/${jobId}`, { method: 'POST', json: { environment: 'PROD' } }))
      const runs = await admin.executions.list({ where: { column: 'job_id', operator: '==', value: jobId } })
      expect(runs.items.map((run) => run.environment)).toEqual(['DEV'])
      expect((await server.http('/execution/executions')).status).toBe(200)
    })

    it('refuses to register a context without contexts:write, storing nothing', async () => {
      const name = `denied_${jobId.slice(-8)}`
      await expectDenied(await server.http('/contexts/context', { method: 'POST', json: { context: { name, environment: 'DEV' } } }))
      expect((await admin.contexts.list({ where: { column: 'name', operator: '==', value: name } })).items).toEqual([])
    })

    it('refuses to run a PROD schedule now and to create one without schedules:write', async () => {
      const schedule = await admin.schedules.create({
        name: `prod_${jobId.slice(-8)}`,
        job_id: jobId,
        environment: 'PROD',
        trigger: { interval: { hours: 1 } },
      })
      await expectDenied(await server.http(`/schedules/${schedule.id}/run-now`, { method: 'POST' }))
      expect((await server.http(`/schedules/${schedule.id}`)).status).toBe(200)
      const created = await server.http('/schedules/', {
        method: 'POST',
        json: { name: 'nope', job_id: jobId, environment: 'DEV', trigger_type: 'interval', trigger_args: { hours: 1 } },
      })
      await expectDenied(created)
    })
  },
  ['sqlite', 'postgres', 'mysql'],
)
