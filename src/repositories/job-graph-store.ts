import { insertRows, prepare } from '../db/speed/prepared-statement.js'
import type { ValidatedJob } from '../schema/job-graph-validation.js'
import { uuidv7 } from '../schema/ids.js'
import type { StoreContext } from '../store-context.js'
import type { componentLinksTable, componentsTable } from '../tables/job-tables.js'
import type { KyselyTable } from '../db/table-declaration.js'
import { decodeComponent, decodeLink, type Component, type ComponentLink } from './job-rows.js'

/** Keeps one statement a sensible size even where the parameter limit would allow more. */
const MAX_ROWS_PER_STATEMENT = 2_000
const PAYLOAD_EXCLUDED = new Set(['name', 'comp_type', 'description', 'routes', 'layout', 'metadata'])
// The order of the values in each row `insertGraph` writes; the names are checked against the declarations.
const COMPONENT_COLUMNS = [
  'id',
  'job_id',
  'name',
  'comp_type',
  'position',
  'description',
  'payload',
  'x_coord',
  'y_coord',
  'metadata',
] as const satisfies readonly (keyof KyselyTable<typeof componentsTable>)[]
const LINK_COLUMNS = ['job_id', 'src_component_id', 'out_port', 'position', 'dst_component_id', 'in_port'] as const satisfies readonly (keyof KyselyTable<
  typeof componentLinksTable
>)[]

/**
 * Writes the current graph of a job: its components and links, in as few statements
 * as the engine's parameter limit allows. Call inside the saving transaction.
 * @internal
 */
export async function insertGraph(context: StoreContext, jobId: string, job: ValidatedJob): Promise<void> {
  const { adapter } = context
  const ids = new Map<string, string>()
  const componentRows = job.components.map(({ config, raw }, position) => {
    const id = uuidv7()
    ids.set(config.name, id)
    // The type's own fields and the rest of the keys exactly as given (unknown ones too).
    const payload: Record<string, unknown> = {}
    for (const key in raw) if (!PAYLOAD_EXCLUDED.has(key)) payload[key] = raw[key]
    const { layout } = config
    return [
      id,
      jobId,
      config.name,
      config.comp_type,
      position,
      config.description ?? null,
      adapter.encodeJson(payload),
      layout === undefined ? null : (layout.x_coord ?? layout.x_coordinate ?? 0),
      layout === undefined ? null : (layout.y_coord ?? layout.y_coordinate ?? 0),
      config.metadata === undefined ? null : adapter.encodeJson(config.metadata),
    ]
  })
  const linkRows = job.links.map((link) => [jobId, ids.get(link.src), link.out_port, link.position, ids.get(link.dst), link.in_port])
  await insertRows(context, 'components', COMPONENT_COLUMNS, componentRows, MAX_ROWS_PER_STATEMENT)
  await insertRows(context, 'component_links', LINK_COLUMNS, linkRows, MAX_ROWS_PER_STATEMENT)
}

/** @internal */
export async function deleteGraph(context: StoreContext, jobId: string): Promise<void> {
  await context.db.deleteFrom('component_links').where('job_id', '=', jobId).execute()
  await context.db.deleteFrom('components').where('job_id', '=', jobId).execute()
}

/** One statement. @internal */
export async function loadComponents(context: StoreContext, jobId: string): Promise<Component[]> {
  const rows = await componentsOf.rows(context, { job_id: jobId })
  return rows.map((row) => decodeComponent(context.adapter, row))
}

/** One statement (the component names come from a join). @internal */
export async function loadLinks(context: StoreContext, jobId: string): Promise<ComponentLink[]> {
  const rows = await linksOf.rows(context, { job_id: jobId })
  return rows.map((row) => decodeLink(context.adapter, row))
}

const componentsOf = prepare<'job_id'>((t, value) =>
  t.db.selectFrom('components').select(COMPONENT_COLUMNS).where('job_id', '=', value('job_id')).orderBy('position'),
)
const linksOf = prepare<'job_id'>((t, value) =>
  t.db
    .selectFrom('component_links as l')
    .innerJoin('components as s', 's.id', 'l.src_component_id')
    .innerJoin('components as d', 'd.id', 'l.dst_component_id')
    .select(['l.src_component_id', 'l.out_port', 'l.position', 'l.dst_component_id', 'l.in_port', 's.name as src', 'd.name as dst'])
    .where('l.job_id', '=', value('job_id'))
    .orderBy('s.position')
    .orderBy('l.out_port')
    .orderBy('l.position'),
)
