import { appendFileSync } from 'node:fs'
import fc from 'fast-check'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEngines } from './helpers/engines.js'
import { startTestServer, type TestServer } from './helpers/http-server.js'
import { writeKeyFile } from './helpers/secret-store.js'
import { fillPath, nested, parametersOf, problemsOf, routesOfTree, sendAll, type FuzzRequest, type RouteEntry } from './helpers/server-fuzz-requests.js'

/** Stored secrets: no answer but the reveal route may ever show them. */
const PASSWORD = 'fuzz-password-Z9q'
const SECURE_VALUE = 'fuzz-secure-value-Q7x'

const JSON_TYPE = { 'content-type': 'application/json' }
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** Path segments no route should choke on (percent-encoded where a URL needs it). */
const BAD_SEGMENTS = [
  'not-a-uuid',
  'x'.repeat(4000),
  encodeURIComponent('ünïcödé-💥-名前'),
  '..',
  '%2e%2e',
  '%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
  '%00',
  '%ZZ',
  encodeURIComponent("' OR 1=1 --"),
  '-1',
  '1e400',
  '99999999999999999999999',
  '0190a0a0-0000-7000-8000-000000000000',
  encodeURIComponent('{"column":"id"}'),
  '%20',
]

/** Query values for every documented parameter, and a few keys nobody declares. */
const BAD_QUERY_VALUES = [
  '',
  'abc',
  '-1',
  '0',
  '1.5',
  '1e400',
  '99999999999999999999',
  '[',
  '{"column":',
  'null',
  'true',
  'x'.repeat(4000),
  'ü💥',
  '\u0000',
  '%00',
  nested('object', 200),
  JSON.stringify({ column: 'name', operator: '==', value: '\u0000' }),
  JSON.stringify({ column: 'id', operator: 'in', value: Array.from({ length: 300 }, (_, i) => i) }),
  JSON.stringify({ logical_operator: 'OR', rules: [] }),
]

/** A value of every JSON type, for every body field. */
const WRONG_VALUES: readonly unknown[] = [
  null,
  0,
  -1,
  1.5,
  1e308,
  '',
  'x'.repeat(20_000),
  'ü💥\u0000',
  true,
  [],
  {},
  [[[]]],
  { $ref: '#' },
  '2026-13-45T99:99:99Z',
]

/** Bodies Fastify or the store must turn into a 4xx, whatever the route. */
const RAW_BODIES: ReadonlyArray<{ label: string; headers?: Record<string, string>; body: string | Uint8Array }> = [
  { label: 'malformed JSON', headers: JSON_TYPE, body: '{"name": ' },
  { label: 'truncated array', headers: JSON_TYPE, body: '[1, 2' },
  { label: 'NUL byte', headers: JSON_TYPE, body: '\u0000' },
  { label: 'proto pollution', headers: JSON_TYPE, body: '{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}' },
  { label: 'empty JSON body', headers: JSON_TYPE, body: '' },
  { label: 'JSON null', headers: JSON_TYPE, body: 'null' },
  { label: 'JSON number', headers: JSON_TYPE, body: '42' },
  { label: 'JSON string', headers: JSON_TYPE, body: '"text"' },
  { label: 'JSON array', headers: JSON_TYPE, body: '[1, "a", null]' },
  { label: 'text/plain', headers: { 'content-type': 'text/plain' }, body: 'hello' },
  { label: 'xml', headers: { 'content-type': 'application/xml' }, body: '<job/>' },
  { label: 'form', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=a&b=c' },
  { label: 'multipart', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x\r\n\r\n--x--' },
  { label: 'utf-16 JSON', headers: { 'content-type': 'application/json; charset=utf-16' }, body: '{}' },
  { label: 'no content type', body: new TextEncoder().encode('{"a":1}') },
  { label: 'deep array 5k', headers: JSON_TYPE, body: nested('array', 5_000) },
  { label: 'deep object 5k', headers: JSON_TYPE, body: nested('object', 5_000) },
  { label: 'deep array 100k', headers: JSON_TYPE, body: nested('array', 100_000) },
  { label: 'wide object', headers: JSON_TYPE, body: JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]))) },
  { label: 'long array', headers: JSON_TYPE, body: JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ name: `n${i}` }))) },
  { label: 'long string', headers: JSON_TYPE, body: JSON.stringify({ name: 'x'.repeat(500_000), message: 'x'.repeat(500_000) }) },
]

