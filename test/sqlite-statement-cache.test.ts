import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { withStatementCache } from '../src/db/speed/sqlite-statement-cache.js'

function database() {
  const raw = new Database(':memory:')
  raw.exec('create table t (id integer primary key, name text)')
  raw.exec("insert into t (name) values ('a'), ('b'), ('c')")
  return withStatementCache(raw, 4)
}

describe('SQLite statement cache', () => {
  it('hands out the same prepared statement for the same SQL', () => {
    const db = database()
    expect(db.prepare('select * from t where id = ?')).toBe(db.prepare('select * from t where id = ?'))
  })

  it('sees columns added after the statement was cached', () => {
    const db = database()
    expect(db.prepare('select * from t where id = ?').get(1)).toEqual({ id: 1, name: 'a' })
    db.exec('alter table t add column extra text')
    expect(db.prepare('select * from t where id = ?').get(1)).toEqual({ id: 1, name: 'a', extra: null })
  })

  it('prepares a second statement while the cached one is still iterating', () => {
    const db = database()
    const names: string[] = []
    for (const row of db.prepare('select name from t order by id').iterate() as Iterable<{ name: string }>) {
      const inner = db.prepare('select name from t order by id').all() as { name: string }[]
      names.push(`${row.name}:${inner.length}`)
    }
    expect(names).toEqual(['a:3', 'b:3', 'c:3'])
  })

  it('keeps working past its capacity, evicting the least recently used', () => {
    const db = database()
    for (let i = 0; i < 20; i++) expect(db.prepare(`select ${i} as n`).get()).toEqual({ n: i })
    expect(db.prepare('select count(*) as n from t').get()).toEqual({ n: 3 })
  })

  it('evicts the least recently used statement, not the least recently prepared', () => {
    const db = database()
    const first = db.prepare('select 0 as n')
    const second = db.prepare('select 1 as n')
    db.prepare('select 2 as n')
    db.prepare('select 3 as n')
    expect(db.prepare('select 0 as n')).toBe(first) // a hit makes it the most recent
    db.prepare('select 4 as n') // one past the capacity of 4: 'select 1' is the least recent
    expect(db.prepare('select 0 as n')).toBe(first)
    expect(db.prepare('select 1 as n')).not.toBe(second)
  })

  it('passes every other call through to the database', () => {
    const db = database()
    db.exec("insert into t (name) values ('d')")
    expect(db.inTransaction).toBe(false)
    expect(db.pragma('foreign_keys', { simple: true })).toBeDefined()
  })
})
