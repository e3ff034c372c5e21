import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { z } from 'zod'
import { NotFoundError } from '../src/errors.js'
import { registerComponentType } from '../src/schema/builtin-component-types.js'
import { describeEngines } from './helpers/engines.js'
import { startTestServer, type TestServer } from './helpers/http-server.js'
import { originFixture, originFixtureNames, type JobJson } from './helpers/origin-fixtures.js'

// The origin's /jobs routes (etl-core api/routers/jobs.py) over real HTTP: the scenarios
// of its tests/endpoints/job_endpoints_test and tests/api/test_jobs_router.py.

// The origin's tests wire its hidden stub type `test` (in and out, neither required);
// this is the same stub, registered as a user registers a type.
registerComponentType({ comp_type: 'relay', inputs: [{ name: 'in' }], outputs: [{ name: 'out' }], payload: z.object({}) })

const rowSchema = { fields: [{ name: 'id', data_type: 'integer', nullable: false }] }

function relay(name: string, routes: Record<string, unknown[]> = { out: [] }): JobJson {
  return { comp_type: 'relay', name, description: '', routes, in_port_schemas: { in: rowSchema }, out_port_schemas: { out: rowSchema } }
}

/** The origin's two-node graph: a → b, or b → a. */
function twoNodes(aToB: boolean): JobJson {
  return {
    name: 'two_nodes',
    num_of_retries: 0,
    file_logging: false,
    strategy_type: 'row',
    metadata_: { user_id: 1, timestamp: '2023-10-01T00:00:00' },
    components: aToB ? [relay('a', { out: ['b'] }), relay('b')] : [relay('a'), relay('b', { out: ['a'] })],
  }
}

const ORIGIN_GIT_DIR = process.env.ORIGIN_GIT_DIR ?? '/work/.mirror/bidiac-de+etl-core/repo'

