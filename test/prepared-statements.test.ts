import { expect, it } from 'vitest'
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
