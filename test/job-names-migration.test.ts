import { expect, it } from 'vitest'
import { ConflictError, ConstraintError, MigrationError } from '../src/errors.js'
import { describeEngines } from './helpers/engines.js'

const job = (name: string, filepath = 'out.csv') => ({
  name,
  components: [
    { comp_type: 'read_csv', name: 'read', filepath: 'in.csv', routes: { out: ['write'] } },
    { comp_type: 'write_csv', name: 'write', filepath },
  ],
})

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  )
}

describeEngines('migration 0008: job names not unique', (target) => {
  it('keeps every job, version, graph and execution, and the foreign keys, across up and down', async () => {
    const store = await target().open()
    await store.migrator.up({ to: '0007_execution_job_status_index' })
    const kept = await store.jobs.create(job('nightly'))
    await store.jobs.update(kept.id, job('nightly', 'v2.csv'))
    const execution = await store.executions.start({ jobId: kept.id, environment: 'DEV' })
    expect(await failure(store.jobs.create(job('nightly', 'other.csv')))).toBeInstanceOf(ConstraintError)

    await store.migrate()
    const loaded = await store.jobs.get(kept.id, { include: { components: true, links: true } })
    expect(loaded).toMatchObject({ name: 'nightly', current_version: 2 })
    expect(loaded.components?.map((c) => c.name)).toEqual(['read', 'write'])
    expect(loaded.links).toHaveLength(1)
    expect((await store.jobs.versions(kept.id)).map((v) => v.version)).toEqual([1, 2])
    expect((await store.executions.get(execution.id)).job_id).toBe(kept.id)
    // The history still holds on to its job: the foreign keys survived (and are enforced again).
    expect(await failure(store.jobs.delete(kept.id))).toBeInstanceOf(ConflictError)

    const twin = await store.jobs.create(job('nightly', 'twin.csv'))
    const refused = await failure(store.migrator.down({ to: '0007_execution_job_status_index' }))
    expect(refused).toBeInstanceOf(MigrationError)
    expect((await store.jobs.get(twin.id)).name).toBe('nightly')

    await store.jobs.delete(twin.id)
    await store.migrator.down({ to: '0007_execution_job_status_index' })
    expect((await store.jobs.get(kept.id, { include: { links: true } })).links).toHaveLength(1)
    expect(await failure(store.jobs.create(job('nightly', 'again.csv')))).toBeInstanceOf(ConstraintError)
    expect(await failure(store.jobs.delete(kept.id))).toBeInstanceOf(ConflictError)
    await store.migrate()
    expect((await store.migrator.status()).every((migration) => migration.state === 'applied')).toBe(true)
  })
})
