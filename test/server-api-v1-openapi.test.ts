import { Ajv2020 } from 'ajv/dist/2020.js'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEngines } from './helpers/engines.js'
import { startTestServer, type TestServer } from './helpers/http-server.js'

/** Every /api/v1 route, written out by hand: the document must hold each with its method. */
const API_V1_ROUTES: ReadonlyArray<readonly [string, string]> = [
  ['get', '/jobs'],
  ['post', '/jobs/query'],
  ['post', '/jobs'],
  ['get', '/jobs/by-name/{name}'],
  ['get', '/jobs/{id}'],
  ['put', '/jobs/{id}'],
  ['delete', '/jobs/{id}'],
  ['get', '/jobs/{id}/versions'],
  ['get', '/jobs/{id}/versions/{version}'],
  ['get', '/jobs/{id}/export'],
  ['get', '/jobs/{id}/state/{key}'],
  ['put', '/jobs/{id}/state/{key}'],
  ['get', '/executions'],
  ['post', '/executions/query'],
  ['post', '/executions'],
  ['get', '/executions/stats'],
  ['get', '/executions/{id}'],
  ['post', '/executions/{id}/finish'],
  ['post', '/executions/{id}/events'],
  ['post', '/executions/claim'],
  ['post', '/executions/{id}/attempts'],
  ['post', '/executions/{id}/heartbeat'],
  ['post', '/executions/reap'],
  ['post', '/executions/purge'],
  ['post', '/attempts/{id}/finish'],
  ['post', '/attempts/{id}/component-runs'],
  ['get', '/contexts'],
  ['post', '/contexts/query'],
  ['put', '/contexts'],
  ['get', '/contexts/{id_or_name}'],
  ['get', '/contexts/{id_or_name}/resolve'],
  ['delete', '/contexts/{id}'],
  ['get', '/credentials'],
  ['post', '/credentials/query'],
  ['post', '/credentials'],
  ['get', '/credentials/{id_or_name}'],
  ['patch', '/credentials/{id}'],
  ['delete', '/credentials/{id}'],
  ['post', '/credentials/{id}/reveal'],
  ['get', '/schedules'],
  ['post', '/schedules/query'],
  ['post', '/schedules'],
  ['post', '/schedules/due'],
  ['get', '/schedules/{id_or_name}'],
  ['patch', '/schedules/{id}'],
  ['delete', '/schedules/{id}'],
  ['post', '/schedules/{id}/pause'],
  ['post', '/schedules/{id}/resume'],
  ['get', '/audit'],
  ['post', '/audit/query'],
  ['get', '/audit/verify'],
  ['get', '/audit/head'],
  ['get', '/models'],
  ['post', '/models/plan'],
  ['post', '/models/apply'],
  ['get', '/models/{model}/records'],
  ['post', '/models/{model}/records/query'],
  ['post', '/models/{model}/records'],
  ['post', '/models/{model}/records/bulk'],
  ['post', '/models/{model}/records/upsert'],
  ['get', '/models/{model}/records/count'],
  ['get', '/models/{model}/records/{key}'],
  ['patch', '/models/{model}/records/{key}'],
  ['delete', '/models/{model}/records/{key}'],
  ['get', '/keys'],
  ['post', '/keys/rotate'],
]

type Operation = {
  security?: unknown[]
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>
  requestBody?: { content?: Record<string, { schema?: unknown }> }
  parameters?: Array<{ name: string; in: string; schema?: unknown }>
}
type OpenApiDocument = {
  openapi: string
  security: unknown[]
  paths: Record<string, Record<string, Operation>>
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> }
}