/** The origin's own job files, read from a fetched copy of it (none where there is no copy). */
function originRepositoryJobFiles(): { path: string; config: JobJson }[] {
  if (!existsSync(ORIGIN_GIT_DIR)) return []
  const git = (...args: string[]) => execFileSync('git', ['-C', ORIGIN_GIT_DIR, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  return git('ls-tree', '-r', '--name-only', 'HEAD')
    .split('\n')
    .filter((path) => /^(tests\/combinations_jobs\/.*\.json|cli_examples_mongo\/job_mongo_test\.json)$/.test(path))
    .map((path) => ({ path, config: JSON.parse(git('show', `HEAD:${path}`)) as JobJson }))
}

/** What GET answers for a saved file: the file, the job fields the origin always dumps, this store's id. */
function expectedBody(file: JobJson, id: string): JobJson {
  const { id: _originId, ...rest } = file
  return { name: 'default_job_name', num_of_retries: 0, file_logging: false, strategy_type: 'row', ...rest, components: file.components ?? [], id }
}

describeEngines(
  'origin /jobs routes',
  (target) => {
    let server: TestServer

    beforeAll(async () => {
      server = await startTestServer(target())
    })
    afterAll(async () => {
      await server.server.close()
    })

    const post = async (config: unknown) => server.http('/jobs/', { method: 'POST', json: config })
    const created = async (config: unknown): Promise<string> => {
      const response = await post(config)
      expect(response.status).toBe(200)
      return (await response.json()) as string
    }
    const getJob = async (id: string) => (await server.http(`/jobs/${id}`)).json() as Promise<JobJson>
    const linkPairs = async (id: string) => {
      const job = await server.store.jobs.get(id, { include: { links: true } })
      return (job.links ?? []).map((link) => `${link.src}→${link.dst}`).sort()
    }

    // First in the file: the database is still empty.
    it('lists no jobs before any is created', async () => {
      const response = await server.http('/jobs/')
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual([])
    })

    it('creates a job with components and answers its id as a JSON string', async () => {
      const response = await post({
        name: 'test_job',
        num_of_retries: 2,
        file_logging: true,
        strategy_type: 'row',
        metadata_: { user_id: 42, timestamp: '2023-10-01T12:00:00' },
        components: [relay('test1'), relay('test2')],
      })
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      const id = JSON.parse(await response.text()) as unknown
      expect(typeof id).toBe('string')
      const job = await server.store.jobs.get(id as string, { include: { components: true } })
      expect(job).toMatchObject({ name: 'test_job', num_of_retries: 2, file_logging: true, strategy_type: 'row' })
      expect(job.components?.map((component) => component.name)).toEqual(['test1', 'test2'])
      expect((await server.store.jobs.export(id as string)).metadata_).toEqual({ user_id: 42, timestamp: '2023-10-01T12:00:00' })
    })

    it("creates the origin's default job from an empty body", async () => {
      const id = await created({})
      expect((await server.store.jobs.get(id)).name).toBe('default_job_name')
    })

    it("answers GET /jobs/{id} with the origin's job fields, components and id", async () => {
      const id = await created({})
      const response = await server.http(`/jobs/${id}`)
      expect(response.status).toBe(200)
      const body = (await response.json()) as JobJson
      expect(body).toMatchObject({ id, name: 'default_job_name', num_of_retries: 0, file_logging: false, strategy_type: 'row', components: [] })
      // Made without metadata_: the origin's default, the creation time.
      const { created_at } = await server.store.jobs.get(id)
      expect(body.metadata_).toEqual({ timestamp: created_at.toISOString() })
    })

    it("answers a saved job file as `etlp jobs export` writes it, with this store's id", async () => {
      for (const file of originFixtureNames()) {
        const config = originFixture(file)
        const id = await created(config)
        expect(await getJob(id), file).toEqual({ ...expectedBody(config, id), ...(config.metadata_ ? {} : { metadata_: (await getJob(id)).metadata_ }) })
        expect((await getJob(id)).id, file).not.toBe(config.id)
      }
    })

    it('writes a job read with GET back with PUT unchanged', async () => {
      const id = await created(originFixture('origin-api-output.json'))
      const read = await getJob(id)
      const response = await server.http(`/jobs/${id}`, { method: 'PUT', json: read })
      expect(response.status).toBe(200)
      expect(await getJob(id)).toEqual(read)
    })

    it.skipIf(!existsSync(ORIGIN_GIT_DIR))('saves and answers every job file of the origin', async () => {
      const files = originRepositoryJobFiles()
      expect(files.length).toBeGreaterThan(40)
      for (const { path, config } of files) {
        const response = await post(config)
        expect(response.status, `${path}: ${response.status === 200 ? '' : await response.text()}`).toBe(200)
        const id = (await response.json()) as string
        const body = await getJob(id)
        expect(body, path).toEqual({ ...expectedBody(config, id), metadata_: config.metadata_ ?? body.metadata_ })
      }
    })

    it('lists jobs oldest first without components, with their metadata_', async () => {
      const first = await created({ name: 'listed_first', components: [relay('a')] })
      const second = await created({ name: 'listed_second' })
      const response = await server.http('/jobs')
      expect(response.status).toBe(200)
      const items = (await response.json()) as JobJson[]
      const ids = items.map((item) => item.id)
      expect(ids.indexOf(first)).toBeLessThan(ids.indexOf(second))
      expect(ids).toHaveLength(new Set(ids).size)
      for (const item of items) {
        expect(item).not.toHaveProperty('components')
        expect(Object.keys(item).sort()).toEqual(['file_logging', 'id', 'metadata_', 'name', 'num_of_retries', 'strategy_type'])
        expect(item.metadata_.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/)
      }
      expect(items.find((item) => item.id === first)).toMatchObject({ name: 'listed_first', num_of_retries: 0, file_logging: false, strategy_type: 'row' })
    })

    it('answers 404 JOB_NOT_FOUND for an unknown job on GET, PUT and DELETE', async () => {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const response = await server.http('/jobs/nonexistent', method === 'PUT' ? { method, json: { name: 'x' } } : { method })
        expect(response.status, method).toBe(404)
        const body = (await response.json()) as JobJson
        expect(body.detail, method).toMatchObject({ code: 'JOB_NOT_FOUND', message: "Job with id 'nonexistent' not found" })
        expect(body.persistence_error.error_type, method).toBe('not_found')
      }
      const put = (await (await server.http('/jobs/nonexistent', { method: 'PUT', json: { name: 'x' } })).json()) as JobJson
      expect(put.detail.context).toEqual({ job_id: 'nonexistent' })
    })

    it("replaces a job's config with PUT, answering its id, and every read shows the change", async () => {
      const id = await created({})
      expect((await getJob(id)).name).toBe('default_job_name')
      const listedBefore = ((await (await server.http('/jobs/')).json()) as JobJson[]).find((item) => item.id === id)
      expect(listedBefore?.name).toBe('default_job_name')

      const response = await server.http(`/jobs/${id}/`, { method: 'PUT', json: { name: 'updated_name' } })
      expect(response.status).toBe(200)
      expect(await response.json()).toBe(id)
      expect((await server.store.jobs.get(id)).name).toBe('updated_name')
      expect((await getJob(id)).name).toBe('updated_name')
      const listedAfter = ((await (await server.http('/jobs/')).json()) as JobJson[]).find((item) => item.id === id)
      expect(listedAfter?.name).toBe('updated_name')
    })

    it('rewires the links on PUT: replaced, not appended', async () => {
      const id = await created(twoNodes(true))
      expect(await linkPairs(id)).toEqual(['a→b'])
      expect((await server.http(`/jobs/${id}`, { method: 'PUT', json: twoNodes(false) })).status).toBe(200)
      expect(await linkPairs(id)).toEqual(['b→a'])
    })

    it("refuses an invalid config on PUT with FastAPI's 422 list and the value's path", async () => {
      const id = await created({})
      const response = await server.http(`/jobs/${id}`, { method: 'PUT', json: { name: '' } })
      expect(response.status).toBe(422)
      const body = (await response.json()) as JobJson
      expect(Array.isArray(body.detail)).toBe(true)
      expect(body.detail).toContainEqual(expect.objectContaining({ loc: ['body', 'name'], msg: expect.stringMatching(/may not be empty/) }))
      expect(body.persistence_error.issues).toContainEqual(expect.objectContaining({ path: 'name' }))
      expect((await server.store.jobs.get(id)).current_version).toBe(1)
    })

    it("saves a component's own fields as its payload", async () => {
      const id = await created({
        name: 'payload_job',
        components: [
          { comp_type: 'read_csv', name: 'src', description: '', filepath: 'in.csv', separator: ';', routes: { out: ['sink'] } },
          { comp_type: 'write_csv', name: 'sink', filepath: 'out.csv' },
        ],
      })
      const job = await server.store.jobs.get(id, { include: { components: true } })
      expect(job.components).toHaveLength(2)
      expect(job.components?.[0]?.payload).toMatchObject({ filepath: 'in.csv', separator: ';' })
      expect((await getJob(id)).components[0]).toMatchObject({ comp_type: 'read_csv', name: 'src', filepath: 'in.csv', separator: ';' })
    })

    it('deletes a job with its components, links and execution history', async () => {
      const id = await created(twoNodes(true))
      const execution = await server.store.executions.start({ jobId: id, environment: 'DEV' })
      const response = await server.http(`/jobs/${id}`, { method: 'DELETE' })
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ message: `Job '${id}' deleted successfully` })
      expect((await server.http(`/jobs/${id}`)).status).toBe(404)
      await expect(server.store.jobs.get(id)).rejects.toBeInstanceOf(NotFoundError)
      await expect(server.store.executions.get(execution.id)).rejects.toBeInstanceOf(NotFoundError)
      const { rows } = await server.store.jobs.list({ where: { column: 'id', operator: '==', value: id } }).then((page) => ({ rows: page.items }))
      expect(rows).toEqual([])
    })

    it("answers a database failure with the origin's DB_ERROR and the seed's report, never a bound value", async () => {
      // A store of its own (another table prefix) whose jobs table is renamed away under it.
      const broken = await startTestServer(target(), {}, { database: { table_prefix: 'broken_' } })
      try {
        const { db } = target().raw()
        await sql`ALTER TABLE ${sql.id('broken_jobs')} RENAME TO ${sql.id('broken_jobs_gone')}`.execute(db)
        const cases = [
          { method: 'GET', path: '/jobs/', message: 'Failed to list jobs.' },
          { method: 'GET', path: '/jobs/0190c7e2-0000-7000-8000-000000000000', message: 'Failed to load job.' },
          { method: 'POST', path: '/jobs/', json: { name: 'secret_name_7f3a' }, message: 'Database error while persisting a job.' },
          { method: 'DELETE', path: '/jobs/0190c7e2-0000-7000-8000-000000000000', message: 'Failed to delete job.' },
        ]
        for (const { method, path, json, message } of cases) {
          const response = await broken.http(path, { method, ...(json ? { json } : {}) })
          expect(response.status, `${method} ${path}`).toBe(500)
          const text = await response.text()
          expect(JSON.parse(text), `${method} ${path}`).toMatchObject({
            detail: { code: 'DB_ERROR', message },
            persistence_error: { error_type: 'query_error' },
          })
          expect(text).not.toContain('secret_name_7f3a')
          expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/)
        }
      } finally {
        await broken.server.close()
      }
    })
  },
  ['sqlite', 'postgres', 'mysql'],
)

