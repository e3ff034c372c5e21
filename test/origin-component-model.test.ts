import { describe, expect, it } from 'vitest'
import { defaultComponentTypes } from '../src/schema/builtin-component-types.js'
import { validateJobConfig } from '../src/schema/job-graph-validation.js'
import { jobConfigJsonSchema, payloadJsonSchema } from '../src/schema/json-schemas.js'
import { closestKey } from '../src/schema/unknown-keys.js'
import { changedFixture, component, originFixture, originFixtureNames, type JobJson } from './helpers/origin-fixtures.js'
import { validationIssues } from './helpers/validation.js'

// The origin's component model, field for field (its components/ and JobConfig), on our
// own fixtures: each valid as written, and each rule refused with the exact path.

const validate = (job: unknown, strict = false) => validateJobConfig(job, defaultComponentTypes, { strict })
const paths = (job: unknown) => validationIssues(() => validate(job)).map((issue) => issue.path)

const FILES = 'file-components.json'
const DATABASES = 'database-components.json'
const OPERATIONS = 'data-operations.json'

describe('the origin component model', () => {
  it('accepts every fixture, which together use every built-in type', () => {
    const used = new Set<string>()
    for (const file of originFixtureNames()) {
      const job = originFixture(file)
      expect(() => validate(job), file).not.toThrow()
      for (const { comp_type } of job.components as JobJson[]) used.add(comp_type as string)
    }
    expect([...used].sort()).toEqual(defaultComponentTypes.names())
  })

  it('fills in the origin’s defaults when it parses, without changing the config', () => {
    const job = originFixture(FILES)
    const { components, config } = validate(job)
    expect(config).toMatchObject({ strategy_type: 'bulk', num_of_retries: 3, file_logging: true })
    expect(components[2]?.payload).toEqual({ filepath: 'in/events.jsonl' })
    expect(components[5]?.payload).toMatchObject({ root_tag: 'budget', record_tag: 'line' })
    expect(validate(originFixture(DATABASES)).components[2]?.payload).toMatchObject({
      query: '',
      params: {},
      row_batch_size: 1_000,
      bulk_chunk_size: 50_000,
      bigdata_partition_chunk_size: 50_000,
      charset: 'utf8mb4',
      collation: 'utf8mb4_bin',
    })
    expect(validate(changedFixture(DATABASES, (j) => delete component(j, 'write_mssql').operation)).components[5]?.payload).toMatchObject({
      operation: 'insert',
      collation: 'SQL_Latin1_General_CP1_CI_AS',
    })
    const readCsv = validate({
      name: 'j',
      components: [
        { comp_type: 'read_csv', name: 'r', filepath: 'a.csv', routes: { out: ['w'] } },
        { comp_type: 'write_excel', name: 'w', filepath: 'b.xlsx' },
      ],
    })
    expect(readCsv.components.map((c) => c.payload)).toEqual([
      { filepath: 'a.csv', separator: ',' },
      { filepath: 'b.xlsx', sheet_name: 'Sheet1' },
    ])
    expect(validate({ components: [] }).config.name).toBe('default_job_name')
    expect(job).toEqual(originFixture(FILES))
  })

  describe('file components', () => {
    it('refuses a separator outside , ; and tab', () => {
      expect(paths(changedFixture(FILES, (j) => (component(j, 'read_tabs').separator = '|')))).toEqual(['components[0].separator'])
    })

    it('refuses a file component without a filepath', () => {
      expect(paths(changedFixture(FILES, (j) => delete component(j, 'read_tabs').filepath))).toEqual(['components[0].filepath'])
      expect(paths(changedFixture(FILES, (j) => (component(j, 'write_all_json').filepath = '')))).toEqual(['components[7].filepath'])
    })

    it('checks the types of sheet_name and the XML tags', () => {
      expect(paths(changedFixture(FILES, (j) => (component(j, 'write_sheet').sheet_name = 5)))).toEqual(['components[3].sheet_name'])
      expect(paths(changedFixture(FILES, (j) => (component(j, 'write_records').root_tag = null)))).toEqual(['components[5].root_tag'])
    })
  })

  describe('the fields every component has', () => {
    const field = (j: JobJson, i: number) => component(j, 'read_tabs').out_port_schemas.out.fields[i] as JobJson

    it('checks field definitions: data types, children, items and enum values', () => {
      const base = 'components[0].out_port_schemas.out'
      expect(paths(changedFixture(FILES, (j) => (field(j, 0).data_type = 'date')))).toEqual([`${base}.fields[0].data_type`])
      expect(paths(changedFixture(FILES, (j) => (field(j, 0).children = [{ name: 'x', data_type: 'string' }])))).toEqual([`${base}.fields[0].children`])
      expect(paths(changedFixture(FILES, (j) => (field(j, 0).item = { name: 'x', data_type: 'string' })))).toEqual([`${base}.fields[0].item`])
      expect(paths(changedFixture(FILES, (j) => (field(j, 1).enum_values = ['a'])))).toEqual([`${base}.fields[1].enum_values`])
      expect(paths(changedFixture(FILES, (j) => (field(j, 5).children[1].children[0].data_type = 'double')))).toEqual([
        `${base}.fields[5].children[1].children[0].data_type`,
      ])
      expect(paths(changedFixture(FILES, (j) => (field(j, 6).item.nullable = 'yes')))).toEqual([`${base}.fields[6].item.nullable`])
      expect(paths(changedFixture(FILES, (j) => (component(j, 'read_tabs').out_port_schemas.out.fields = [])))).toEqual([`${base}.fields`])
      expect(paths(changedFixture(FILES, (j) => delete field(j, 2).data_type))).toEqual([`${base}.fields[2].data_type`])
    })

    it('takes layout as x_coordinate / y_coordinate or x_coord / y_coord, in whole units', () => {
      expect(paths(changedFixture(FILES, (j) => (component(j, 'read_tabs').layout.x_coordinate = 1.5)))).toEqual(['components[0].layout.x_coordinate'])
      expect(paths(changedFixture(FILES, (j) => (component(j, 'write_semicolons').layout = null)))).toEqual(['components[1].layout'])
    })

    it('checks metadata_: an ISO time and a user id that is not negative', () => {
      const meta = (j: JobJson) => component(j, 'read_tabs').metadata_ as JobJson
      expect(paths(changedFixture(FILES, (j) => (meta(j).user_id = -1)))).toEqual(['components[0].metadata_.user_id'])
      expect(paths(changedFixture(FILES, (j) => (meta(j).timestamp = 'yesterday')))).toEqual(['components[0].metadata_.timestamp'])
      expect(paths(changedFixture(FILES, (j) => (meta(j).timestamp = '2025-02-30T10:00:00')))).toEqual(['components[0].metadata_.timestamp'])
      expect(paths(changedFixture(FILES, (j) => (j.metadata_.timestamp = 20250101)))).toEqual(['metadata_.timestamp'])
      // The job's own metadata_ takes any integer user id, as the origin's does.
      expect(() => validate(changedFixture(FILES, (j) => (j.metadata_.user_id = -5)))).not.toThrow()
    })

    it('checks extra ports given as objects and their fan-in and fan-out', () => {
      const ports = (j: JobJson) => component(j, 'join_customers')
      expect(paths(changedFixture(OPERATIONS, (j) => (ports(j).extra_input_ports[0].fanin = 'some')))).toEqual(['components[7].extra_input_ports[0].fanin'])
      expect(paths(changedFixture(OPERATIONS, (j) => (ports(j).extra_output_ports[1] = { required: true })))).toEqual([
        'components[7].extra_output_ports[1].name',
      ])
      // orders takes exactly one link (fan-in one): a second one is refused.
      const twice = changedFixture(OPERATIONS, (j) => component(j, 'customers').routes.out.push({ to: 'join_customers', in_port: 'orders' }))
      expect(paths(twice)).toEqual(['components[6].routes.out[1].to'])
    })

    it('refuses a port schema or a route for a port the component does not have', () => {
      const schema = { fields: [{ name: 'a', data_type: 'string' }] }
      expect(paths(changedFixture(FILES, (j) => (component(j, 'write_sheet').in_port_schemas = { side: schema })))).toEqual([
        'components[3].in_port_schemas.side',
      ])
      expect(paths(changedFixture(FILES, (j) => (component(j, 'read_lines').routes.sideways = ['write_sheet'])))).toEqual(['components[2].routes.sideways'])
      expect(paths(changedFixture(FILES, (j) => (component(j, 'read_lines').routes.out = [{ to: 'write_sheet', in_port: 'side' }])))).toEqual([
        'components[2].routes.out[0].in_port',
        'components[3]',
      ])
    })

    it('refuses a route into a source, even one given input ports', () => {
      const job = changedFixture(FILES, (j) => {
        component(j, 'read_lines').extra_input_ports = ['trigger']
        component(j, 'write_semicolons').routes.out.push({ to: 'read_lines', in_port: 'trigger' })
      })
      expect(paths(job)).toEqual(['components[1].routes.out[1].to'])
    })
  })

  describe('database components', () => {
    it('needs a context (its credentials come from it)', () => {
      expect(paths(changedFixture(DATABASES, (j) => delete component(j, 'read_pg').context_id))).toEqual(['components[0].context_id'])
      expect(paths(changedFixture(DATABASES, (j) => (component(j, 'write_mongo').context_id = '')))).toEqual(['components[7].context_id'])
    })

    it('needs a SQL entity_name; MongoDB may leave it out', () => {
      expect(paths(changedFixture(DATABASES, (j) => delete component(j, 'read_maria').entity_name))).toEqual(['components[2].entity_name'])
      expect(() => validate(changedFixture(DATABASES, (j) => delete component(j, 'read_mongo').entity_name))).not.toThrow()
    })

    it('checks sizes, operations and the fields a writer’s operation needs', () => {
      expect(paths(changedFixture(DATABASES, (j) => (component(j, 'read_pg').row_batch_size = 0)))).toEqual(['components[0].row_batch_size'])
      expect(paths(changedFixture(DATABASES, (j) => (component(j, 'read_pg').params = [])))).toEqual(['components[0].params'])
      expect(paths(changedFixture(DATABASES, (j) => (component(j, 'write_maria').operation = 'merge')))).toEqual(['components[3].operation'])
      expect(paths(changedFixture(DATABASES, (j) => (component(j, 'write_pg').where_conditions = [])))).toEqual(['components[1].where_conditions'])
      expect(paths(changedFixture(DATABASES, (j) => delete component(j, 'write_pg').in_port_schemas))).toEqual(['components[1].in_port_schemas'])
      expect(paths(changedFixture(DATABASES, (j) => (component(j, 'write_mongo').match_filter = {})))).toEqual(['components[7].key_fields'])
      expect(() =>
        validate(changedFixture(DATABASES, (j) => Object.assign(component(j, 'write_mongo'), { match_filter: null, key_fields: ['_id'] }))),
      ).not.toThrow()
    })

    it('checks MongoDB reads: sort pairs, limit and skip', () => {
      expect(paths(changedFixture(DATABASES, (j) => (component(j, 'read_mongo').sort[0][1] = 2)))).toEqual(['components[6].sort[0][1]'])
      expect(paths(changedFixture(DATABASES, (j) => (component(j, 'read_mongo').skip = -1)))).toEqual(['components[6].skip'])
      expect(paths(changedFixture(DATABASES, (j) => (component(j, 'read_mongo').limit = 'all')))).toEqual(['components[6].limit'])
      expect(() => validate(changedFixture(DATABASES, (j) => Object.assign(component(j, 'read_mongo'), { sort: null, limit: null })))).not.toThrow()
    })
  })

  describe('data operations', () => {
    const rules = (j: JobJson) => component(j, 'keep_valid').rule.rules as JobJson[]

    it('checks filter rules: the filter’s operators, leaves and nodes', () => {
      const base = 'components[1].rule.rules'
      expect(paths(changedFixture(OPERATIONS, (j) => (rules(j)[0]!.operator = 'in')))).toEqual([`${base}[0].operator`])
      expect(paths(changedFixture(OPERATIONS, (j) => delete rules(j)[0]!.operator))).toEqual([`${base}[0].operator`])
      expect(paths(changedFixture(OPERATIONS, (j) => rules(j)[2]!.rules.push({ column: 'a', operator: '==', value: 1 })))).toEqual([`${base}[2].rules`])
      expect(paths(changedFixture(OPERATIONS, (j) => (rules(j)[1]!.rules = [])))).toEqual([`${base}[1].rules`])
      expect(paths(changedFixture(OPERATIONS, (j) => (rules(j)[0]!.logical_operator = 'AND')))).toEqual([`${base}[0]`])
      expect(paths(changedFixture(OPERATIONS, (j) => (component(j, 'keep_valid').rule = {})))).toEqual(['components[1].rule'])
      expect(paths(changedFixture(OPERATIONS, (j) => delete component(j, 'keep_valid').rule))).toEqual(['components[1].rule'])
    })

    it('checks aggregations: operations, fields, and the input’s schema', () => {
      const aggregations = (j: JobJson) => component(j, 'totals').aggregations as JobJson[]
      expect(paths(changedFixture(OPERATIONS, (j) => (aggregations(j)[1]!.op = 'avg')))).toEqual(['components[4].aggregations[1].op'])
      expect(paths(changedFixture(OPERATIONS, (j) => delete aggregations(j)[0]!.dest))).toEqual(['components[4].aggregations[0].dest'])
      expect(paths(changedFixture(OPERATIONS, (j) => (component(j, 'totals').group_by = ['region'])))).toEqual(['components[4].group_by[0]'])
      expect(paths(changedFixture(OPERATIONS, (j) => (aggregations(j)[1]!.src = 'price')))).toEqual(['components[4].aggregations[1].src'])
    })

    it('checks type conversion rules', () => {
      const conversions = (j: JobJson) => component(j, 'typed').rules as JobJson[]
      expect(paths(changedFixture(OPERATIONS, (j) => (conversions(j)[0]!.target = 'date')))).toEqual(['components[5].rules[0].target'])
      expect(paths(changedFixture(OPERATIONS, (j) => (conversions(j)[1]!.on_error = 'ignore')))).toEqual(['components[5].rules[1].on_error'])
      expect(paths(changedFixture(OPERATIONS, (j) => delete conversions(j)[2]!.column_path))).toEqual(['components[5].rules[2].column_path'])
    })

    it('takes a split’s outputs from extra_output_ports, and needs one', () => {
      const job = changedFixture(OPERATIONS, (j) => {
        delete component(j, 'copies').extra_output_ports
        component(j, 'copies').routes = {}
      })
      expect(paths(job)).toEqual(['components[3].extra_output_ports', 'components[4]', 'components[7]'])
    })

    it('checks merge: one link out of merge, and it must be wired', () => {
      expect(paths(changedFixture(OPERATIONS, (j) => component(j, 'all_rows').routes.merge.push('rejects')))).toEqual(['components[8].routes.merge[1]'])
      expect(paths(changedFixture(OPERATIONS, (j) => (component(j, 'all_rows').routes = {})))).toEqual(['components[8].routes.merge', 'components[9]'])
    })

    it('checks a schema mapping’s join plan: ports, keys and joins', () => {
      const step = (j: JobJson) => component(j, 'join_customers').join_plan.steps[0] as JobJson
      const base = 'components[7].join_plan.steps[0]'
      expect(paths(changedFixture(OPERATIONS, (j) => (step(j).left_port = 'nowhere')))).toEqual([`${base}.left_port`])
      expect(paths(changedFixture(OPERATIONS, (j) => (step(j).output_port = 'elsewhere')))).toEqual([`${base}.output_port`])
      expect(paths(changedFixture(OPERATIONS, (j) => (step(j).how = 'cross')))).toEqual([`${base}.how`])
      expect(paths(changedFixture(OPERATIONS, (j) => (step(j).left_on = 'customer..id')))).toEqual([`${base}.left_on`])
      expect(paths(changedFixture(OPERATIONS, (j) => (step(j).right_on = 'person.id')))).toEqual([`${base}.right_on`])
      expect(paths(changedFixture(OPERATIONS, (j) => delete step(j).right_port))).toEqual([`${base}.right_port`])
    })

    it('checks a schema mapping’s rules: ports, paths and types', () => {
      const rulesOf = (j: JobJson) => component(j, 'join_customers').rules_by_dest
      const base = 'components[7].rules_by_dest'
      expect(paths(changedFixture(OPERATIONS, (j) => (rulesOf(j).nowhere = {})))).toEqual([`${base}.nowhere`])
      expect(paths(changedFixture(OPERATIONS, (j) => (rulesOf(j).joined.order_id.src_port = 'payments')))).toEqual([`${base}.joined.order_id.src_port`])
      expect(paths(changedFixture(OPERATIONS, (j) => (rulesOf(j).joined.order_id.src_path = 'order_no')))).toEqual([`${base}.joined.order_id.src_path`])
      expect(paths(changedFixture(OPERATIONS, (j) => (rulesOf(j).joined.customer.src_path = 'amount')))).toEqual([`${base}.joined.customer.src_path`])
      expect(paths(changedFixture(OPERATIONS, (j) => (rulesOf(j).joined.customer = { src_port: 'orders', src_path: 'amount' })))).toEqual([
        `${base}.joined.customer`,
      ])
      expect(paths(changedFixture(OPERATIONS, (j) => (rulesOf(j).joined.discount = { src_port: 'orders', src_path: 'amount' })))).toEqual([
        `${base}.joined.discount`,
      ])
      expect(paths(changedFixture(OPERATIONS, (j) => (rulesOf(j).joined['a.'] = { src_port: 'orders', src_path: 'amount' })))).toEqual([`${base}.joined.a.`])
    })

    it('has no ports of its own for a schema mapping: inputs come from extra_input_ports', () => {
      const job = changedFixture(OPERATIONS, (j) => delete component(j, 'join_customers').extra_input_ports)
      expect(paths(job)).toEqual([
        'components[7].in_port_schemas.orders',
        'components[7].in_port_schemas.customers',
        'components[7].extra_input_ports',
        'components[3].routes.to_join[0].in_port',
        'components[6].routes.out[0].in_port',
      ])
    })
  })

  describe('the job', () => {
    it('checks the job’s own fields and refuses a blank name', () => {
      const job = { ...originFixture(FILES), strategy_type: 'stream', num_of_retries: -1, file_logging: 'yes', id: 5 }
      expect(paths(job)).toEqual(['id', 'strategy_type', 'num_of_retries', 'file_logging'])
      expect(paths({ ...originFixture(FILES), name: ' \t ' })).toEqual(['name'])
      expect(paths(changedFixture(FILES, (j) => (component(j, 'read_feed').name = '  ')))).toEqual(['components[6].name'])
    })

    it('reports three problems in three places as three issues', () => {
      const job = changedFixture(OPERATIONS, (j) => {
        j.num_of_retries = -1
        component(j, 'typed').comp_type = 'typ_conversion'
        component(j, 'keep_valid').routes.fail.push('write_everything')
      })
      const issues = validationIssues(() => validate(job))
      expect(issues.map((issue) => issue.path)).toEqual(['num_of_retries', 'components[5].comp_type', 'components[1].routes.fail[1]'])
      expect(issues[1]?.message).toContain('did you mean `type_conversion`?')
    })

    it('reports problems of every component, not only the first', () => {
      const job = changedFixture(DATABASES, (j) => {
        component(j, 'read_pg').row_batch_size = -1
        component(j, 'write_maria').operation = 'replace'
        component(j, 'read_mongo').skip = 'none'
      })
      expect(paths(job)).toEqual(['components[0].row_batch_size', 'components[3].operation', 'components[6].skip'])
    })
  })

  describe('unknown keys', () => {
    it('keeps them, and warns with their paths and near misses', () => {
      const warnings = validate(originFixture('unknown-keys.json')).warnings
      expect(warnings.map((warning) => warning.path)).toEqual([
        'owner',
        'components[0].seperator',
        'components[0].note',
        'components[0].routes.out[0].weight',
        'components[0].out_port_schemas.out.fields[0].nulable',
        'components[0].layout.z_coord',
        'components[1].metadata_.user_name',
      ])
      expect(warnings[1]?.message).toContain('did you mean `separator`?')
      expect(warnings[4]?.message).toContain('did you mean `nullable`?')
      expect(warnings[2]?.message).not.toContain('did you mean')
    })

    it('refuses them with their paths when strict, together with any other problem', () => {
      const job = changedFixture('unknown-keys.json', (j) => (component(j, 'read').separator = '|'))
      const issues = validationIssues(() => validate(job, true))
      expect(issues.map((issue) => issue.path)).toEqual([
        'components[0].separator',
        'owner',
        'components[0].seperator',
        'components[0].note',
        'components[0].routes.out[0].weight',
        'components[0].out_port_schemas.out.fields[0].nulable',
        'components[0].layout.z_coord',
        'components[1].metadata_.user_name',
      ])
    })

    it('suggests a declared key one or two edits away', () => {
      expect(closestKey('seperator', ['filepath', 'separator'])).toBe('separator')
      expect(closestKey('Separator', ['separator'])).toBe('separator')
      expect(closestKey('file_path', ['filepath'])).toBe('filepath')
      expect(closestKey('entiyt_name', ['entity_name'])).toBe('entity_name')
      expect(closestKey('delimiter', ['separator', 'filepath'])).toBeUndefined()
      expect(closestKey('ab', ['xy'])).toBeUndefined()
    })
  })

  describe('JSON Schema', () => {
    it('describes each type’s own fields with defaults, enums and its ports', () => {
      const csv = payloadJsonSchema('write_csv') as JobJson
      expect(csv.properties.separator).toMatchObject({ enum: [',', ';', '\t'], default: ',' })
      expect(csv['x-ports']).toEqual({
        inputs: [{ name: 'in', required: true, fanin: 'many' }],
        outputs: [{ name: 'out', required: false, fanout: 'many' }],
        allow_no_inputs: false,
      })
      expect((payloadJsonSchema('read_mongodb') as JobJson).properties).toMatchObject({ skip: { default: 0, minimum: 0 }, auth_db_name: { default: 'admin' } })
      expect((payloadJsonSchema('write_postgresql') as JobJson).properties.operation).toMatchObject({
        enum: ['insert', 'upsert', 'truncate', 'update'],
        default: 'insert',
      })
      expect((payloadJsonSchema('aggregation') as JobJson).properties.aggregations.items.properties.op.enum).toEqual([
        'count',
        'sum',
        'min',
        'max',
        'mean',
        'median',
        'std',
        'nunique',
      ])
      expect((payloadJsonSchema('schema_mapping') as JobJson)['x-ports']).toEqual({ inputs: [], outputs: [], allow_no_inputs: false })
      expect(payloadJsonSchema('teleport')).toBeUndefined()
    })

    it('describes the whole job: its fields and every type as a component', () => {
      const schema = jobConfigJsonSchema() as JobJson
      expect(Object.keys(schema.properties)).toEqual(
        expect.arrayContaining(['id', 'name', 'strategy_type', 'num_of_retries', 'file_logging', 'metadata_', 'components']),
      )
      expect(schema.properties.name.default).toBe('default_job_name')
      const types = schema.properties.components.anyOf[0].items.anyOf as JobJson[]
      expect(types.map((type) => type.properties.comp_type.const)).toEqual(defaultComponentTypes.names())
      const readCsv = types.find((type) => type.properties.comp_type.const === 'read_csv') as JobJson
      expect(Object.keys(readCsv.properties)).toEqual(
        expect.arrayContaining([
          'context_id',
          'routes',
          'in_port_schemas',
          'out_port_schemas',
          'extra_input_ports',
          'extra_output_ports',
          'layout',
          'metadata_',
          'filepath',
          'separator',
        ]),
      )
      expect(readCsv.required).toEqual(expect.arrayContaining(['comp_type', 'name', 'filepath']))
      expect(Object.keys(readCsv.properties.layout.properties)).toEqual(['x_coord', 'y_coord', 'x_coordinate', 'y_coordinate'])
      expect(schema.$defs.FieldDef.properties.data_type.enum).toEqual(['string', 'integer', 'float', 'boolean', 'object', 'array', 'enum', 'path'])
    })
  })
})
