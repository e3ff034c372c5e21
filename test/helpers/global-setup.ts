import mysql from 'mysql2/promise'
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { TEST_MYSQL_URL, TEST_PG_URL } from './engine-urls.js'

declare module 'vitest' {
  export interface ProvidedContext {
    reachable: { postgres: boolean; mysql: boolean }
  }
}

async function probe(name: string, url: string, connect: () => Promise<void>): Promise<boolean> {
  try {
    await connect()
    return true
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    if (process.env.CI === 'true') {
      throw new Error(`${name} at ${url.replace(/:[^:@/]*@/, ':***@')} is unreachable and CI=true: ${reason}`)
    }
    console.log(`SKIPPING ${name} tests: ${url.replace(/:[^:@/]*@/, ':***@')} is unreachable (${reason})`)
    return false
  }
}

/** Probes the servers once; with CI=true an unreachable server fails the run. */
export async function setup(project: TestProject): Promise<void> {
  const postgres = await probe('PostgreSQL', TEST_PG_URL, async () => {
    const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5000 })
    await client.connect()
    await client.end()
  })
  const mysqlReachable = await probe('MariaDB/MySQL', TEST_MYSQL_URL, async () => {
    const connection = await mysql.createConnection({ uri: TEST_MYSQL_URL, connectTimeout: 5000 })
    await connection.end()
  })
  project.provide('reachable', { postgres, mysql: mysqlReachable })
}
