import { describe, expect, it } from 'vitest'
import { CompiledStatements } from '../src/db/speed/compiled-statements.js'
import { Store } from '../src/store.js'
import { describeEngines, exec } from './helpers/engines.js'
import { exampleJobs } from './helpers/job-graphs.js'

describeEngines('statements prepared on the server', (target) => {
  it('keep working on a live connection after a migration adds a column to their table', async () => {
    // One connection, so the statements prepared before the ALTER are the ones run after it.
    const store = await target().open({ database: { ...target().config().database, pool_size: 1, max_overflow: 0 } })
    await store.migrate()
    const [example] = exampleJobs()
    const job = await store.jobs.create(example!.config)
    // As JSON: a job carries loader functions, new ones on every read.
    const read = async () =>
      JSON.stringify({
        job: await store.jobs.get(job.id, { include: { components: true, links: true } }),
        list: (await store.jobs.list({ where: { column: 'name', operator: '==', value: job.name } })).items,
        audit: (await store.audit.list({ limit: 5 })).items,
      })
    const before = await read()
    const { db } = target().raw()
    for (const table of ['etl_jobs', 'etl_components', 'etl_audit_log']) await exec(db, `alter table ${table} add column added_later integer`)
    expect(await read()).toEqual(before)
  })
})

describeEngines('compiled statements per store', (target) => {
  it('compiles and names each store’s statements apart: two prefixes in one process each read their own tables', async () => {
    const database = target().config().database
    const first = await target().open({ database: { ...database, table_prefix: 'one_' } })
    const second = await target().open({ database: { ...database, table_prefix: 'two_' } })
    await first.migrate()
    await second.migrate()
    const [example] = exampleJobs()
    const a = await first.jobs.create(example!.config)
    const b = await second.jobs.create(example!.config)
    expect((await first.jobs.get(a.id)).id).toBe(a.id)
    await expect(first.jobs.get(b.id)).rejects.toThrow()
    expect((await second.jobs.get(b.id)).id).toBe(b.id)
    await expect(second.jobs.get(a.id)).rejects.toThrow()
    const [one, two] = [Store.context(first).adapter.statements, Store.context(second).adapter.statements]
    expect(one).not.toBe(two)
  })
})

describe('CompiledStatements', () => {
  it('names a statement on the server once, and only in the store that compiled it', () => {
    const one = new CompiledStatements()
    const two = new CompiledStatements()
    const definition = {}
    one.keepPrepared(definition, { sql: 'select 1', slots: [] })
    expect(one.prepared(definition)?.sql).toBe('select 1')
    expect(one.serverStatementName('select 1')).toBe('etlp_1')
    expect(two.prepared(definition)).toBeUndefined()
    expect(two.serverStatementName('select 1')).toBeUndefined()
  })

  it('names only the first 64 insert shapes on the server and keeps the most recent list-page shapes', () => {
    const statements = new CompiledStatements()
    for (let i = 0; i < 70; i++) statements.insertText(`t×${i}`, () => `insert ${i}`)
    expect(statements.serverStatementName('insert 63')).toBeDefined()
    expect(statements.serverStatementName('insert 64')).toBeUndefined()
    let compiled = 0
    const compile = () => {
      compiled++
      return { sql: `select ${compiled}`, slots: [] }
    }
    const build = () => ({ compile: () => ({}) as never })
    statements.shaped('a', build, compile)
    for (let i = 0; i < 256; i++) statements.shaped(`shape ${i}`, build, compile)
    expect(compiled).toBe(257)
    statements.shaped('a', build, compile) // evicted by the 256 newer shapes
    expect(compiled).toBe(258)
    statements.shaped('shape 255', build, compile)
    expect(compiled).toBe(258)
  })
})
