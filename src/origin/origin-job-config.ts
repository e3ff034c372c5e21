import { isUuid } from '../schema/ids.js'
import type { OriginJobRows, OriginRow } from './origin-database.js'
import type { OriginRowError } from './origin-row-error.js'
import { OriginRowReader } from './origin-row-reader.js'
import type { OriginTimeZone } from './origin-time.js'

/** A job rebuilt from the origin's job tables, as a job config in the origin's JSON format. */
export interface OriginJobConfig {
  readonly id: string
  readonly config: Record<string, unknown>
  /** The origin component row behind each entry of `config.components`. */
  readonly componentIds: readonly string[]
  /** The job's `metadata_.timestamp` (etl-core's job table has no creation time of its own). */
  readonly createdAt: Date | undefined
  readonly numOfRetries: number
}

// Keys that are the component row's own columns or rebuilt from other tables; etl-core
// puts them back over the payload when it loads a job, so they lose against them here too.
const BASE_KEYS = new Set(['id', 'name', 'description', 'comp_type', 'routes', 'layout', 'layout_', 'metadata', 'metadata_'])

/**
 * Rebuilds a job config the way etl-core's `ComponentHandler.build_runtime_for_all` does:
 * each component is its payload plus its name, description and type, `routes` from the
 * link rows (per out port, in `position` order; an empty `dst_in_port` means none was
 * given), `layout` (`x_coordinate`, `y_coordinate`) from its layout row and `metadata_`
 * (`timestamp`, `user_id`) from its metadata row; the job's own `metadata_` likewise.
 * The keys are etl-core's own, as its `GET /jobs/{id}` shows them; metadata times become
 * UTC ISO strings. Every row that cannot be read is reported, each as its own error;
 * with any of them the job is not imported.
 */
export function originJobConfig(rows: OriginJobRows, zone: OriginTimeZone): { job?: OriginJobConfig; errors: OriginRowError[] } {
  const errors: OriginRowError[] = []
  const jobId = String(rows.job.id)
  const collect = (reader: OriginRowReader) => {
    const error = reader.error(jobId)
    if (error) errors.push(error)
  }

  const job = new OriginRowReader('jobtable', rows.job, zone)
  if (!isUuid(rows.job.id)) job.problem('id', 'Not a UUID: ids are kept, and this store’s ids are UUIDs')
  const name = job.text('name', { nonEmpty: true, max: 200 })
  const numOfRetries = job.integer('num_of_retries', { min: 0 })
  const fileLogging = job.boolean('file_logging')
  const strategy = strategyType(job)
  collect(job)

  const metadata = new Map<string, Record<string, unknown>>()
  let jobMetadata: Record<string, unknown> | undefined
  let createdAt: Date | undefined
  for (const row of rows.metadata) {
    const reader = new OriginRowReader('metadatatable', row, zone)
    const timestamp = reader.time('timestamp')
    const userId = reader.integer('user_id', { nullable: true })
    collect(reader)
    if (timestamp === undefined || userId === undefined) continue
    const value = { timestamp: (timestamp as Date).toISOString(), ...(userId === null ? {} : { user_id: userId }) }
    if (row.component_id !== null && row.component_id !== undefined) metadata.set(String(row.component_id), value)
    else {
      jobMetadata = value
      createdAt = timestamp as Date
    }
  }

  const layouts = new Map<string, { x_coordinate: number; y_coordinate: number }>()
  for (const row of rows.layouts) {
    const reader = new OriginRowReader('layouttable', row, zone)
    const x = coordinate(reader, 'x_coordinate')
    const y = coordinate(reader, 'y_coordinate')
    collect(reader)
    if (x !== undefined && y !== undefined) layouts.set(String(row.component_id), { x_coordinate: x, y_coordinate: y })
  }

  const names = new Map<string, string>()
  const components: Array<{ id: string; value: Record<string, unknown> }> = []
  for (const row of rows.components) {
    const reader = new OriginRowReader('componenttable', row, zone)
    const componentName = reader.text('name', { nonEmpty: true })
    const description = reader.text('description', { nullable: true })
    const compType = reader.text('comp_type', { nonEmpty: true })
    const payload = reader.object('payload')
    collect(reader)
    if (!reader.ok) continue
    names.set(String(row.id), componentName as string)
    const value: Record<string, unknown> = { comp_type: compType, name: componentName }
    if (description !== null) value.description = description
    for (const [key, member] of Object.entries(payload as Record<string, unknown>)) if (!BASE_KEYS.has(key)) value[key] = member
    components.push({ id: String(row.id), value })
  }

  const routes = originRoutes(rows.links, new Set(rows.components.map((row) => String(row.id))), names, zone, collect)
  if (errors.length > 0) return { errors }
  const config: Record<string, unknown> = {
    name,
    strategy_type: strategy,
    num_of_retries: numOfRetries,
    file_logging: fileLogging,
    ...(jobMetadata === undefined ? {} : { metadata_: jobMetadata }),
    components: components.map(({ id, value }) => ({
      ...value,
      ...(routes.has(id) ? { routes: routes.get(id) } : {}),
      ...(layouts.has(id) ? { layout: layouts.get(id) } : {}),
      ...(metadata.has(id) ? { metadata_: metadata.get(id) } : {}),
    })),
  }
  return { job: { id: jobId, config, componentIds: components.map(({ id }) => id), createdAt, numOfRetries: numOfRetries as number }, errors }
}

