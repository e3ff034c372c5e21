import type { CompiledQuery, Kysely } from 'kysely'

/**
 * `db`, recording every compiled statement run through its `executeQuery` with its
 * parameters: the path of the statements the store compiles once and binds (list pages,
 * the hot writes), which a plugin does not see. Builder queries are not recorded.
 */
export function recordingExecuted(db: Kysely<any>, executed: CompiledQuery[]): Kysely<any> {
  return new Proxy(db, {
    get(target, property) {
      if (property === 'executeQuery') {
        return (query: CompiledQuery) => {
          executed.push(query)
          return target.executeQuery(query)
        }
      }
      const value = Reflect.get(target, property, target) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
