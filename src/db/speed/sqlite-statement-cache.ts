import type Database from 'better-sqlite3'

/** Enough for every statement shape the repositories issue; bulk-insert chunk shapes included. */
const DEFAULT_CAPACITY = 256

/**
 * Kysely's SQLite driver prepares every statement it runs. Preparing (parsing and
 * planning) costs as much as running a small statement, so the connection handed to
 * Kysely keeps the prepared statements of the most recently used SQL texts (an LRU)
 * and hands them out again. SQLite re-prepares a cached statement by itself after a
 * schema change. A statement still iterating (a stream) is never handed out twice.
 * @internal
 */
export function withStatementCache(database: Database.Database, capacity = DEFAULT_CAPACITY): Database.Database {
  const statements = new Map<string, Database.Statement>()
  const prepare = (source: string): Database.Statement => {
    const cached = statements.get(source)
    if (cached && !cached.busy) {
      statements.delete(source)
      statements.set(source, cached)
      return cached
    }
    const statement = database.prepare(source)
    if (!cached) {
      statements.set(source, statement)
      if (statements.size > capacity) statements.delete(statements.keys().next().value as string)
    }
    return statement
  }
  return new Proxy(database, {
    get(target, property) {
      if (property === 'prepare') return prepare
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