type RouteTarget = string | { to: string; in_port: string }

/** component id → out port → targets, in etl-core's order (out port, then position). */
function originRoutes(
  links: readonly OriginRow[],
  components: ReadonlySet<string>,
  names: ReadonlyMap<string, string>,
  zone: OriginTimeZone,
  collect: (reader: OriginRowReader) => void,
): Map<string, Record<string, RouteTarget[]>> {
  const edges: Array<{ src: string; port: string; position: number; target: RouteTarget }> = []
  for (const row of links) {
    const reader = new OriginRowReader('componentlinktable', row, zone)
    const src = String(row.src_component_id)
    const dst = names.get(String(row.dst_component_id))
    // A link of a component that is itself reported needs no report of its own.
    if (!components.has(src)) reader.problem('src_component_id', `No component ${src} in this job`)
    if (!components.has(String(row.dst_component_id))) reader.problem('dst_component_id', `No component ${String(row.dst_component_id)} in this job`)
    const port = reader.text('src_out_port', { nonEmpty: true })
    const inPort = reader.text('dst_in_port', { nullable: true })
    const position = reader.integer('position', { min: 0 })
    collect(reader)
    if (!reader.ok || dst === undefined || !names.has(src)) continue
    edges.push({ src, port: port as string, position: position as number, target: inPort ? { to: dst, in_port: inPort } : dst })
  }
  edges.sort((a, b) => (a.port < b.port ? -1 : a.port > b.port ? 1 : a.position - b.position))
  const routes = new Map<string, Record<string, RouteTarget[]>>()
  for (const { src, port, target } of edges) {
    const byPort = routes.get(src) ?? {}
    ;(byPort[port] ??= []).push(target)
    routes.set(src, byPort)
  }
  return routes
}

/** SQLAlchemy's Enum column keeps the member's name (`ROW`); a hand-written row may hold the value (`row`). */
function strategyType(reader: OriginRowReader): string | undefined {
  const value = reader.row.strategy_type
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined
  if (text === 'row' || text === 'bulk' || text === 'bigdata') return text
  return reader.problem('strategy_type', `${JSON.stringify(value)} is not a strategy of etl-core (ROW, BULK, BIGDATA)`)
}

function coordinate(reader: OriginRowReader, column: string): number | undefined {
  const value = reader.row[column]
  if (typeof value === 'number' && Number.isFinite(value)) return value
  return reader.problem(column, `Expected a number, found ${value === null ? 'NULL' : JSON.stringify(value)}`)
}
