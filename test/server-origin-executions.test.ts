import { afterAll, beforeAll, expect, it } from 'vitest'
import { uuidv7 } from '../src/schema/ids.js'
import { describeEngines } from './helpers/engines.js'
import { createJob } from './helpers/execution-store.js'
import { startTestServer, type TestServer } from './helpers/http-server.js'

/** The origin's execution endpoints (tests/endpoints/test_execution_*.py), over real HTTP. */
describeEngines(
  'origin /execution routes',
  (target) => {
    let server: TestServer

    beforeAll(async () => {
      server = await startTestServer(target())
    })
    afterAll(async () => {
      await server?.server.close()
    })

    /** Starts a run through the route, as the origin's GUI does. */
    const startRun = async (jobId: string, body?: unknown) => {
      const response = await server.http(`/execution/${jobId}`, { method: 'POST', ...(body === undefined ? {} : { json: body }) })
      expect(response.headers.get('content-type')).toContain('application/json')
      expect(response.status).toBe(200)
      return (await response.json()) as Record<string, unknown>
    }

    /** What the origin's in-process run did, done here as a worker does it: one attempt per outcome. */
    const work = async (executionId: string, outcomes: ReadonlyArray<'SUCCEEDED' | 'FAILED'>) => {
      for (const outcome of outcomes) {
        const attempt = await server.store.executions.startAttempt(executionId)
        const error = outcome === 'FAILED' ? { error: { message: `boom in attempt ${attempt.attempt_number}` } } : {}
        await server.store.executions.finishAttempt(attempt.id, { status: outcome, ...error })
      }
    }

    const listed = async (query: Record<string, string>) => {
      const response = await server.http(`/execution/executions?${new URLSearchParams(query)}`)
      expect(response.status).toBe(200)
      return ((await response.json()) as { data: Array<Record<string, unknown>> }).data
    }

    it('queues a run of an existing job and answers the origin’s start shape', async () => {
      const jobId = await createJob(server.store, 2)
      const started = await startRun(jobId)
      expect(started).toEqual({
        job_id: jobId,
        status: 'started',
        execution_id: expect.any(String),
        max_attempts: 3,
        environment: null,
        execution_status: 'QUEUED',
      })
      const stored = await server.store.executions.get(String(started.execution_id))
      expect(stored).toMatchObject({ job_id: jobId, status: 'QUEUED', trigger: 'api', environment: null })
    })

    it('starts in the environment the body names, also with a trailing slash', async () => {
      const jobId = await createJob(server.store)
      const response = await server.http(`/execution/${jobId}/`, { method: 'POST', json: { environment: 'TEST' } })
      expect(response.status).toBe(200)
      const started = (await response.json()) as { execution_id: string; environment: string }
      expect(started.environment).toBe('TEST')
      expect((await server.store.executions.get(started.execution_id)).environment).toBe('TEST')
    })

    it('takes a null body as no body, as the origin’s optional body does', async () => {
      const jobId = await createJob(server.store)
      const started = await startRun(jobId, null)
      expect(started).toMatchObject({ job_id: jobId, status: 'started', environment: null })
    })

    it('refuses an environment that is not DEV, TEST or PROD with 422 at body.environment', async () => {
      const jobId = await createJob(server.store)
      const response = await server.http(`/execution/${jobId}`, { method: 'POST', json: { environment: 'STAGING' } })
      expect(response.status).toBe(422)
      const body = (await response.json()) as { detail: Array<{ loc: unknown[] }> }
      expect(body.detail.map((issue) => issue.loc)).toEqual([['body', 'environment']])
      expect((await server.store.executions.list({ where: { column: 'job_id', operator: '==', value: jobId } })).items).toEqual([])
    })

    it('answers 404 JOB_NOT_FOUND for an unknown job id, a malformed one too', async () => {
      for (const missing of [uuidv7(), 'no-such-job']) {
        const response = await server.http(`/execution/${missing}`, { method: 'POST' })
        expect(response.status).toBe(404)
        const body = (await response.json()) as { detail: { code: string; message: string; context: unknown } }
        expect(body.detail.code).toBe('JOB_NOT_FOUND')
        expect(body.detail.message.toLowerCase()).toContain('not found')
        expect(body.detail.context).toEqual({ job_id: missing })
      }
    })

    it('lists a succeeded run under status SUCCESS, with one successful attempt in detail and attempts', async () => {
      const jobId = await createJob(server.store)
      const executionId = String((await startRun(jobId)).execution_id)
      await work(executionId, ['SUCCEEDED'])

      const rows = await listed({ status: 'SUCCESS' })
      const row = rows.find((candidate) => candidate.id === executionId)
      expect(row).toEqual({
        id: executionId,
        job_id: jobId,
        environment: null,
        status: 'SUCCESS',
        error: null,
        started_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        finished_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      })
      expect(rows.every((candidate) => candidate.status === 'SUCCESS')).toBe(true)

      const detail = await server.http(`/execution/executions/${executionId}`)
      expect(detail.status).toBe(200)
      const body = (await detail.json()) as { execution: { id: string }; attempts: Array<Record<string, unknown>> }
      expect(body.execution.id).toBe(executionId)
      expect(body.attempts).toHaveLength(1)
      expect(body.attempts[0]).toMatchObject({ execution_id: executionId, attempt_index: 1, status: 'SUCCESS', error: null })

      const attempts = await server.http(`/execution/executions/${executionId}/attempts`)
      expect(attempts.status).toBe(200)
      expect(await attempts.json()).toEqual(body.attempts)
    })

    it('shows a failed run with its error text and a failed attempt; unknown executions are 404', async () => {
      const jobId = await createJob(server.store)
      const executionId = String((await startRun(jobId)).execution_id)
      await work(executionId, ['FAILED'])

      const rows = await listed({ status: 'FAILED' })
      expect(rows.some((row) => row.id === executionId && row.status === 'FAILED')).toBe(true)

      const detail = (await (await server.http(`/execution/executions/${executionId}`)).json()) as {
        execution: { status: string; error: string }
        attempts: Array<{ status: string; error: string }>
      }
      expect(detail.execution).toMatchObject({ status: 'FAILED', error: 'boom in attempt 1' })
      expect(detail.attempts).toEqual([expect.objectContaining({ status: 'FAILED', error: 'boom in attempt 1' })])

      for (const path of ['/execution/executions/does-not-exist', '/execution/executions/does-not-exist/attempts', `/execution/executions/${uuidv7()}`]) {
        const response = await server.http(path)
        expect(response.status).toBe(404)
        const body = (await response.json()) as { detail: { code: string; message: string } }
        expect(body.detail).toMatchObject({ code: 'EXECUTION_NOT_FOUND', message: 'Execution not found' })
      }
    })

    it('keeps a retried run’s attempts in order and finds it with the origin’s time filters', async () => {
      const jobId = await createJob(server.store, 1)
      const executionId = String((await startRun(jobId)).execution_id)
      await work(executionId, ['FAILED', 'SUCCEEDED'])

      const rows = await listed({
        status: 'SUCCESS',
        started_after: '2000-01-01T00:00:00',
        started_before: '2100-01-01T00:00:00',
        sort_by: 'started_at',
        order: 'desc',
        limit: '50',
        offset: '0',
      })
      expect(rows.some((row) => row.id === executionId)).toBe(true)
      expect(await listed({ job_id: jobId, started_before: '2000-01-01T00:00:00Z' })).toEqual([])

      const detail = (await (await server.http(`/execution/executions/${executionId}`)).json()) as {
        attempts: Array<{ status: string; attempt_index: number }>
      }
      expect(detail.attempts.map((attempt) => attempt.status)).toEqual(['FAILED', 'SUCCESS'])
      expect(detail.attempts.map((attempt) => attempt.attempt_index)).toEqual([1, 2])
    })

    it('filters by job and environment, sorts both ways and pages without overlap', async () => {
      const jobId = await createJob(server.store)
      const ids: string[] = []
      for (const environment of ['DEV', 'PROD', 'DEV']) ids.push(String((await startRun(jobId, { environment })).execution_id))

      const newestFirst = await listed({ job_id: jobId })
      expect(newestFirst.map((row) => row.id)).toEqual([...ids].reverse())
      expect(newestFirst.every((row) => row.status === 'QUEUED')).toBe(true)
      expect((await listed({ job_id: jobId, order: 'asc' })).map((row) => row.id)).toEqual(ids)
      expect((await listed({ job_id: jobId, environment: 'PROD' })).map((row) => row.id)).toEqual([ids[1]])
      expect((await listed({ job_id: jobId, status: 'QUEUED' })).map((row) => row.id)).toHaveLength(3)

      const first = await listed({ job_id: jobId, order: 'asc', limit: '2', offset: '0' })
      const second = await listed({ job_id: jobId, order: 'asc', limit: '2', offset: '2' })
      expect([...first, ...second].map((row) => row.id)).toEqual(ids)

      await work(String(ids[0]), ['SUCCEEDED'])
      const byStatus = await listed({ job_id: jobId, sort_by: 'status', order: 'asc' })
      expect(byStatus.map((row) => row.status)).toEqual(['QUEUED', 'QUEUED', 'SUCCESS'])
      const byFinish = await listed({ job_id: jobId, sort_by: 'finished_at', order: 'desc' })
      expect(byFinish).toHaveLength(3)
    })

    it('finds nothing for a status neither vocabulary knows or a job id that is no UUID, as the origin does', async () => {
      const jobId = await createJob(server.store)
      await startRun(jobId)
      expect(await listed({ job_id: jobId, status: 'EXPLODED' })).toEqual([])
      expect(await listed({ job_id: 'not-a-job' })).toEqual([])
      expect(await listed({ job_id: jobId })).toHaveLength(1)
    })

    it('refuses bad paging and sorting with 422 and the query path', async () => {
      const cases: Array<[Record<string, string>, unknown[]]> = [
        [{ limit: '0' }, ['query', 'limit']],
        [{ limit: '201' }, ['query', 'limit']],
        [{ offset: '-1' }, ['query', 'offset']],
        [{ sort_by: 'name' }, ['query', 'sort_by']],
        [{ order: 'up' }, ['query', 'order']],
        [{ started_after: 'yesterday' }, ['query', 'started_after']],
      ]
      for (const [query, loc] of cases) {
        const response = await server.http(`/execution/executions?${new URLSearchParams(query)}`)
        expect(response.status, JSON.stringify(query)).toBe(422)
        const body = (await response.json()) as { detail: Array<{ loc: unknown[] }> }
        expect(body.detail.map((issue) => issue.loc)).toContainEqual(loc)
      }
    })
  },
  ['sqlite', 'postgres', 'mysql'],
)
