import type { DialectAdapter } from '../db/dialect-adapter.js'
import type { QueryEntity } from '../query/query-entity.js'
import type { StoreContext } from '../store-context.js'

/** A job's header, as `get`, `getByName` and `list` return it. */
export interface JobHeader {
  readonly id: string
  readonly name: string
  readonly description: string | null
  readonly strategy_type: 'row' | 'bulk' | 'bigdata'
  readonly num_of_retries: number
  readonly file_logging: boolean
  readonly tags: readonly string[]
  readonly current_version: number
  /** SHA-256 (hex) of the current version's canonical config. */
  readonly content_hash: string
  readonly component_count: number
  readonly created_at: Date
  readonly updated_at: Date
  readonly created_by: string | null
  readonly updated_by: string | null
}

export interface Component {
  readonly id: string
  readonly job_id: string
  readonly name: string
  readonly comp_type: string
  /** Its place in the config's `components` array. */
  readonly position: number
  readonly description: string | null
  /** The type's own fields (and port schemas / extra ports), as given in the config. */
  readonly payload: Readonly<Record<string, unknown>>
  readonly layout: { readonly x_coord: number; readonly y_coord: number } | null
  readonly metadata: Readonly<Record<string, unknown>> | null
}

/** `src.out_port → dst.in_port`; `position` orders the links leaving one port. */
export interface ComponentLink {
  readonly src: string
  readonly src_component_id: string
  readonly out_port: string
  readonly position: number
  readonly dst: string
  readonly dst_component_id: string
  readonly in_port: string
}

export interface JobVersionSummary {
  readonly version: number
  readonly content_hash: string
  readonly created_at: Date
  readonly created_by: string | null
}

export interface JobVersion extends JobVersionSummary {
  readonly job_id: string
  /** The config exactly as saved (canonical JSON: keys sorted). */
  readonly config: Record<string, unknown>
}

/** @internal */
export function jobTables(context: Pick<StoreContext, 'table'>) {
  return {
    jobs: context.table('jobs'),
    versions: context.table('job_versions'),
    components: context.table('components'),
    links: context.table('component_links'),
  }
}

/** What `jobs.list(query)` may filter and sort on. */
export const jobQueryEntity: QueryEntity = {
  name: 'jobs',
  columns: {
    id: { column: 'id', type: 'string' },
    // Not unique (0008): pages ordered by name take the id as the tie-breaker, on the (name, id) index.
    name: { column: 'name', type: 'string' },
    description: { column: 'description', type: 'string', nullable: true },
    strategy_type: { column: 'strategy_type', type: 'string', values: ['row', 'bulk', 'bigdata'] },
    num_of_retries: { column: 'num_of_retries', type: 'integer' },
    file_logging: { column: 'file_logging', type: 'boolean' },
    current_version: { column: 'current_version', type: 'integer' },
    component_count: { column: 'component_count', type: 'integer' },
    created_at: { column: 'created_at', type: 'timestamp' },
    updated_at: { column: 'updated_at', type: 'timestamp' },
    created_by: { column: 'created_by', type: 'string', nullable: true },
    updated_by: { column: 'updated_by', type: 'string', nullable: true },
  },
  defaultOrder: [{ column: 'name' }],
}

/** @internal */
export function decodeJobHeader(adapter: DialectAdapter, row: Record<string, unknown>): JobHeader {
  return {
    id: String(row.id),
    name: String(row.name),
    description: row.description === null || row.description === undefined ? null : String(row.description),
    strategy_type: String(row.strategy_type) as JobHeader['strategy_type'],
    num_of_retries: Number(row.num_of_retries),
    file_logging: adapter.decodeBoolean(row.file_logging),
    tags: (adapter.decodeJson(row.tags) as string[] | null) ?? [],
    current_version: Number(row.current_version),
    content_hash: String(row.content_hash),
    component_count: Number(row.component_count),
    created_at: adapter.decodeTimestamp(row.created_at),
    updated_at: adapter.decodeTimestamp(row.updated_at),
    created_by: nullableString(row.created_by),
    updated_by: nullableString(row.updated_by),
  }
}

/** @internal */
export function decodeComponent(adapter: DialectAdapter, row: Record<string, unknown>): Component {
  const x = row.x_coord
  const y = row.y_coord
  return {
    id: String(row.id),
    job_id: String(row.job_id),
    name: String(row.name),
    comp_type: String(row.comp_type),
    position: Number(row.position),
    description: nullableString(row.description),
    payload: (adapter.decodeJson(row.payload) as Record<string, unknown>) ?? {},
    layout: x === null || x === undefined || y === null || y === undefined ? null : { x_coord: Number(x), y_coord: Number(y) },
    metadata: (adapter.decodeJson(row.metadata) as Record<string, unknown> | null) ?? null,
  }
}

/** @internal */
export function decodeVersionSummary(adapter: DialectAdapter, row: Record<string, unknown>): JobVersionSummary {
  return {
    version: Number(row.version),
    content_hash: String(row.content_hash),
    created_at: adapter.decodeTimestamp(row.created_at),
    created_by: nullableString(row.created_by),
  }
}

function nullableString(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value)
}
