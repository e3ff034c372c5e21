// Where the benchmark runs: a fresh SQLite file, PostgreSQL schema or MySQL database per
// engine, dropped and created anew at the start of every run.
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import pg from 'pg'
import mysql from 'mysql2/promise'

export const PG_URL = process.env.ETLP_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const MYSQL_URL = process.env.ETLP_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'
// ETLP_BENCH_NAME lets two checkouts benchmark at once without sharing a database.
const NAME = process.env.ETLP_BENCH_NAME ?? 'etlp_bench'

/** Creates the empty target and returns the etl-persistence config that points at it. */
export async function provisionEngine(engine) {
  switch (engine) {
    case 'sqlite': {
      const dir = join(tmpdir(), NAME)
      rmSync(dir, { recursive: true, force: true })
      mkdirSync(dir, { recursive: true })
      const file = join(dir, 'bench.db')
      return { engine, file, config: { database: { url: `sqlite://${file}` } } }
    }
    case 'postgres': {
      const client = new pg.Client({ connectionString: PG_URL })
      await client.connect()
      await client.query(`drop schema if exists ${NAME} cascade`)
      await client.query(`create schema ${NAME}`)
      await client.end()
      return { engine, schema: NAME, url: PG_URL, config: { database: { url: PG_URL, schema: NAME, pool_size: 10 } } }
    }
    case 'mysql': {
      const connection = await mysql.createConnection({ uri: MYSQL_URL })
      await connection.query(`drop database if exists ${NAME}`)
      await connection.query(`create database ${NAME}`)
      await connection.end()
      const url = new URL(MYSQL_URL)
      url.pathname = `/${NAME}`
      return { engine, url: url.toString(), config: { database: { url: url.toString(), pool_size: 10 } } }
    }
    default:
      throw new Error(`unknown engine ${engine}`)
  }
}