const AUTHORIZATION_VALUES = [
  'Bearer',
  'Bearer ',
  'Basic dXNlcjpwYXNz',
  'Bearer a b',
  `Bearer ${'x'.repeat(6000)}`,
  'bearer unknown-token',
  'Bearer \u00ff\u00fe',
  'Token abc',
  'Bearer\t\tabc',
]
const ODD_HEADERS: ReadonlyArray<Record<string, string>> = [
  { cookie: 'etlp_token=%E0%A4%A' },
  { cookie: 'etlp_token=' },
  { cookie: `etlp_token=${'y'.repeat(6000)}` },
  { accept: 'application/xml' },
  { 'content-type': 'application/json' },
  { 'x-forwarded-for': 'not-an-ip, ::::' },
  { range: 'bytes=999999999-' },
  { 'if-none-match': '"' },
  { 'accept-encoding': 'br;q=abc' },
]

interface Seeded {
  readonly values: Readonly<Record<string, string>>
}

describeEngines(
  'HTTP route fuzzing',
  (target) => {
    let server: TestServer
    let routes: RouteEntry[]
    let document: {
      paths: Record<
        string,
        Record<string, { parameters?: Array<{ name: string; in: string }>; requestBody?: { content?: Record<string, { schema?: unknown }> } }>
      >
      components: { schemas: Record<string, unknown> }
    }
    let seeded: Seeded
    const problems: string[] = []

    /** Sends the requests and keeps every problem for the report at the end of each test. */
    const check = async (requests: readonly FuzzRequest[]): Promise<number> => {
      const outcomes = await sendAll(server.url, requests)
      for (const outcome of outcomes) {
        const revealing = outcome.request.path.endsWith('/reveal') && outcome.status === 200
        problems.push(...problemsOf(outcome, revealing ? [] : [PASSWORD, SECURE_VALUE]))
      }
      return outcomes.length
    }
    const expectNoProblems = () => {
      const found = problems.splice(0)
      if (process.env.ETLP_FUZZ_REPORT) appendFileSync(process.env.ETLP_FUZZ_REPORT, found.map((line) => `${line}\n`).join(''))
      expect(found, found.slice(0, 20).join('\n')).toEqual([])
    }

    beforeAll(async () => {
      server = await startTestServer(target(), {}, { security: { master_key_file: writeKeyFile(target().dir).path } })
      seeded = await seed(server)
      routes = routesOfTree(server.server.app.printRoutes({ commonPrefix: false }))
      document = (await (await server.http('/openapi.json')).json()) as typeof document
    })
    afterAll(async () => {
      await server?.server.close()
    })

    /** A path with every parameter at a value that exists (a seeded id), so the input reaches the store. */
    const validPath = (route: RouteEntry) => fillPath(route.path, valuesFor(route.path, seeded))

    it('finds the routes of every part of the server', () => {
      const paths = new Set(routes.map((route) => route.path))
      for (const path of ['/health', '/openapi.json', '/api/v1/jobs', '/api/v1/executions/:id', '/api/v1/models/:model/records/:key'])
        expect(paths, path).toContain(path)
      expect(routes.length).toBeGreaterThan(60)
    })

    it('answers malformed JSON, wrong content types, and huge or deeply nested bodies with a typed 4xx', async () => {
      const requests = routes
        .filter((route) => WITH_BODY.has(route.method))
        .flatMap((route) =>
          RAW_BODIES.map(({ label, headers, body }) => ({ method: route.method, path: validPath(route), label, body, ...(headers ? { headers } : {}) })),
        )
      // A body over the limit (10 MiB) on a few routes: Fastify refuses it before any handler.
      const huge = JSON.stringify({ name: 'x'.repeat(11 * 1024 * 1024) })
      for (const path of ['/api/v1/jobs', '/jobs/', '/api/v1/executions/query'])
        requests.push({ method: 'POST', path, headers: JSON_TYPE, body: huge, label: 'over the body limit' })
      expect(await check(requests)).toBeGreaterThan(500)
      expectNoProblems()
    })

    it('answers bad path parameters on every route without a server error', async () => {
      const requests: FuzzRequest[] = []
      for (const route of routes) {
        const names = parametersOf(route.path)
        for (const name of names) {
          for (const segment of BAD_SEGMENTS) {
            const values = { ...valuesFor(route.path, seeded), [name]: segment }
            requests.push({
              method: route.method,
              path: fillPath(route.path, values),
              label: `${name}=${segment.slice(0, 40)}`,
              ...(WITH_BODY.has(route.method) ? { headers: JSON_TYPE, body: '{}' } : {}),
            })
          }
        }
        // Arbitrary text in every parameter (fast-check, a fixed seed so a failure replays).
        for (const text of fc.sample(fc.string({ unit: 'grapheme', maxLength: 60 }), { numRuns: names.length > 0 ? 12 : 0, seed: 19 })) {
          const values = Object.fromEntries(names.map((name) => [name, encodeURIComponent(text) || 'x']))
          requests.push({
            method: route.method,
            path: fillPath(route.path, values),
            label: `params=${JSON.stringify(text).slice(0, 40)}`,
            ...(WITH_BODY.has(route.method) ? { headers: JSON_TYPE, body: '{}' } : {}),
          })
        }
      }
      expect(await check(requests)).toBeGreaterThan(500)
      expectNoProblems()
    })

    it('answers bad query strings on every route without a server error', async () => {
      const requests: FuzzRequest[] = []
      for (const route of routes) {
        const declared = (operationOf(document, route)?.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name)
        const names = [...new Set([...declared, 'limit', 'where', 'zzz_unknown'])]
        const base = validPath(route)
        const body = WITH_BODY.has(route.method) ? { headers: JSON_TYPE, body: '{}' } : {}
        for (const name of names) {
          for (const value of BAD_QUERY_VALUES)
            requests.push({ method: route.method, path: `${base}?${name}=${encodeURIComponent(value)}`, label: `${name}=${value.slice(0, 30)}`, ...body })
          requests.push({ method: route.method, path: `${base}?${name}=1&${name}=2`, label: `${name} twice`, ...body })
        }
        requests.push({ method: route.method, path: `${base}?%ZZ=1&=&&`, label: 'broken query string', ...body })
        for (const query of fc.sample(fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 40 }), { maxKeys: 4 }), { numRuns: 6, seed: 19 })) {
          requests.push({ method: route.method, path: `${base}?${new URLSearchParams(query)}`, label: `query=${JSON.stringify(query).slice(0, 40)}`, ...body })
        }
      }
      expect(await check(requests)).toBeGreaterThan(1000)
      expectNoProblems()
    })

    it('answers a wrong type in every documented body field, and arbitrary JSON bodies, without a server error', async () => {
      const requests: FuzzRequest[] = []
      for (const route of routes.filter((entry) => WITH_BODY.has(entry.method))) {
        const path = validPath(route)
        const shape = bodyShapeOf(document, route)
        const wrap = (value: unknown) => (shape.array ? [value] : value)
        for (const field of [...shape.fields, 'zzz_unknown']) {
          for (const value of WRONG_VALUES)
            requests.push({
              method: route.method,
              path,
              headers: JSON_TYPE,
              body: JSON.stringify(wrap({ [field]: value })),
              label: `${field}=${JSON.stringify(value).slice(0, 30)}`,
            })
        }
        for (const value of fc.sample(fc.jsonValue({ maxDepth: 4 }), { numRuns: 15, seed: 19 })) {
          requests.push({ method: route.method, path, headers: JSON_TYPE, body: JSON.stringify(value), label: `json=${JSON.stringify(value).slice(0, 40)}` })
        }
        // Objects with the documented field names and arbitrary values.
        if (shape.fields.length > 0) {
          const record = fc.dictionary(fc.constantFrom(...shape.fields), fc.jsonValue({ maxDepth: 2 }), { maxKeys: shape.fields.length })
          for (const value of fc.sample(record, { numRuns: 15, seed: 19 })) {
            requests.push({
              method: route.method,
              path,
              headers: JSON_TYPE,
              body: JSON.stringify(wrap(value)),
              label: `fields=${JSON.stringify(value).slice(0, 40)}`,
            })
          }
        }
      }
      // Filters at the engines' limits: a list of 70,000 values passes every parameter limit.
      const manyValues = { where: { column: 'name', operator: 'in', value: Array.from({ length: 70_000 }, (_, i) => `v${i}`) } }
      let deepRule: unknown = { column: 'name', operator: '==', value: 'x' }
      for (let depth = 0; depth < 300; depth++) deepRule = { logical_operator: 'NOT', rules: [deepRule] }
      const deepFilter = { where: deepRule }
      for (const body of [manyValues, deepFilter]) {
        for (const path of ['/api/v1/jobs/query', '/api/v1/executions/query', '/api/v1/audit/query'])
          requests.push({ method: 'POST', path, headers: JSON_TYPE, body: JSON.stringify(body), label: 'filter at the limits' })
      }
      expect(await check(requests)).toBeGreaterThan(1000)
      expectNoProblems()
    })

    it('answers bad Authorization and odd headers with a typed 401 or 4xx', async () => {
      const guarded = await startTestServer(target(), { anonymous: undefined })
      try {
        const requests: FuzzRequest[] = []
        for (const route of routes) {
          const path = validPath(route)
          const body = WITH_BODY.has(route.method) ? { body: '{}' } : {}
          for (const authorization of AUTHORIZATION_VALUES)
            requests.push({
              method: route.method,
              path,
              headers: { ...JSON_TYPE, authorization },
              label: `authorization=${authorization.slice(0, 30)}`,
              ...body,
            })
          for (const headers of ODD_HEADERS)
            requests.push({ method: route.method, path, headers, label: `headers=${JSON.stringify(headers).slice(0, 40)}`, ...body })
        }
        const outcomes = await sendAll(guarded.url, requests)
        for (const outcome of outcomes) problems.push(...problemsOf(outcome, [PASSWORD, SECURE_VALUE]))
        // Without a token only the public pages answer: everything under /api/v1 is a 401.
        const apiAnswers = outcomes.filter((outcome) => outcome.request.path.startsWith('/api/v1') && outcome.request.label.startsWith('authorization'))
        expect(apiAnswers.length).toBeGreaterThan(100)
        expect(
          apiAnswers.filter((outcome) => outcome.status !== 401).map((outcome) => `${outcome.request.method} ${outcome.request.path} → ${outcome.status}`),
        ).toEqual([])
        expectNoProblems()
      } finally {
        await guarded.server.close()
      }
    })
  },
  ['sqlite', 'postgres'],
)

