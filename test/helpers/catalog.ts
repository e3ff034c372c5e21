import type { Kysely } from 'kysely'
import type { EngineName } from '../../src/config/database-url.js'
import { exec } from './engines.js'

/**
 * The catalog of the target's own database as sorted text lines: tables, columns with
 * types and nullability, indexes and constraints. Two equal snapshots mean the same schema.
 */
export async function catalogSnapshot(db: Kysely<any>, engine: EngineName): Promise<string[]> {
  const lines: string[] = []
  const add = (rows: unknown[]) => lines.push(...rows.map((row) => JSON.stringify(row)))
  switch (engine) {
    case 'sqlite':
      add(await exec(db, "select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' order by name"))
      break
    case 'postgres': {
      const [current] = (await exec(db, 'select current_schema() as name')) as Array<{ name: string }>
      const before = lines.length
      add(
        await exec(
          db,
          `select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns
           where table_schema = current_schema() order by table_name, column_name`,
        ),
      )
      add(await exec(db, `select tablename, indexname, indexdef from pg_indexes where schemaname = current_schema() order by indexname`))
      add(
        await exec(
          db,
          `select conrelid::regclass::text as tbl, conname, pg_get_constraintdef(oid) as def from pg_constraint
           where connamespace = current_schema()::regnamespace order by conname`,
        ),
      )
      // Each test file has its own schema: leave its name out of the definitions.
      for (let i = before; i < lines.length; i++) lines[i] = (lines[i] ?? '').split(`${current?.name}.`).join('')
      break
    }
    case 'mysql':
      add(
        await exec(
          db,
          `select table_name, column_name, column_type, is_nullable, column_default from information_schema.columns
           where table_schema = database() order by table_name, column_name`,
        ),
      )
      add(
        await exec(
          db,
          `select table_name, index_name, column_name, seq_in_index, non_unique from information_schema.statistics
           where table_schema = database() order by table_name, index_name, seq_in_index`,
        ),
      )
      add(
        await exec(
          db,
          `select table_name, constraint_name, constraint_type from information_schema.table_constraints
           where table_schema = database() order by table_name, constraint_name`,
        ),
      )
      break
  }
  return lines.sort()
}