describeEngines(
  'origin /jobs validation',
  (target) => {
    let server: TestServer

    beforeAll(async () => {
      server = await startTestServer(target())
    })
    afterAll(async () => {
      await server.server.close()
    })

    const refused = async (config: unknown) => {
      const response = await server.http('/jobs/', { method: 'POST', json: config })
      expect(response.status).toBe(422)
      const body = (await response.json()) as JobJson
      expect(Array.isArray(body.detail)).toBe(true)
      return body.detail as { type: string; loc: (string | number)[]; msg: string }[]
    }

    it('refuses an unknown component type with its path', async () => {
      const detail = await refused({ components: [{ comp_type: 'unknown', name: 'a', description: 'd' }] })
      expect(detail).toContainEqual(
        expect.objectContaining({ loc: ['body', 'components', 0, 'comp_type'], msg: expect.stringContaining('Unknown component type') }),
      )
    })

    it('refuses a negative number of retries', async () => {
      const detail = await refused({ num_of_retries: -1 })
      expect(detail).toContainEqual(expect.objectContaining({ loc: ['body', 'num_of_retries'] }))
    })

    it('refuses duplicate component names, at the second one', async () => {
      const detail = await refused({ components: [relay('dup'), relay('dup')] })
      expect(detail).toContainEqual(
        expect.objectContaining({ loc: ['body', 'components', 1, 'name'], msg: expect.stringMatching(/duplicate component name/i) }),
      )
    })

    it('refuses a route to an unknown component', async () => {
      const detail = await refused({ components: [relay('a', { out: ['ghost'] })] })
      expect(detail).toContainEqual(expect.objectContaining({ loc: ['body', 'components', 0, 'routes', 'out', 0] }))
    })

    it('refuses a body that is not a JSON object at `body`', async () => {
      const detail = await refused([{ name: 'x' }])
      expect(detail.map((issue) => issue.loc[0])).toEqual(['body'])
    })

    it('answers malformed JSON and an empty JSON body as FastAPI does: 422 at `body`', async () => {
      for (const [body, type] of [
        ['{"name": ', 'json_invalid'],
        ['', 'missing'],
      ]) {
        const response = await server.http('/jobs/', { method: 'POST', body, headers: { 'content-type': 'application/json' } })
        expect(response.status, JSON.stringify(body)).toBe(422)
        const answer = (await response.json()) as JobJson
        expect(answer.detail, JSON.stringify(body)).toEqual([expect.objectContaining({ type, loc: ['body'] })])
        expect(answer.persistence_error.error_type).toBe('validation_error')
      }
    })

    it('lets a viewer list jobs and answers its create with 403 ACCESS_DENIED', async () => {
      const viewer = await startTestServer(target(), { anonymous: { id: 'vera', roles: ['viewer'] } }, { access_control: { enabled: true, roles: {} } })
      try {
        expect((await viewer.http('/jobs/')).status).toBe(200)
        const response = await viewer.http('/jobs/', { method: 'POST', json: { name: 'not_allowed' } })
        expect(response.status).toBe(403)
        expect(((await response.json()) as JobJson).detail.code).toBe('ACCESS_DENIED')
      } finally {
        await viewer.server.close()
      }
    })
  },
  ['sqlite', 'postgres'],
)
