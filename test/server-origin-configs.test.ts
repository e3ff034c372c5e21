import { afterAll, beforeAll, expect, it } from 'vitest'
import { z } from 'zod'
import { defaultComponentTypes, registerComponentType } from '../src/schema/builtin-component-types.js'
import { describeEngines } from './helpers/engines.js'
import { startTestServer, type TestServer } from './helpers/http-server.js'
import { originFixture, originFixtureNames, type JobJson } from './helpers/origin-fixtures.js'

// The origin's /configs routes (etl-core api/routers/schemas.py) over real HTTP: the
// scenarios of its tests/endpoints/test_schemas_endpoints.py, test_registry_visibility.py
// and test_schema_caching.py.

interface FormProperty {
  name: string
  schema: JobJson
  required: boolean
}

const HIDDEN = ['comp_type', 'extra_input_ports', 'extra_output_ports', 'layout', 'metadata', 'metadata_', 'routes']

/** The origin's hidden stub types: registered there (and hidden in production), unknown here. */
const ORIGIN_STUB_TYPES = ['test', 'failtest', 'stub_fail_once', 'multi_source', 'multi_echo']

function hasKeyAnywhere(node: unknown, key: string): boolean {
  if (Array.isArray(node)) return node.some((child) => hasKeyAnywhere(child, key))
  if (typeof node !== 'object' || node === null) return false
  return Object.entries(node).some(([name, child]) => name === key || hasKeyAnywhere(child, key))
}

