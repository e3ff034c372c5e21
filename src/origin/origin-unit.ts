import type { StoreContext } from '../store-context.js'
import { OriginRowError, type OriginTable } from './origin-row-error.js'
import type { OriginTimeZone } from './origin-time.js'

/** What every unit of the import (one transaction each) is given. @internal */
export interface UnitOptions {
  readonly zone: OriginTimeZone
  /** etl-core's secret-store keys (`<id>/password`, `<context id>/<key>`) → values. */
  readonly secrets: ReadonlyMap<string, string>
  readonly renameDuplicates: boolean
  /** Writes the unit's audit row, in its transaction. */
  readonly audit: (context: StoreContext, entityType: string, id: string, after: unknown) => Promise<void>
}

/** The rows of one unit that cannot be taken: nothing of the unit is written. @internal */
export class OriginUnitErrors extends Error {
  readonly errors: readonly OriginRowError[]

  constructor(errors: readonly OriginRowError[]) {
    super(errors[0]?.message ?? 'rows of the origin cannot be imported')
    this.name = 'OriginUnitErrors'
    this.errors = errors
  }
}

const MAX_NAME = 200

/**
 * The name to store for an origin row: its own, unless another row here has it (names
 * are unique here, not in etl-core). Then, with `renameDuplicates`, the name followed by
 * the start of the origin id, `orders (3f0c2a1b)`; without, an error naming the row.
 */
export async function freeName(
  context: StoreContext,
  table: 'jobs' | 'credentials' | 'contexts' | 'schedules',
  originTable: OriginTable,
  id: string,
  name: string,
  options: Pick<UnitOptions, 'renameDuplicates'>,
  jobId?: string,
): Promise<string> {
  const holder = async (candidate: string) => context.db.selectFrom(table).select('id').where('name', '=', candidate).executeTakeFirst()
  const taken = await holder(name)
  if (taken === undefined) return name
  const suffix = ` (${id.slice(0, 8)})`
  const renamed = `${name.slice(0, MAX_NAME - suffix.length)}${suffix}`
  if (!options.renameDuplicates || (await holder(renamed)) !== undefined) {
    throw new OriginRowError(
      originTable,
      id,
      [
        {
          path: 'name',
          message: `${JSON.stringify(name)} is already the name of ${String(taken.id)} here (names are unique here, not in etl-core): rename one, or import with renameDuplicates`,
        },
      ],
      jobId === undefined ? {} : { jobId },
    )
  }
  return renamed
}
