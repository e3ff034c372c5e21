import { afterAll, beforeAll, expect, it } from 'vitest'
import { uuidv7 } from '../src/schema/ids.js'
import { describeEngines } from './helpers/engines.js'
import { createJob } from './helpers/execution-store.js'
import { startTestServer, type TestServer } from './helpers/http-server.js'

/** The origin's schedules router (tests/api/test_schedules_router.py and its ScheduleConfig rules), over real HTTP. */
describeEngines(
  'origin /schedules routes',
  (target) => {
    let server: TestServer
    let jobId: string

    beforeAll(async () => {
      server = await startTestServer(target())
      jobId = await createJob(server.store)
    })
    afterAll(async () => {
      await server?.server.close()
    })

    const call = async (path: string, init: RequestInit & { json?: unknown } = {}) => {
      const response = await server.http(path, init)
      const text = await response.text()
      return { status: response.status, type: response.headers.get('content-type'), body: text === '' ? undefined : (JSON.parse(text) as any) }
    }
    const unique = (name: string) => `${name}_${uuidv7().slice(-8)}`
    const create = async (json: Record<string, unknown>) => {
      const answer = await call('/schedules/', { method: 'POST', json: { name: unique('nightly'), job_id: jobId, environment: 'DEV', ...json } })
      expect(answer.status, JSON.stringify(answer.body)).toBe(201)
      return answer.body as string
    }
    const expectNotFound = (answer: { status: number; body: any }) => {
      expect(answer.status).toBe(404)
      expect(answer.body.detail).toMatchObject({ code: 'SCHEDULE_NOT_FOUND', message: 'Schedule not found' })
    }

    it('creates a schedule answering its id as a JSON string, then lists and gets it', async () => {
      const name = unique('every_five')
      const created = await call('/schedules/', {
        method: 'POST',
        json: { name, job_id: jobId, environment: 'DEV', trigger_type: 'interval', trigger_args: { minutes: 5 } },
      })
      expect(created.status).toBe(201)
      expect(created.type).toContain('application/json')
      expect(typeof created.body).toBe('string')

      const expected = { id: created.body, name, job_id: jobId, environment: 'DEV', trigger_type: 'interval', is_paused: false }
      const one = await call(`/schedules/${created.body}`)
      expect(one.status).toBe(200)
      expect(one.body).toEqual({ ...expected, trigger_args: { minutes: 5, start_date: expect.any(String) } })
      const listed = await call('/schedules/')
      expect(listed.status).toBe(200)
      expect(listed.body).toContainEqual(one.body)

      expectNotFound(await call(`/schedules/${uuidv7()}`))
      expectNotFound(await call('/schedules/missing'))
    })

    it('updates the fields given and answers the id; an unknown schedule is 404', async () => {
      const id = await create({ trigger_type: 'cron', trigger_args: { hour: 2, minute: 30 } })
      const renamed = unique('renamed')
      const updated = await call(`/schedules/${id}`, { method: 'PUT', json: { name: renamed, environment: 'prod' } })
      expect(updated).toMatchObject({ status: 200, body: id })
      expect((await call(`/schedules/${id}`)).body).toMatchObject({
        name: renamed,
        environment: 'PROD',
        trigger_type: 'cron',
        trigger_args: { hour: 2, minute: 30 },
      })
      expectNotFound(await call(`/schedules/${uuidv7()}`, { method: 'PUT', json: { name: 'nn' } }))
    })

    it('merges trigger_args alone with the stored type, and checks trigger_type alone against the stored args', async () => {
      const id = await create({ trigger_type: 'cron', trigger_args: { hour: 2, minute: 30 } })
      expect((await call(`/schedules/${id}`, { method: 'PUT', json: { trigger_args: { hour: 4 } } })).status).toBe(200)
      const schedule = await server.store.schedules.get(id)
      expect(schedule.trigger.cron).toMatchObject({ hour: 4 })
      expect(schedule.trigger.cron?.minute).toBeUndefined()

      const refused = await call(`/schedules/${id}`, { method: 'PUT', json: { trigger_type: 'date' } })
      expect(refused.status).toBe(422)
      expect(refused.body.detail.map((issue: { loc: unknown[] }) => issue.loc)).toContainEqual(['body', 'trigger_args', 'hour'])
      expect((await server.store.schedules.get(id)).trigger.cron).toMatchObject({ hour: 4 })
    })

    it('keeps a schedule with its job: the same job_id passes, another is 422', async () => {
      const id = await create({ trigger_type: 'interval', trigger_args: { hours: 1 } })
      expect((await call(`/schedules/${id}`, { method: 'PUT', json: { job_id: jobId, paused: true } })).status).toBe(200)
      expect((await server.store.schedules.get(id)).paused).toBe(true)
      const other = await createJob(server.store)
      const refused = await call(`/schedules/${id}`, { method: 'PUT', json: { job_id: other } })
      expect(refused.status).toBe(422)
      expect(refused.body.detail[0].loc).toEqual(['body', 'job_id'])
      expect((await server.store.schedules.get(id)).job_id).toBe(jobId)
    })

    it('deletes a schedule with the origin’s message, and 404s the second time', async () => {
      const id = await create({ trigger_type: 'interval', trigger_args: { days: 1 } })
      expect(await call(`/schedules/${id}`, { method: 'DELETE' })).toMatchObject({ status: 200, body: { message: `Schedule ${id} deleted` } })
      expectNotFound(await call(`/schedules/${id}`, { method: 'DELETE' }))
      expectNotFound(await call(`/schedules/${id}`))
    })

    it('pauses and resumes, answering the schedule; unknown ones are 404', async () => {
      const id = await create({ trigger_type: 'interval', trigger_args: { minutes: 10 } })
      const paused = await call(`/schedules/${id}/pause`, { method: 'POST' })
      expect(paused).toMatchObject({ status: 200, body: { id, is_paused: true } })
      expect((await server.store.schedules.get(id)).paused).toBe(true)
      const resumed = await call(`/schedules/${id}/resume`, { method: 'POST' })
      expect(resumed).toMatchObject({ status: 200, body: { id, is_paused: false } })
      expect((await server.store.schedules.get(id)).next_fire_at).not.toBeNull()
      for (const action of ['pause', 'resume', 'run-now']) expectNotFound(await call(`/schedules/${uuidv7()}/${action}`, { method: 'POST' }))
    })

    it('runs a paused schedule now by queueing its job in its environment', async () => {
      const id = await create({ environment: 'TEST', trigger_type: 'interval', trigger_args: { hours: 6 }, paused: true })
      const answer = await call(`/schedules/${id}/run-now`, { method: 'POST' })
      expect(answer).toMatchObject({ status: 200, body: { status: 'started', execution_id: expect.any(String) } })
      const execution = await server.store.executions.get(answer.body.execution_id)
      expect(execution).toMatchObject({ job_id: jobId, environment: 'TEST', status: 'QUEUED', trigger: 'schedule' })
    })

    it('reads APScheduler’s arguments: Monday-first weekdays, naive and zoned times', async () => {
      const cron = await create({ trigger_type: 'cron', trigger_args: { day_of_week: 0, hour: 7 } })
      expect((await server.store.schedules.get(cron)).trigger.cron).toMatchObject({ day_of_week: 'mon', hour: 7 })
      expect((await call(`/schedules/${cron}`)).body.trigger_args).toMatchObject({ day_of_week: 'mon', hour: 7, timezone: expect.any(String) })

      const zoned = await create({ trigger_type: 'date', trigger_args: { run_date: '2030-01-01T10:00:00+02:00' } })
      expect((await call(`/schedules/${zoned}`)).body.trigger_args).toEqual({ run_date: '2030-01-01T08:00:00.000Z' })
      const naive = await create({ trigger_type: 'date', trigger_args: { date: '2030-01-01T10:00:00' } })
      expect((await call(`/schedules/${naive}`)).body.trigger_args).toEqual({ run_date: new Date(2030, 0, 1, 10, 0, 0).toISOString() })
    })

    it('answers a crontab expression saved through the store as APScheduler fields', async () => {
      const schedule = await server.store.schedules.create({ name: unique('weekdays'), job_id: jobId, trigger: { cron: { expression: '30 2 * * 1-5' } } })
      expect((await call(`/schedules/${schedule.id}`)).body).toMatchObject({
        trigger_type: 'cron',
        trigger_args: { minute: '30', hour: '2', day: '*', month: '*', day_of_week: 'mon-fri', timezone: 'UTC' },
      })
    })

    it('refuses bad schedules with 422 at their body path', async () => {
      const base = { name: unique('bad'), job_id: jobId, environment: 'DEV', trigger_type: 'interval', trigger_args: { minutes: 1 } }
      const cases: Array<[Record<string, unknown>, unknown[]]> = [
        [{ trigger_args: { minutes: 1, every: 2 } }, ['body', 'trigger_args', 'every']],
        [{ trigger_type: 'hourly' }, ['body', 'trigger_type']],
        [{ trigger_type: 'cron', trigger_args: { minute: '99' } }, ['body', 'trigger_args', 'minute']],
        [{ trigger_type: 'date', trigger_args: { run_date: 'soon' } }, ['body', 'trigger_args', 'run_date']],
        [{ environment: 'STAGING' }, ['body', 'environment']],
        [{ job_id: uuidv7() }, ['body', 'job_id']],
        [{ job_id: 'not-a-job' }, ['body', 'job_id']],
        [{ name: undefined }, ['body', 'name']],
      ]
      for (const [change, loc] of cases) {
        const answer = await call('/schedules/', { method: 'POST', json: { ...base, ...change } })
        expect(answer.status, JSON.stringify(change)).toBe(422)
        expect(answer.body.detail.map((issue: { loc: unknown[] }) => issue.loc)).toContainEqual(loc)
      }
      expect((await server.store.schedules.list({ where: { column: 'name', operator: '==', value: base.name } })).items).toEqual([])
    })

    it('refuses a taken name with 409', async () => {
      const name = unique('taken')
      await create({ name, trigger_type: 'interval', trigger_args: { hours: 1 } })
      const again = await call('/schedules/', {
        method: 'POST',
        json: { name, job_id: jobId, environment: 'DEV', trigger_type: 'interval', trigger_args: { hours: 2 } },
      })
      expect(again.status).toBe(409)
      expect(again.body.detail.code).toBe('SCHEDULE_EXISTS')
    })
  },
  ['sqlite', 'postgres', 'mysql'],
)