/** One of each thing a route can name, with secrets in it, so fuzzed input reaches real rows. */
async function seed(server: TestServer): Promise<Seeded> {
  const post = async (path: string, json: unknown, method = 'POST') => {
    const response = await server.http(path, { method, json })
    const body = await response.json()
    if (response.status >= 300) throw new Error(`seeding ${path} failed: ${response.status} ${JSON.stringify(body)}`)
    return body as Record<string, any>
  }
  const job = await post('/api/v1/jobs', {
    name: 'fuzz_job',
    components: [
      { comp_type: 'read_csv', name: 'read', filepath: 'in.csv', routes: { out: ['write'] } },
      { comp_type: 'write_csv', name: 'write', filepath: 'out.csv' },
    ],
  })
  const execution = await post('/api/v1/executions', { jobId: job.id, environment: 'DEV' })
  const attempt = await post(`/api/v1/executions/${execution.id}/attempts`, { workerId: 'fuzzer', leaseMs: 600_000 })
  const credential = await post('/api/v1/credentials', { name: 'fuzz_credential', user: 'etl', password: PASSWORD })
  const context = await post(
    '/api/v1/contexts',
    { name: 'fuzz_context', environment: 'DEV', parameters: { token: { value: SECURE_VALUE, is_secure: true } }, credentials: { DEV: credential.id } },
    'PUT',
  )
  const schedule = await post('/api/v1/schedules', { name: 'fuzz_schedule', job_id: job.id, trigger: { interval: { hours: 1 } } })
  await post('/api/v1/models/apply', {
    models: {
      fuzz_note: {
        table_name: 'fuzz_notes',
        fields: [
          { name: 'id', type: 'integer', primary_key: true },
          { name: 'body', type: 'string', max_length: 100 },
        ],
      },
    },
  })
  const record = await post('/api/v1/models/fuzz_note/records', { body: 'seeded' })
  return {
    values: {
      job: job.id,
      execution: execution.id,
      attempt: attempt.id,
      credential: credential.id,
      context: context.id,
      schedule: schedule.id,
      model: 'fuzz_note',
      key: String(record.id),
      comp_type: 'read_csv',
      version: '1',
      state_key: 'watermark',
    },
  }
}

