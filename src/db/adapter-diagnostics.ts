import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { sql, type Kysely, type RawBuilder } from 'kysely'

/** What every engine reports: its version, and how long one round trip to it took. */
interface CommonDiagnostics {
  /** The SQLite library's version, or the server's (`16.4`, `11.4.2-MariaDB`). */
  readonly server_version: string
  /** The version query's round trip, in milliseconds. */
  readonly round_trip_ms: number
}

export interface SqliteDiagnostics extends CommonDiagnostics {
  readonly engine: 'sqlite'
  /** `:memory:`: no file, no write-ahead log. */
  readonly in_memory: boolean
  /** `wal` for a file this store opened. */
  readonly journal_mode: string
  /** `incremental` lets retention give space back to the file system. */
  readonly auto_vacuum: 'none' | 'full' | 'incremental'
  readonly busy_timeout_ms: number
  /** The write-ahead log's size on disk now; null without one. */
  readonly wal_bytes: number | null
}

export interface ServerDiagnostics extends CommonDiagnostics {
  readonly engine: 'postgres' | 'mysql'
  /** The server's connection limit, shared by every client (a pool may not need more). */
  readonly max_connections: number
}

/** What `store.diagnostics()` (and `etlp doctor`) reports about the database, as it reports it itself. */
export type DatabaseDiagnostics = SqliteDiagnostics | ServerDiagnostics

const AUTO_VACUUM = ['none', 'full', 'incremental'] as const

export async function sqliteDiagnostics<DB>(db: Kysely<DB>, filename: string): Promise<SqliteDiagnostics> {
  const { value: version, ms } = await timed(() => single(db, sql`select sqlite_version()`))
  const inMemory = filename === ':memory:'
  return {
    engine: 'sqlite',
    server_version: String(version),
    round_trip_ms: ms,
    in_memory: inMemory,
    journal_mode: String(await single(db, sql`pragma journal_mode`)),
    auto_vacuum: AUTO_VACUUM[Number(await single(db, sql`pragma auto_vacuum`))] ?? 'none',
    busy_timeout_ms: Number(await single(db, sql`pragma busy_timeout`)),
    wal_bytes: inMemory ? null : fileSize(`${resolve(filename)}-wal`),
  }
}

export async function postgresDiagnostics<DB>(db: Kysely<DB>): Promise<ServerDiagnostics> {
  const { value: version, ms } = await timed(() => single(db, sql`show server_version`))
  return { engine: 'postgres', server_version: String(version), round_trip_ms: ms, max_connections: Number(await single(db, sql`show max_connections`)) }
}

export async function mysqlDiagnostics<DB>(db: Kysely<DB>): Promise<ServerDiagnostics> {
  const { value: version, ms } = await timed(() => single(db, sql`select version()`))
  return { engine: 'mysql', server_version: String(version), round_trip_ms: ms, max_connections: Number(await single(db, sql`select @@max_connections`)) }
}

/** The first column of the first row. */
async function single<DB>(db: Kysely<DB>, query: RawBuilder<unknown>): Promise<unknown> {
  const [row] = (await query.execute(db)).rows
  return typeof row === 'object' && row !== null ? (Object.values(row)[0] ?? '') : ''
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now()
  const value = await work()
  return { value, ms: performance.now() - started }
}

function fileSize(path: string): number | null {
  try {
    return statSync(path).size
  } catch {
    return null
  }
}
