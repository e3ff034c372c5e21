import type { KyselyTable, SomeTable } from '../db/table-declaration.js'
import * as environment from './environment-tables.js'
import * as execution from './execution-tables.js'
import * as job from './job-tables.js'
import * as security from './security-tables.js'
import * as store from './store-tables.js'

/** Every core table's declaration, keyed by its unprefixed name. */
const declarations = [
  ...Object.values(job),
  ...Object.values(execution),
  ...Object.values(environment),
  ...Object.values(security),
  ...Object.values(store),
] satisfies SomeTable[]

type Declared = (typeof declarations)[number]

/** The core tables as Kysely sees them, by unprefixed name (the prefix plugin adds `etl_`). */
export type CoreDatabase = { [T in Declared as T['name']]: KyselyTable<T> }

/** The core tables' declarations, for the schema check and the prefix plugin. */
export const CORE_TABLES: ReadonlyMap<string, SomeTable> = new Map(declarations.map((table) => [table.name, table]))