/** Which seeded value a parameter of this path stands for (by the path's resource and the parameter's name). */
function valuesFor(path: string, seeded: Seeded): Record<string, string> {
  const { values } = seeded
  const resource = (['attempt', 'execution', 'credential', 'context', 'schedule', 'job', 'run'] as const).find((name) => path.includes(`/${name}`))
  const byResource: Record<string, string | undefined> = {
    attempt: values.attempt,
    execution: values.execution,
    run: values.execution,
    credential: values.credential,
    context: values.context,
    schedule: values.schedule,
    job: values.job,
  }
  const id = (resource && byResource[resource]) ?? values.job!
  return {
    id,
    id_or_name: id,
    job_id: values.job!,
    execution_id: values.execution!,
    schedule_id: values.schedule!,
    name: 'fuzz_job',
    model: values.model!,
    key: path.includes('/state/') ? values.state_key! : values.key!,
    version: values.version!,
    comp_type: values.comp_type!,
    '*': 'index.html',
  }
}

type Operation = { parameters?: Array<{ name: string; in: string }>; requestBody?: { content?: Record<string, { schema?: unknown }> } }

/** The document's entry for a route, if it documents it. */
function operationOf(document: { paths: Record<string, Record<string, Operation>> }, route: RouteEntry): Operation | undefined {
  const path = route.path.replace(/:([\w-]+)/g, '{$1}')
  return document.paths[path]?.[route.method.toLowerCase()]
}

/** The documented body's field names, and whether it is an array of such objects. */
function bodyShapeOf(
  document: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } },
  route: RouteEntry,
): { fields: string[]; array: boolean } {
  const resolve = (schema: unknown): Record<string, unknown> => {
    const ref = (schema as { $ref?: string } | undefined)?.$ref
    if (ref) return resolve(document.components.schemas[ref.replace('#/components/schemas/', '')])
    const options = (schema as { anyOf?: unknown[] } | undefined)?.anyOf
    if (options) return resolve(options.find((option) => (option as { type?: unknown }).type !== 'null'))
    return (schema ?? {}) as Record<string, unknown>
  }
  const schema = resolve(operationOf(document, route)?.requestBody?.content?.['application/json']?.schema)
  const array = schema.type === 'array'
  const object = array ? resolve(schema.items) : schema
  return { fields: Object.keys((object.properties as Record<string, unknown> | undefined) ?? {}), array }
}
