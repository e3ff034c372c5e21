import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { afterAll, beforeAll, describe, inject } from 'vitest'
import type { EngineName } from '../../src/config/database-url.js'
import { resolveConfig, type StoreConfigInput } from '../../src/config/store-config.js'
import { createAdapter, createDatabase } from '../../src/db/connect.js'
import type { DialectAdapter } from '../../src/db/dialect-adapter.js'
import { openStore, type OpenStoreOptions, type Store } from '../../src/store.js'
import { TEST_MYSQL_URL, TEST_PG_URL } from './engine-urls.js'

export const ENGINES: readonly EngineName[] = ['sqlite', 'postgres', 'mysql']

/** One isolated database for one test file on one engine. */
export interface EngineTarget {
  readonly engine: EngineName
  /** The store config that points at this file's own database/schema. */
  readonly config: (extra?: Partial<NonNullable<StoreConfigInput['database']>>) => StoreConfigInput
  /** The same config, written to a JSON file (for child processes and the CLI). */
  readonly configFile: (extra?: Partial<NonNullable<StoreConfigInput['database']>>) => string
  /** Opens a store on this target (closed automatically after the file). */
  readonly open: (extra?: Partial<StoreConfigInput>, options?: OpenStoreOptions) => Promise<Store>
  /** A raw Kysely on this target, through the same adapter and error mapping as the store. */
  readonly raw: () => { db: Kysely<any>; adapter: DialectAdapter }
  /** A scratch directory removed after the file. */
  readonly dir: string
}

export function isReachable(engine: EngineName): boolean {
  if (engine === 'sqlite') return true
  return inject('reachable')[engine]
}

/**
 * Runs `suite` once per engine, each against its own fresh database (SQLite file,
 * PostgreSQL schema, MySQL database) that is dropped afterwards.
 */
export function describeEngines(name: string, suite: (target: () => EngineTarget) => void, engines: readonly EngineName[] = ENGINES): void {
  for (const engine of engines) {
    describe.skipIf(!isReachable(engine))(`${name} [${engine}]`, () => {
      let target: EngineTarget | undefined
      let cleanup: (() => Promise<void>) | undefined
      beforeAll(async () => {
        const provisioned = await provision(engine)
        target = provisioned.target
        cleanup = provisioned.cleanup
      })
      afterAll(async () => {
        await cleanup?.()
      })
      suite(() => {
        if (!target) throw new Error('engine target not provisioned')
        return target
      })
    })
  }
}

export async function provision(engine: EngineName): Promise<{ target: EngineTarget; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `etlp-${engine}-`))
  const suffix = randomBytes(5).toString('hex')
  let database: NonNullable<StoreConfigInput['database']>
  let drop: () => Promise<void>
  switch (engine) {
    case 'sqlite':
      database = { url: `sqlite://${join(dir, 'etl.db')}` }
      drop = async () => {}
      break
    case 'postgres': {
      const schema = `t_${suffix}`
      await adminPostgres(`create schema "${schema}"`)
      database = { url: TEST_PG_URL, schema }
      drop = () => adminPostgres(`drop schema if exists "${schema}" cascade`)
      break
    }
    case 'mysql': {
      const name = `etlp_t_${suffix}`
      await adminMysql(`create database \`${name}\``)
      const url = new URL(TEST_MYSQL_URL)
      url.pathname = `/${name}`
      database = { url: url.toString() }
      drop = () => adminMysql(`drop database if exists \`${name}\``)
      break
    }
  }
  const stores: Store[] = []
  const raws: Kysely<any>[] = []
  const config = (extra = {}) => ({ database: { ...database, ...extra } })
  const target: EngineTarget = {
    engine,
    dir,
    config,
    configFile: (extra = {}) => {
      const file = join(dir, `config-${randomBytes(4).toString('hex')}.json`)
      writeFileSync(file, JSON.stringify(config(extra)))
      return file
    },
    open: async (extra = {}, options = {}) => {
      const { database: extraDatabase, ...rest } = extra
      const store = await openStore({ ...rest, database: { ...database, ...(extraDatabase ?? {}) } }, options)
      stores.push(store)
      return store
    },
    raw: () => {
      const resolved = resolveConfig(config(), {})
      const adapter = createAdapter(resolved)
      const db = createDatabase(resolved, adapter)
      raws.push(db)
      return { db, adapter }
    },
  }
  const cleanup = async () => {
    await Promise.allSettled([...stores.map((store) => store.close()), ...raws.map((db) => db.destroy())])
    await drop()
    rmSync(dir, { recursive: true, force: true })
  }
  return { target, cleanup }
}

async function adminPostgres(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

async function adminMysql(statement: string): Promise<void> {
  const connection = await mysql.createConnection({ uri: TEST_MYSQL_URL })
  try {
    await connection.query(statement)
  } finally {
    await connection.end()
  }
}

/** Runs raw SQL through an executor (for tests that set up or tamper with tables). */
export async function exec(db: Kysely<any>, statement: string): Promise<unknown[]> {
  const result = await sql.raw(statement).execute(db)
  return result.rows as unknown[]
}
