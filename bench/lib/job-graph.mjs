// The W1/W2 job: 50 components and 60 links in the origin's JSON format, and the rows
// every implementation writes for it (the same rows the product writes: the job
// header, a content-hashed version snapshot, components with their payloads, links).
import { createHash, randomUUID } from 'node:crypto'

/**
 * 10 readers → 10 filters (pass → merges, fail → writers) → 5 merges → 5 schema
 * mappings → 10 writers, plus readers feeding the merges directly: 50 components, 60 links.
 */
export function jobConfig(name) {
  const components = []
  const at = (i) => ({ x_coord: (i % 10) * 120, y_coord: Math.floor(i / 10) * 80 })
  for (let i = 0; i < 10; i++) {
    components.push({
      comp_type: 'read_csv',
      name: `read_${i}`,
      filepath: `input/orders_${i}.csv`,
      separator: ',',
      routes: { out: [{ to: `filter_${i}`, in_port: 'in' }, `merge_${i % 5}`] },
      layout: at(components.length),
    })
  }
  for (let i = 0; i < 10; i++) {
    const pass = [`merge_${Math.floor(i / 2)}`]
    if (i < 5) pass.push(`merge_${(i + 1) % 5}`)
    components.push({
      comp_type: 'filter',
      name: `filter_${i}`,
      description: `Keeps the paid orders of source ${i}`,
      rule: { column: 'status', operator: '==', value: 'paid' },
      routes: { pass, fail: [`rejects_${i}`] },
      layout: at(components.length),
    })
  }
  for (let j = 0; j < 5; j++) {
    components.push({ comp_type: 'merge', name: `merge_${j}`, routes: { merge: [`map_${j}`] }, layout: at(components.length) })
  }
  for (let j = 0; j < 5; j++) {
    components.push({
      comp_type: 'schema_mapping',
      name: `map_${j}`,
      extra_input_ports: ['in'],
      extra_output_ports: ['out'],
      rules_by_dest: {
        out: {
          id: { src_port: 'in', src_path: 'order_id' },
          amount: { src_port: 'in', src_path: 'amount_eur' },
          customer_id: { src_port: 'in', src_path: 'customer' },
        },
      },
      routes: { out: [`write_a_${j}`, `write_b_${j}`] },
      layout: at(components.length),
    })
  }
  for (let i = 0; i < 10; i++) {
    components.push({ comp_type: 'write_csv', name: `rejects_${i}`, filepath: `output/rejects_${i}.csv`, layout: at(components.length) })
  }
  for (let j = 0; j < 5; j++) {
    for (const side of ['a', 'b']) {
      components.push({ comp_type: 'write_csv', name: `write_${side}_${j}`, filepath: `output/${side}_${j}.csv`, layout: at(components.length) })
    }
  }
  return { name, description: 'Benchmark job', strategy_type: 'row', num_of_retries: 2, file_logging: false, tags: ['bench'], components }
}

/** JSON with sorted keys: the same config always hashes the same. */
export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

const NOT_PAYLOAD = new Set(['name', 'comp_type', 'description', 'routes', 'layout', 'metadata'])

/**
 * The rows of a new job, as plain values (`enc` encodes timestamps, JSON and booleans
 * the way the engine stores them). Routes become links with their position in the port.
 */
export function jobRows(config, enc, newId = randomUUID) {
  const now = new Date()
  const jobId = newId()
  const canonical = canonicalJson(config)
  const hash = createHash('sha256').update(canonical).digest('hex')
  const ids = new Map()
  const components = config.components.map((component, position) => {
    const id = newId()
    ids.set(component.name, id)
    const payload = {}
    for (const [key, value] of Object.entries(component)) if (!NOT_PAYLOAD.has(key)) payload[key] = value
    return {
      id,
      job_id: jobId,
      name: component.name,
      comp_type: component.comp_type,
      position,
      description: component.description ?? null,
      payload: enc.json(payload),
      x_coord: component.layout?.x_coord ?? null,
      y_coord: component.layout?.y_coord ?? null,
      metadata: component.metadata === undefined ? null : enc.json(component.metadata),
    }
  })
  const links = []
  for (const component of config.components) {
    for (const [port, targets] of Object.entries(component.routes ?? {})) {
      targets.forEach((target, position) => {
        const to = typeof target === 'string' ? target : target.to
        links.push({
          job_id: jobId,
          src_component_id: ids.get(component.name),
          out_port: port,
          position,
          dst_component_id: ids.get(to),
          in_port: typeof target === 'string' ? 'in' : target.in_port,
        })
      })
    }
  }
  const job = {
    id: jobId,
    name: config.name,
    description: config.description ?? null,
    strategy_type: config.strategy_type,
    num_of_retries: config.num_of_retries,
    file_logging: enc.boolean(config.file_logging),
    tags: enc.json(config.tags),
    current_version: 1,
    content_hash: hash,
    component_count: components.length,
    created_at: enc.timestamp(now),
    updated_at: enc.timestamp(now),
    created_by: null,
    updated_by: null,
  }
  const version = { job_id: jobId, version: 1, content_hash: hash, config: canonical, created_at: enc.timestamp(now), created_by: null }
  // The job as the product returns it (and audits it): decoded values.
  const header = {
    ...job,
    file_logging: config.file_logging,
    tags: config.tags,
    created_at: now,
    updated_at: now,
  }
  return { job, version, components, links, header }
}

export const JOB_COLUMNS = [
  'id',
  'name',
  'description',
  'strategy_type',
  'num_of_retries',
  'file_logging',
  'tags',
  'current_version',
  'content_hash',
  'component_count',
  'created_at',
  'updated_at',
  'created_by',
  'updated_by',
]
export const VERSION_COLUMNS = ['job_id', 'version', 'content_hash', 'config', 'created_at', 'created_by']
export const COMPONENT_COLUMNS = ['id', 'job_id', 'name', 'comp_type', 'position', 'description', 'payload', 'x_coord', 'y_coord', 'metadata']
export const LINK_COLUMNS = ['job_id', 'src_component_id', 'out_port', 'position', 'dst_component_id', 'in_port']