describeEngines(
  'OpenAPI document and /docs',
  (target) => {
    let server: TestServer
    let document: OpenApiDocument

    beforeAll(async () => {
      // No anonymous principal: only public routes answer without a token.
      server = await startTestServer(target(), { anonymous: undefined })
      const response = await server.http('/openapi.json')
      expect(response.status).toBe(200)
      document = (await response.json()) as OpenApiDocument
    })
    afterAll(async () => {
      await server?.server.close()
    })

    it('serves the document and the reference page without a token, while the API needs one', async () => {
      const refused = await server.http('/api/v1/jobs')
      expect(refused.status).toBe(401)
      expect(((await refused.json()) as { persistence_error: { error_type: string } }).persistence_error.error_type).toBe('unauthorized')
      const page = await server.http('/docs/')
      expect(page.status).toBe(200)
      const html = await page.text()
      expect(html).toContain('swagger-ui')
      expect(html).not.toMatch(/https?:\/\/(?!localhost)/)
      const asset = await server.http('/docs/static/swagger-ui-bundle.js')
      expect(asset.status).toBe(200)
      expect((await asset.text()).length).toBeGreaterThan(100_000)
    })

    it('is OpenAPI 3.1 with the bearer-token scheme required by default and waived on public routes', () => {
      expect(document.openapi).toBe('3.1.0')
      expect(document.components.securitySchemes.bearerToken).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }))
      expect(document.security).toEqual([{ bearerToken: [] }])
      expect(document.paths['/health']?.get?.security).toEqual([])
      expect(document.paths['/api/v1/jobs']?.get?.security).toBeUndefined()
    })

    it('documents every /api/v1 route with its method, a success answer and the error report', () => {
      const missing = API_V1_ROUTES.filter(([method, path]) => document.paths[`/api/v1${path}`]?.[method] === undefined)
      expect(missing).toEqual([])
      for (const [method, path] of API_V1_ROUTES) {
        const responses = document.paths[`/api/v1${path}`]![method]!.responses ?? {}
        expect(
          Object.keys(responses).some((status) => status.startsWith('2')),
          `${method} ${path}`,
        ).toBe(true)
        expect(JSON.stringify(responses['4XX']), `${method} ${path}`).toContain('#/components/schemas/PersistenceError')
      }
    })

    it('names the library schemas as components, and every reference resolves', () => {
      for (const name of ['PersistenceError', 'Execution', 'ListQueryInput', 'FilterRuleInput', 'JobConfigInput', 'Credential', 'StartExecutionInput']) {
        expect(document.components.schemas[name], name).toBeDefined()
      }
      const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]!)
      expect(refs.length).toBeGreaterThan(10)
      expect(refs.filter((ref) => document.components.schemas[ref] === undefined)).toEqual([])
    })

    it('holds only JSON Schemas that compile (draft 2020-12)', () => {
      const ajv = new Ajv2020({ strict: false, validateFormats: false })
      ajv.addSchema({ $id: 'doc', components: document.components })
      const refer = (schema: unknown) => JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/'))
      for (const [name, schema] of Object.entries(document.components.schemas)) expect(() => ajv.compile(refer(schema)), name).not.toThrow()
      for (const [path, item] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(item)) {
          const schemas = [
            ...Object.values(operation.requestBody?.content ?? {}).map((media) => media.schema),
            ...(operation.parameters ?? []).map((parameter) => parameter.schema),
            ...Object.values(operation.responses ?? {}).flatMap((response) => Object.values(response.content ?? {}).map((media) => media.schema)),
          ]
          for (const schema of schemas.filter((value) => value !== undefined)) expect(() => ajv.compile(refer(schema)), `${method} ${path}`).not.toThrow()
        }
      }
    })

    it('checks a list answer against its documented schema', async () => {
      const ajv = new Ajv2020({ strict: false, validateFormats: false })
      ajv.addSchema({ $id: 'doc', components: document.components })
      const documented = document.paths['/api/v1/credentials']!.get!.responses!['200']!.content!['application/json']!.schema
      const validate = ajv.compile(JSON.parse(JSON.stringify(documented).replaceAll('"#/components/', '"doc#/components/')))
      const admin = await startTestServer(target())
      try {
        await admin.http('/api/v1/credentials', { method: 'POST', json: { name: 'documented', host: 'db' } })
        const page = await (await admin.http('/api/v1/credentials')).json()
        expect(validate(page), JSON.stringify(validate.errors)).toBe(true)
      } finally {
        await admin.server.close()
      }
    })
  },
  ['sqlite'],
)