describeEngines(
  'origin /configs routes',
  (target) => {
    let server: TestServer

    beforeAll(async () => {
      server = await startTestServer(target())
    })
    afterAll(async () => {
      await server.server.close()
    })

    const json = async (path: string): Promise<JobJson> => {
      const response = await server.http(path)
      expect(response.status, path).toBe(200)
      return (await response.json()) as JobJson
    }

    it("answers the job schema as the GUI's form: ordered property list, $defs kept", async () => {
      const schema = await json('/configs/job')
      expect(Array.isArray(schema.properties)).toBe(true)
      const names = (schema.properties as FormProperty[]).map((property) => property.name)
      expect(names.slice(0, 4)).toEqual(['name', 'strategy_type', 'num_of_retries', 'file_logging'])
      expect(names).not.toContain('components')
      expect(names).not.toContain('id')
      expect(schema.$defs.StrategyType).toMatchObject({ type: 'select', enum: ['row', 'bulk', 'bigdata'] })
      const strategy = (schema.properties as FormProperty[]).find((property) => property.name === 'strategy_type')
      expect(strategy).toMatchObject({ required: false, schema: { $ref: '#/$defs/StrategyType', default: 'row' } })
      expect(hasKeyAnywhere(schema, 'order')).toBe(false)
    })

    it("lists the registered component types, the origin's stubs not among them", async () => {
      const types = (await json('/configs/component_types/')) as unknown as string[]
      expect(types).toEqual(defaultComponentTypes.names())
      expect(types).toEqual(expect.arrayContaining(['read_csv', 'write_csv', 'filter', 'merge', 'split', 'schema_mapping', 'read_mongodb', 'write_sqlserver']))
      for (const stub of ORIGIN_STUB_TYPES) expect(types).not.toContain(stub)
    })

    it('answers a form schema for every type: x-class, comp-type, the shown fields as a list', async () => {
      for (const compType of defaultComponentTypes.names()) {
        const form = await json(`/configs/${compType}/form`)
        expect(form['comp-type'], compType).toBe(compType)
        expect(form['x-class'], compType).toMatchObject({ schema_path_separator: '.', allow_no_inputs: expect.any(Boolean) })
        const names = (form.properties as FormProperty[]).map((property) => property.name)
        expect(names, compType).toEqual(expect.arrayContaining(['name', 'description']))
        for (const hidden of HIDDEN) expect(names, compType).not.toContain(hidden)
        expect(form.$schema, compType).toBeUndefined()
      }
    })

    it("fills a form in as the origin's GUI expects: class name default, icon, enums as selects", async () => {
      const form = await json('/configs/read_csv/form')
      const properties = form.properties as FormProperty[]
      expect(properties.find((property) => property.name === 'name')?.schema.default).toBe('ReadCSV')
      expect(form.icon).toBe('ti ti-file-type-csv')
      expect(properties.find((property) => property.name === 'separator')?.schema).toMatchObject({ type: 'select', enum: [',', ';', '\t'], default: ',' })
      expect(properties.find((property) => property.name === 'filepath')?.required).toBe(true)
      expect(form['x-class']).toEqual({
        input_ports: [],
        output_ports: [{ name: 'out', required: true, fanout: 'many' }],
        allow_no_inputs: true,
        schema_path_separator: '.',
        input_port_names: [],
        output_port_names: ['out'],
      })
      expect((await json('/configs/filter/form'))['x-class']).toMatchObject({
        input_port_names: ['in'],
        output_port_names: ['pass', 'fail'],
        allow_no_inputs: false,
      })
    })

    it('answers the full schema as standard JSON Schema that the saved components satisfy', async () => {
      for (const file of originFixtureNames()) {
        for (const component of originFixture(file).components as JobJson[]) {
          const full = await json(`/configs/${component.comp_type}/full`)
          expect(full['x-class'], component.comp_type).toBeTypeOf('object')
          expect(full.properties, component.comp_type).toHaveProperty('routes')
          const { 'x-class': _xClass, 'x-ports': _xPorts, ...schema } = full
          const parsed = z.fromJSONSchema(schema).safeParse(component)
          expect(parsed.success, `${file} ${component.name}: ${parsed.error?.message}`).toBe(true)
        }
      }
    })

    it('refuses in the full schema what the store refuses: a separator outside the enum', async () => {
      const { 'x-class': _xClass, 'x-ports': _xPorts, ...schema } = await json('/configs/read_csv/full')
      const component = { comp_type: 'read_csv', name: 'r', filepath: 'a.csv', separator: '|' }
      expect(z.fromJSONSchema(schema).safeParse(component).success).toBe(false)
      const response = await server.http('/jobs/', {
        method: 'POST',
        json: {
          components: [
            { ...component, routes: { out: ['w'] } },
            { comp_type: 'write_csv', name: 'w', filepath: 'b.csv' },
          ],
        },
      })
      expect(response.status).toBe(422)
    })

    it('answers the hidden-only schema: the fields the form leaves out, with x-class', async () => {
      const hidden = await json('/configs/filter/hidden')
      expect(hidden.type).toBe('object')
      expect(Object.keys(hidden.properties).sort()).toEqual(HIDDEN)
      expect(hidden.required).toEqual(['comp_type'])
      expect(hidden['x-class']).toMatchObject({ output_port_names: ['pass', 'fail'] })
    })

    it("answers 404 SCHEMA_COMPONENT_UNKNOWN for a type nobody registered, and for the origin's stubs", async () => {
      for (const compType of ['unknown', ...ORIGIN_STUB_TYPES]) {
        for (const view of ['form', 'full', 'hidden']) {
          const response = await server.http(`/configs/${compType}/${view}`)
          expect(response.status, `${compType}/${view}`).toBe(404)
          expect(((await response.json()) as JobJson).detail).toEqual({
            code: 'SCHEMA_COMPONENT_UNKNOWN',
            message: `Unknown component '${compType}'`,
            context: { comp_type: compType },
          })
        }
        // The origin has no route /configs/{comp_type}: a typed 404 too.
        const bare = await server.http(`/configs/${compType}`)
        expect(bare.status).toBe(404)
        expect(((await bare.json()) as JobJson).persistence_error.error_type).toBe('not_found')
      }
    })

    it('answers the same schema to repeated and to concurrent requests', async () => {
      const first = await json('/configs/job')
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => json(i % 2 === 0 ? '/configs/job' : '/configs/merge/form')))
      const merge = await json('/configs/merge/form')
      answers.forEach((answer, i) => expect(answer).toEqual(i % 2 === 0 ? first : merge))
    })

    it("serves a type registered while the server runs, and a replaced type's new fields at once", async () => {
      // The registry is the process's: each engine's suite registers a type of its own.
      const compType = `configs_probe_${target().engine}`
      expect((await server.http(`/configs/${compType}/form`)).status).toBe(404)
      registerComponentType({
        comp_type: compType,
        inputs: [{ name: 'in', required: true }],
        outputs: [{ name: 'out' }],
        payload: z.object({ threshold: z.number() }),
      })
      expect(await json('/configs/component_types')).toContain(compType)
      const before = await json(`/configs/${compType}/full`)
      expect(Object.keys(before.properties)).toContain('threshold')
      // A type without a class in the origin: its name default is its type.
      const form = await json(`/configs/${compType}/form`)
      expect((form.properties as FormProperty[]).find((property) => property.name === 'name')?.schema.default).toBe(compType)
      expect(form.icon).toBeUndefined()

      registerComponentType({
        comp_type: compType,
        inputs: [{ name: 'in', required: true }],
        outputs: [{ name: 'out' }],
        payload: z.object({ limit: z.int() }),
      })
      const after = await json(`/configs/${compType}/full`)
      expect(Object.keys(after.properties)).toContain('limit')
      expect(Object.keys(after.properties)).not.toContain('threshold')
    })
  },
  ['sqlite', 'postgres'],
)
