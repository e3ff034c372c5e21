import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { beforeAll, expect, it } from 'vitest'
import { AccessDeniedError } from '../src/errors.js'
import { Store } from '../src/store.js'
import { describeEngines, exec } from './helpers/engines.js'
import { openSecretStore, writeKeyFile } from './helpers/secret-store.js'

const SECRET = 'AUDIT_SECRET_5d1e'

const job = (name: string, filepath = 'in.csv') => ({
  name,
  strategy_type: 'row',
  components: [
    { comp_type: 'read_csv', name: 'read', filepath, routes: { out: ['write'] } },
    { comp_type: 'write_csv', name: 'write', filepath: 'out.csv' },
  ],
})

const model = {
  models: {
    quality_check: {
      table_name: 'audit_quality_checks',
      fields: [
        { name: 'id', type: 'integer', primary_key: true },
        { name: 'rule', type: 'string', nullable: false, max_length: 200 },
      ],
    },
  },
}

describeEngines('audit trail', (target) => {
  let store: Store
  let keyFile: string

  beforeAll(async () => {
    keyFile = writeKeyFile(target().dir).path
    store = await openSecretStore(target(), keyFile)
  })

  const auditRows = async () => (await exec(Store.context(store).db, 'select count(*) as n from etl_audit_log')) as Array<{ n: unknown }>
  const count = async () => Number((await auditRows())[0]?.n)

  it('writes exactly one audit row for every change through every repository', async () => {
    const changes: Array<[string, () => Promise<unknown>]> = []
    let jobId = ''
    let credentialId = ''
    let contextId = ''
    let scheduleId = ''
    changes.push(['jobs.create', async () => (jobId = (await store.jobs.create(job('audited'))).id)])
    changes.push(['jobs.update', () => store.jobs.update(jobId, job('audited', 'other.csv'))])
    changes.push(['credentials.create', async () => (credentialId = (await store.credentials.create({ name: 'warehouse', password: SECRET })).id)])
    changes.push(['credentials.update', () => store.credentials.update(credentialId, { host: 'db.internal' })])
    changes.push([
      'contexts.upsert',
      async () =>
        (contextId = (
          await store.contexts.upsert({
            name: 'ctx',
            environment: 'DEV',
            parameters: { token: { value: SECRET, is_secure: true }, region: { value: 'eu', is_secure: false } },
            credentials: { DEV: 'warehouse' },
          })
        ).id),
    ])
    changes.push([
      'schedules.create',
      async () => (scheduleId = (await store.schedules.create({ name: 'hourly', job_id: jobId, environment: 'DEV', trigger: { interval: { hours: 1 } } })).id),
    ])
    changes.push(['schedules.pause', () => store.schedules.pause(scheduleId)])
    changes.push(['schedules.resume', () => store.schedules.resume(scheduleId)])
    changes.push(['schedules.update', () => store.schedules.update(scheduleId, { paused: true })])
    changes.push(['schedules.delete', () => store.schedules.delete(scheduleId)])
    changes.push(['contexts.delete', () => store.contexts.delete(contextId)])
    changes.push(['credentials.delete', () => store.credentials.delete(credentialId)])
    changes.push(['executions.purge', () => store.executions.purge({ olderThan: new Date(0) })])
    changes.push(['models.define', () => store.models.define(model)])
    changes.push(['records.insert', () => store.models.records('quality_check').insert({ id: 1, rule: 'not null' })])
    changes.push([
      'records.insertMany',
      () =>
        store.models.records('quality_check').insertMany([
          { id: 2, rule: 'a' },
          { id: 3, rule: 'b' },
        ]),
    ])
    changes.push(['records.update', () => store.models.records('quality_check').update(1, { rule: 'unique' })])
    changes.push(['records.upsert', () => store.models.records('quality_check').upsert({ id: 4, rule: 'c' })])
    changes.push(['records.delete', () => store.models.records('quality_check').delete(2)])
    changes.push(['keys.rotate', () => store.keys.rotate()])
    changes.push(['jobs.delete', () => store.jobs.delete(jobId)])

    for (const [action, change] of changes) {
      const before = await count()
      await change()
      expect(await count(), action).toBe(before + 1)
      const last = (await store.audit.list({ limit: 1 })).items[0]
      expect(last?.action, action).toBe(action)
      expect(last?.actor).toBe('system')
      expect(last?.outcome).toBe('ok')
    }
    expect((await store.audit.verify()).ok).toBe(true)
  })

  it('keeps the before and after of a change, with secrets redacted', async () => {
    const created = await store.credentials.create({ name: 'redacted', user: 'etl', password: SECRET })
    await store.contexts.upsert({ name: 'redacted-ctx', environment: 'TEST', parameters: { key: { value: SECRET, is_secure: true } } })
    await store.credentials.update(created.id, { password: `${SECRET}-2` })
    const [entry] = (await store.audit.list({ where: { column: 'action', operator: '==', value: 'credentials.update' }, limit: 1 })).items
    expect(entry?.entity_id).toBe(created.id)
    expect(entry?.before).toMatchObject({ name: 'redacted', user: 'etl' })
    const everything = JSON.stringify(await exec(Store.context(store).db, 'select * from etl_audit_log'))
    expect(everything).not.toContain(SECRET)
  })

  it('writes no audit row for a change that fails', async () => {
    const { id } = await store.jobs.create(job('stale-update'))
    const before = await count()
    await expect(store.jobs.update(id, job('stale-update', 'other.csv'), { expectedVersion: 7 })).rejects.toMatchObject({ error_type: 'conflict' })
    await expect(store.jobs.create({ name: 'broken', components: [{ comp_type: 'nope', name: 'x' }] })).rejects.toMatchObject({
      error_type: 'validation_error',
    })
    expect(await count()).toBe(before)
  })

  it('writes one denied row for a refused call, and changes nothing else', async () => {
    const viewer = store.as({ id: 'vera', roles: ['viewer'] })
    const jobsBefore = (await store.jobs.list({ total: true })).total
    const before = await count()
    await expect(viewer.jobs.create(job('refused'))).rejects.toBeInstanceOf(AccessDeniedError)
    expect(await count()).toBe(before + 1)
    const [entry] = (await store.audit.list({ limit: 1 })).items
    expect(entry).toMatchObject({ actor: 'vera', outcome: 'denied', action: 'jobs.create' })
    expect((await store.jobs.list({ total: true })).total).toBe(jobsBefore)
  })

  it('records execution lifecycle writes only when audit.executions is on', async () => {
    const jobId = (await store.jobs.create(job('lifecycle'))).id
    const before = await count()
    await store.executions.start({ jobId, environment: 'DEV' })
    expect(await count()).toBe(before)
    const auditing = await target().open({ security: { master_key_file: keyFile }, audit: { executions: true } })
    await auditing.executions.start({ jobId, environment: 'DEV' })
    expect(await count()).toBe(before + 1)
  })

  it('reports an edited, deleted, inserted or swapped row, and a truncated tail, with its sequence number', async () => {
    const tampered = await openSecretStore(target(), keyFile, { database: { ...target().config().database, table_prefix: 'tamper_' } })
    const db = Store.context(tampered).db
    for (let i = 0; i < 5; i++) await tampered.jobs.create(job(`tamper-${i}`))
    const head = await tampered.audit.head()
    expect(await tampered.audit.verify({ expectedHead: head })).toMatchObject({ ok: true, first_broken_seq: null })
    const seq = head.seq - 3

    const [original] = (await exec(db, `select actor from tamper_audit_log where seq = ${seq}`)) as Array<{ actor: string }>
    await exec(db, `update tamper_audit_log set actor = 'mallory' where seq = ${seq}`)
    expect(await tampered.audit.verify()).toMatchObject({ ok: false, first_broken_seq: seq })
    await exec(db, `update tamper_audit_log set actor = '${original?.actor}' where seq = ${seq}`)
    expect((await tampered.audit.verify()).ok).toBe(true)

    // Swap the contents of two rows (keeping their sequence numbers).
    const rows = (await exec(db, `select seq, action, entity_id from tamper_audit_log where seq in (${seq}, ${seq + 1}) order by seq`)) as Array<{
      seq: number
      action: string
      entity_id: string
    }>
    const [a, b] = rows
    await exec(db, `update tamper_audit_log set entity_id = '${b?.entity_id}' where seq = ${seq}`)
    await exec(db, `update tamper_audit_log set entity_id = '${a?.entity_id}' where seq = ${seq + 1}`)
    expect(await tampered.audit.verify()).toMatchObject({ ok: false, first_broken_seq: seq })
    await exec(db, `update tamper_audit_log set entity_id = '${a?.entity_id}' where seq = ${seq}`)
    await exec(db, `update tamper_audit_log set entity_id = '${b?.entity_id}' where seq = ${seq + 1}`)

    // Insert a forged row by moving the later ones up: the links no longer match.
    await exec(db, `update tamper_audit_log set seq = seq + 1000000 where seq > ${seq}`)
    await exec(
      db,
      `insert into tamper_audit_log (seq, at, actor, action, entity_type, entity_id, outcome, prev_hash, hash)
       select seq + 1, at, actor, action, entity_type, entity_id, outcome, hash, hash from tamper_audit_log where seq = ${seq}`,
    )
    await exec(db, `update tamper_audit_log set seq = seq - 1000000 + 1 where seq > 1000000`)
    expect(await tampered.audit.verify()).toMatchObject({ ok: false, first_broken_seq: seq + 1 })
    await exec(db, `delete from tamper_audit_log where seq = ${seq + 1}`)
    await exec(db, `update tamper_audit_log set seq = seq + 1000000 where seq > ${seq + 1}`)
    await exec(db, `update tamper_audit_log set seq = seq - 1000000 - 1 where seq > 1000000`)
    expect((await tampered.audit.verify()).ok).toBe(true)

    // Delete a row in the middle.
    await exec(db, `delete from tamper_audit_log where seq = ${seq + 1}`)
    expect(await tampered.audit.verify()).toMatchObject({ ok: false, first_broken_seq: seq + 1 })
  })

  it('detects a truncated tail against a kept head', async () => {
    const fresh = await openSecretStore(target(), keyFile, { database: { ...target().config().database, table_prefix: 'tail_' } })
    for (let i = 0; i < 3; i++) await fresh.jobs.create(job(`tail-${i}`))
    const head = await fresh.audit.head()
    await exec(Store.context(fresh).db, `delete from tail_audit_log where seq = ${head.seq}`)
    expect((await fresh.audit.verify()).ok).toBe(true)
    expect(await fresh.audit.verify({ expectedHead: head })).toMatchObject({ ok: false, first_broken_seq: head.seq })
  })

  it('keeps one linear chain when eight processes change jobs at once', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/audit-job-writer.mjs', import.meta.url))
    const config = target().configFile()
    const exits = await Promise.all(
      Array.from(
        { length: 8 },
        (_, worker) =>
          new Promise<number>((resolve) => {
            const child = spawn(process.execPath, [fixture, config, keyFile, String(worker), '5'], { stdio: ['ignore', 'inherit', 'inherit'] })
            child.on('close', (code) => resolve(code ?? -1))
          }),
      ),
    )
    expect(exits).toEqual(Array(8).fill(0))
    const verification = await store.audit.verify()
    expect(verification).toMatchObject({ ok: true })
    const writes = (await store.audit.list({ where: { column: 'actor', operator: '==', value: 'system' }, total: true, limit: 1 })).total
    expect(writes).toBeGreaterThanOrEqual(8 * 5 * 2)
  })
})
