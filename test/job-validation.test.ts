import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ValidationError } from '../src/errors.js'
import { defaultComponentTypes } from '../src/schema/builtin-component-types.js'
import { ComponentTypeRegistry } from '../src/schema/component-type-registry.js'
import { jobConfigJsonSchema } from '../src/schema/json-schemas.js'
import { validateJobConfig } from '../src/schema/job-graph-validation.js'

function job(components: unknown[]) {
  return { name: 'j', components }
}
const reader = (name = 'read', routes: unknown = { out: ['write'] }) => ({ comp_type: 'read_csv', name, filepath: 'in.csv', routes })
const writer = (name = 'write') => ({ comp_type: 'write_csv', name, filepath: 'out.csv' })

function issuesOf(config: unknown, registry = defaultComponentTypes) {
  try {
    validateJobConfig(config, registry)
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    return (error as ValidationError).issues
  }
  throw new Error('expected a validation error')
}

describe('job graph validation', () => {
  it('accepts the design document example and resolves links', () => {
    const result = validateJobConfig(
      {
        name: 'orders_daily',
        strategy_type: 'row',
        num_of_retries: 2,
        components: [
          {
            comp_type: 'read_csv',
            name: 'read_orders',
            filepath: 'orders.csv',
            routes: { out: [{ to: 'only_paid', in_port: 'in' }] },
            layout: { x_coord: 0, y_coord: 0 },
          },
          { comp_type: 'filter', name: 'only_paid', rule: { column: 'status', operator: '==', value: 'paid' }, routes: { pass: ['write_paid'] } },
          { comp_type: 'write_csv', name: 'write_paid', filepath: 'paid.csv' },
        ],
      },
      defaultComponentTypes,
    )
    expect(result.links).toEqual([
      { src: 'read_orders', out_port: 'out', position: 0, dst: 'only_paid', in_port: 'in' },
      { src: 'only_paid', out_port: 'pass', position: 0, dst: 'write_paid', in_port: 'in' },
    ])
  })

  it('rejects an unknown comp_type with its path', () => {
    expect(issuesOf(job([reader(), writer(), { comp_type: 'teleport', name: 'x' }]))).toEqual([
      { path: 'components[2].comp_type', message: expect.stringContaining('teleport') },
    ])
  })

  it('rejects duplicate component names with the path of the second', () => {
    expect(issuesOf(job([reader(), writer(), writer()])).map((i) => i.path)).toContain('components[2].name')
  })

  it('rejects a route to an unknown component with its path', () => {
    expect(issuesOf(job([reader('read', { out: ['write', { to: 'nowhere' }] }), writer()]))).toEqual([
      { path: 'components[0].routes.out[1].to', message: expect.stringContaining('nowhere') },
    ])
  })

  it('rejects unknown out and in ports with their paths', () => {
    expect(issuesOf(job([reader('read', { out: ['write'], sideways: ['write'] }), writer()])).map((i) => i.path)).toEqual(['components[0].routes.sideways'])
    expect(issuesOf(job([reader('read', { out: [{ to: 'write', in_port: 'side' }] }), writer()])).map((i) => i.path)).toEqual([
      'components[0].routes.out[0].in_port',
      'components[1]',
    ])
  })

  it('takes in_port null as left out (the origin writes it so)', () => {
    expect(validateJobConfig(job([reader('read', { out: [{ to: 'write', in_port: null }] }), writer()]), defaultComponentTypes).links).toHaveLength(1)
  })

  it('requires in_port when the target has several inputs', () => {
    const many = { comp_type: 'write_csv', name: 'write', filepath: 'o.csv', extra_input_ports: ['audit'] }
    expect(issuesOf(job([reader('read', { out: ['write'] }), many])).map((i) => i.path)).toContain('components[0].routes.out[0]')
  })

  it('rejects a required port left unwired and a component with no input ports', () => {
    const filter = { comp_type: 'filter', name: 'f', rule: { column: 'a', operator: '==', value: 1 } }
    expect(issuesOf(job([reader('read', { out: ['f'] }), filter])).map((i) => i.path)).toEqual(['components[1].routes.pass'])
    expect(issuesOf(job([reader('read', {}), writer()])).map((i) => i.path)).toEqual(['components[0].routes.out', 'components[1]'])
    const mapping = { comp_type: 'schema_mapping', name: 'm', extra_output_ports: ['out'], routes: { out: ['write'] } }
    expect(issuesOf(job([reader('read', { out: [{ to: 'm', in_port: 'in' }] }), mapping, writer()])).map((i) => i.path)).toEqual([
      'components[1].extra_input_ports',
      'components[0].routes.out[0].in_port',
    ])
  })

  it('rejects a broken fan-in one and fan-out one', () => {
    // A writer's in takes many links (fan-in many); a split's takes exactly one.
    expect(validateJobConfig(job([reader('a', { out: ['write'] }), reader('b', { out: ['write'] }), writer()]), defaultComponentTypes).links).toHaveLength(2)
    const split = { comp_type: 'split', name: 's', extra_output_ports: ['x'], routes: { x: ['write'] } }
    const twoIntoOne = job([reader('a', { out: ['s'] }), reader('b', { out: ['s'] }), split, writer()])
    expect(issuesOf(twoIntoOne).map((i) => i.path)).toEqual(['components[1].routes.out[0]'])
    const merge = job([
      reader('a', { out: ['m'] }),
      reader('b', { out: ['m'] }),
      { comp_type: 'merge', name: 'm', routes: { merge: ['w1', 'w2'] } },
      writer('w1'),
      writer('w2'),
    ])
    expect(issuesOf(merge).map((i) => i.path)).toEqual(['components[2].routes.merge[1]'])
  })

  it('rejects a payload that fails its type schema with the field path', () => {
    expect(issuesOf(job([{ comp_type: 'read_csv', name: 'read', routes: { out: ['write'] } }, writer()])).map((i) => i.path)).toEqual([
      'components[0].filepath',
    ])
    const badRule = { comp_type: 'filter', name: 'f', rule: { column: 'a', operator: 'LIKE' }, routes: { pass: ['write'] } }
    expect(issuesOf(job([reader('read', { out: ['f'] }), badRule, writer()])).map((i) => i.path)[0]).toMatch(/^components\[1\]\.rule/)
  })

  it('reports three problems of one config as three issues', () => {
    const config = job([reader('read', { out: ['ghost', 'write'] }), { comp_type: 'nope', name: 'n' }, { comp_type: 'write_csv', name: 'write' }])
    expect(issuesOf(config).map((i) => i.path)).toEqual(['components[1].comp_type', 'components[2].filepath', 'components[0].routes.out[0]'])
  })

  it('rejects job-level problems with their paths', () => {
    expect(issuesOf({ name: 'j', strategy_type: 'stream', num_of_retries: -1, components: [] }).map((i) => i.path)).toEqual(['strategy_type', 'num_of_retries'])
  })

  it('reports a bad job field, an unknown type and a route to nowhere in one error', () => {
    const config = { name: 'j', num_of_retries: -1, components: [reader('read', { out: ['nowhere'] }), { comp_type: 'teleport', name: 't' }] }
    expect(issuesOf(config).map((i) => i.path)).toEqual(['num_of_retries', 'components[1].comp_type', 'components[0].routes.out[0]'])
  })

  it('checks user-registered types and takes split ports from the config', () => {
    const registry = new ComponentTypeRegistry([...['read_csv', 'write_csv', 'split'].map((t) => defaultComponentTypes.get(t)!)])
    registry.register({
      comp_type: 'dedupe',
      inputs: [{ name: 'in', required: true }],
      outputs: [{ name: 'out' }],
      payload: z.strictObject({ keys: z.array(z.string()).min(1) }),
    })
    const config = job([
      reader('read', { out: ['split'] }),
      { comp_type: 'split', name: 'split', extra_output_ports: ['left', 'right'], routes: { left: ['d'], right: ['w2'] } },
      { comp_type: 'dedupe', name: 'd', keys: ['id'], routes: { out: ['w1'] } },
      writer('w1'),
      writer('w2'),
    ])
    expect(validateJobConfig(config, registry).links).toHaveLength(4)
    expect(issuesOf(job([reader('read', { out: ['d'] }), { comp_type: 'dedupe', name: 'd', keys: [] }]), registry).map((i) => i.path)).toEqual([
      'components[1].keys',
    ])
  })

  it('rejects a port schema for a port the component does not have', () => {
    const schema = { fields: [{ name: 'a', data_type: 'string' }] }
    const config = job([reader('read', { out: ['write'] }), { ...writer(), in_port_schemas: { in: schema, side: schema } }])
    expect(issuesOf(config).map((i) => i.path)).toEqual(['components[1].in_port_schemas.side'])
  })

  it('rejects NUL characters in any text with their paths', () => {
    expect(issuesOf(job([reader('read', { out: ['write'] }), { ...writer(), filepath: 'a\u0000b' }])).map((i) => i.path)).toEqual(['components[1].filepath'])
  })

  it('exports every built-in type’s payload as JSON Schema', () => {
    for (const name of defaultComponentTypes.names()) {
      expect(defaultComponentTypes.payloadJsonSchema(name)?.type, name).toBe('object')
    }
    expect(defaultComponentTypes.payloadJsonSchema('read_csv')?.required).toEqual(['filepath'])
    expect(defaultComponentTypes.payloadJsonSchema('read_csv')?.properties).toMatchObject({ separator: { enum: [',', ';', '\t'], default: ',' } })
  })

  it('exports the job config as JSON Schema', () => {
    const schema = jobConfigJsonSchema()
    expect(schema.type).toBe('object')
    expect(Object.keys(schema.properties as object)).toContain('components')
  })
})
