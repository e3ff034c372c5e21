import { sql } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import { ConflictError, NotFoundError, ValidationError } from '../src/errors.js'
import { uuidv7 } from '../src/schema/ids.js'
import { Store } from '../src/store.js'
import { describeEngines } from './helpers/engines.js'
import { createJob, openExecutionStore } from './helpers/execution-store.js'

describeEngines('executions', (target) => {
  let store: Store
  const statements: string[] = []

  beforeAll(async () => {
    store = await openExecutionStore(target(), { onQuery: (event) => statements.push(event.sql) })
  })

  const count = async (table: string, column: string, value: string) => {
    const context = Store.context(store)
    const { rows } = await sql<{ n: unknown }>`select count(*) as n from ${sql.table(context.table(table))} where ${sql.ref(column)} = ${value}`.execute(
      context.db,
    )
    return Number(rows[0]?.n)
  }

  it('queues an execution pinned to the job version, with its params', async () => {
    const jobId = await createJob(store)
    const execution = await store.executions.start({ jobId, environment: 'DEV', params: { day: '2026-01-31' }, trigger: 'api' })
    expect(execution).toMatchObject({ job_id: jobId, job_version: 1, status: 'QUEUED', trigger: 'api', attempt_count: 0 })
    const detail = await store.executions.get(execution.id)
    expect(detail.params).toEqual({ day: '2026-01-31' })
    expect(detail.queued_at.getTime()).toBe(execution.queued_at.getTime())
  })

  it('returns the same execution for the same idempotency key, also for concurrent calls', async () => {
    const jobId = await createJob(store)
    const key = `daily-${uuidv7()}`
    const started = await Promise.all(Array.from({ length: 5 }, () => store.executions.start({ jobId, idempotencyKey: key })))
    expect(new Set(started.map((execution) => execution.id)).size).toBe(1)
    expect(await count('executions', 'idempotency_key', key)).toBe(1)
    expect((await store.executions.start({ jobId, idempotencyKey: key })).id).toBe(started[0]?.id)
  })

  it('refuses to start an unknown job with not_found', async () => {
    await expect(store.executions.start({ jobId: uuidv7() })).rejects.toBeInstanceOf(NotFoundError)
  })

  it('runs QUEUED → RUNNING → SUCCEEDED and refuses to finish it again, changing nothing', async () => {
    const jobId = await createJob(store)
    const execution = await store.executions.start({ jobId })
    const attempt = await store.executions.startAttempt(execution.id)
    expect(attempt).toMatchObject({ attempt_number: 1, status: 'RUNNING' })
    const done = await store.executions.finishAttempt(attempt.id, { status: 'SUCCEEDED' })
    expect(done).toMatchObject({ status: 'SUCCEEDED', attempt_count: 1 })
    expect(done.duration_ms).toBeGreaterThanOrEqual(0)
    await expect(store.executions.finish(execution.id, { status: 'FAILED', error: { message: 'late' } })).rejects.toBeInstanceOf(ConflictError)
    await expect(store.executions.finishAttempt(attempt.id, { status: 'FAILED' })).rejects.toBeInstanceOf(ConflictError)
    await expect(store.executions.startAttempt(execution.id)).rejects.toBeInstanceOf(ConflictError)
    const after = await store.executions.get(execution.id, { include: { attempts: true } })
    expect(after).toMatchObject({ status: 'SUCCEEDED', error: null })
    expect(after.attempts?.map((a) => a.status)).toEqual(['SUCCEEDED'])
  })

  it('returns from every transition the header a fresh read gives (it is not re-read)', async () => {
    const header = async (id: string) => {
      const { params: _params, ...rest } = await store.executions.get(id)
      return rest
    }
    const jobId = await createJob(store)
    const succeeded = await store.executions.start({ jobId, params: { n: 1 } })
    const attempt = await store.executions.startAttempt(succeeded.id, { workerId: 'w1', leaseMs: 60_000 })
    expect(await store.executions.finishAttempt(attempt.id, { status: 'SUCCEEDED' })).toEqual(await header(succeeded.id))

    const failing = await store.executions.start({ jobId })
    const first = await store.executions.startAttempt(failing.id)
    const failed = await store.executions.finishAttempt(first.id, { status: 'FAILED', error: { type: 'io', message: 'x'.repeat(1500), details: { at: 3 } } })
    expect(failed).toEqual(await header(failing.id))
    expect(failed.error?.message).toHaveLength(1000)

    const cancelled = await store.executions.start({ jobId })
    expect(await store.executions.finish(cancelled.id, { status: 'CANCELLED' })).toEqual(await header(cancelled.id))
  })

  it('requeues a failed attempt while retries remain, then fails the execution', async () => {
    const jobId = await createJob(store, 1)
    const execution = await store.executions.start({ jobId })
    expect(execution.max_attempts).toBe(2)
    const first = await store.executions.startAttempt(execution.id)
    const requeued = await store.executions.finishAttempt(first.id, { status: 'FAILED', error: { type: 'io', message: 'disk' } })
    expect(requeued.status).toBe('QUEUED')
    const second = await store.executions.startAttempt(execution.id)
    expect(second.attempt_number).toBe(2)
    const failed = await store.executions.finishAttempt(second.id, {
      status: 'FAILED',
      error: { type: 'io', message: 'disk again', details: { path: '/x' } },
    })
    expect(failed).toMatchObject({ status: 'FAILED', error: { type: 'io', message: 'disk again' } })
    expect((await store.executions.get(execution.id)).error?.details).toEqual({ path: '/x' })
  })

  it('cancels a queued execution and refuses to start a cancelled one', async () => {
    const jobId = await createJob(store)
    const execution = await store.executions.start({ jobId })
    expect((await store.executions.finish(execution.id, { status: 'CANCELLED' })).status).toBe('CANCELLED')
    await expect(store.executions.startAttempt(execution.id)).rejects.toBeInstanceOf(ConflictError)
    await expect(store.executions.finish(execution.id, { status: 'CANCELLED' })).rejects.toBeInstanceOf(ConflictError)
    await expect(store.executions.finish(uuidv7(), { status: 'CANCELLED' })).rejects.toBeInstanceOf(NotFoundError)
  })

  it('records thousands of component runs in one call, chunked to the parameter limit', async () => {
    const jobId = await createJob(store)
    const execution = await store.executions.start({ jobId })
    const attempt = await store.executions.startAttempt(execution.id)
    const runs = Array.from({ length: 7000 }, (_, i) => ({
      component_name: `c${i}`,
      lines_received: i,
      lines_forwarded: i,
      processing_ms: 1.5,
      metrics: { i },
    }))
    expect(await store.executions.recordComponentRuns(attempt.id, runs)).toEqual({ written: 7000 })
    const detail = await store.executions.get(execution.id, { include: { componentRuns: true } })
    expect(detail.component_runs).toHaveLength(7000)
    // One row from each chunk (SQLite and MySQL: three), each with its own values.
    for (const i of [42, 3500, 6999]) {
      expect(detail.component_runs?.find((run) => run.component_name === `c${i}`)).toMatchObject({ lines_received: i, lines_forwarded: i, metrics: { i } })
    }
  })

  it('rejects a bad run with its index and field, and writes none of the batch', async () => {
    const jobId = await createJob(store)
    const execution = await store.executions.start({ jobId })
    const attempt = await store.executions.startAttempt(execution.id)
    const runs = [0, 1, 2, 3, 4].map((i) => ({ component_name: `c${i}`, lines_received: i === 3 ? -1 : i }))
    const error = await store.executions.recordComponentRuns(attempt.id, runs).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).issues[0]?.path).toBe('runs[3].lines_received')
    const twice = [{ component_name: 'a' }, { component_name: 'a' }]
    const duplicate = await store.executions.recordComponentRuns(attempt.id, twice).catch((caught: unknown) => caught)
    expect((duplicate as ValidationError).issues[0]?.path).toBe('runs[1].component_name')
    expect(await count('component_runs', 'attempt_id', attempt.id)).toBe(0)
  })

  it('refuses component runs for an unknown attempt with not_found', async () => {
    await expect(store.executions.recordComponentRuns(uuidv7(), [{ component_name: 'a' }])).rejects.toBeInstanceOf(NotFoundError)
  })

  it('appends events and pages through them in order', async () => {
    const jobId = await createJob(store)
    const execution = await store.executions.start({ jobId })
    const events = Array.from({ length: 250 }, (_, i) => ({ level: 'info' as const, message: `line ${i}`, data: { i } }))
    expect(await store.executions.appendEvents(execution.id, events)).toEqual({ written: 250 })
    const first = await store.executions.get(execution.id, { include: { events: { limit: 200 } } })
    expect(first.events?.[0]).toMatchObject({ message: 'line 0', level: 'info', data: { i: 0 } })
    const rest = await store.executions.get(execution.id, { include: { events: { limit: 200, after: first.events_next_cursor ?? '' } } })
    expect(rest.events?.map((event) => event.message)).toEqual(events.slice(200).map((event) => event.message))
    expect(rest.events_next_cursor).toBeNull()
    const bad = await store.executions.appendEvents(execution.id, [{ message: 'ok' }, { message: 'x', level: 'loud' as never }]).catch((e: unknown) => e)
    expect((bad as ValidationError).issues[0]?.path).toBe('events[1].level')
    await expect(store.executions.appendEvents(uuidv7(), [{ message: 'x' }])).rejects.toBeInstanceOf(NotFoundError)
  })

  it('publishes job state set under an attempt only when the attempt succeeds', async () => {
    const jobId = await createJob(store, 1)
    await store.state.set(jobId, 'watermark', '2026-01-01')
    const execution = await store.executions.start({ jobId })
    const failing = await store.executions.startAttempt(execution.id)
    await store.state.set(jobId, 'watermark', '2026-01-15', { attemptId: failing.id })
    expect(await store.state.get(jobId, 'watermark')).toBe('2026-01-01')
    await store.executions.finishAttempt(failing.id, { status: 'FAILED', error: { message: 'x' } })
    expect(await store.state.get(jobId, 'watermark')).toBe('2026-01-01')
    const succeeding = await store.executions.startAttempt(execution.id)
    await store.state.set(jobId, 'watermark', { day: '2026-01-31' }, { attemptId: succeeding.id })
    await store.executions.finishAttempt(succeeding.id, { status: 'SUCCEEDED' })
    expect(await store.state.get(jobId, 'watermark')).toEqual({ day: '2026-01-31' })
    expect(await store.state.get(jobId, 'missing')).toBeUndefined()
    await expect(store.state.set(jobId, 'k', 1, { attemptId: succeeding.id })).rejects.toBeInstanceOf(ConflictError)
  })

  it('claims the oldest queued execution with a lease, heartbeats, and reaps an expired lease', async () => {
    const jobId = await createJob(store, 1)
    const execution = await store.executions.start({ jobId })
    let claim = await store.executions.claimNext({ workerId: 'w1', leaseMs: 60_000 })
    while (claim && claim.execution.id !== execution.id) {
      await store.executions.finishAttempt(claim.attempt.id, { status: 'CANCELLED' })
      claim = await store.executions.claimNext({ workerId: 'w1', leaseMs: 60_000 })
    }
    expect(claim?.execution).toMatchObject({ status: 'RUNNING', worker_id: 'w1' })
    const beat = await store.executions.heartbeat(execution.id, 'w1')
    expect(beat.lease_expires_at?.getTime()).toBeGreaterThan(Date.now())
    await expect(store.executions.heartbeat(execution.id, 'w2')).rejects.toBeInstanceOf(ConflictError)
    expect((await store.executions.reapExpired()).reaped.map((r) => r.execution_id)).not.toContain(execution.id)
    const later = new Date(Date.now() + 120_000)
    const reaped = await store.executions.reapExpired(later)
    expect(reaped.reaped).toContainEqual({ execution_id: execution.id, attempt_id: claim?.attempt.id, status: 'QUEUED' })
    const detail = await store.executions.get(execution.id, { include: { attempts: true } })
    expect(detail.attempts?.[0]).toMatchObject({ status: 'FAILED', error: { type: 'lease_expired', message: 'lease expired' } })
    await expect(store.executions.heartbeat(execution.id, 'w1')).rejects.toBeInstanceOf(ConflictError)
  })

  it('lists by job, status and time with a keyset cursor', async () => {
    const jobId = await createJob(store)
    const ids: string[] = []
    for (let i = 0; i < 7; i++) ids.push((await store.executions.start({ jobId, environment: i % 2 ? 'PROD' : 'DEV' })).id)
    const where = { logical_operator: 'AND' as const, rules: [{ column: 'job_id' as const, operator: '==' as const, value: jobId }] }
    const first = await store.executions.list({ where, limit: 4, total: true })
    expect(first.total).toBe(7)
    const second = await store.executions.list({ where, limit: 4, cursor: first.next_cursor ?? '' })
    expect([...first.items, ...second.items].map((e) => e.id)).toEqual([...ids].reverse())
    expect(second.next_cursor).toBeNull()
    const prod = await store.executions.list({
      where: { logical_operator: 'AND', rules: [where.rules[0]!, { column: 'environment', operator: 'in', value: ['PROD'] }] },
    })
    expect(prod.items).toHaveLength(3)
    const bad = await store.executions.list({ where: { column: 'secret' as never, operator: '==', value: 1 } }).catch((e: unknown) => e)
    expect(bad).toBeInstanceOf(ValidationError)
  })

  it("names each listed execution's own job, in one statement per page", async () => {
    const [first, second] = [await createJob(store), await createJob(store)]
    const names = new Map([first, second].map((id) => [id, '']))
    for (const id of names.keys()) names.set(id, (await store.jobs.get(id)).name)
    const started: string[] = []
    for (let i = 0; i < 6; i++) started.push((await store.executions.start({ jobId: i % 2 ? second : first, environment: 'TEST' })).id)
    const where = { logical_operator: 'OR' as const, rules: [first, second].map((id) => ({ column: 'job_id' as const, operator: '==' as const, value: id })) }
    statements.length = 0
    const page = await store.executions.list({ where, limit: 4 })
    expect(statements.filter((text) => /^select/i.test(text))).toHaveLength(1)
    expect(page.items.map((e) => [e.id, e.job_name])).toEqual(
      [...started]
        .reverse()
        .slice(0, 4)
        .map((id, i) => [id, names.get(i % 2 ? first : second)]),
    )
    const rest = await store.executions.list({ where, limit: 4, cursor: page.next_cursor ?? '' })
    expect(rest.items.map((e) => e.job_name)).toEqual([names.get(second), names.get(first)])
    // A filter that pins the job names it once per page; by id or by name, the rows get it.
    for (const pin of [
      { column: 'job_id', operator: '==', value: second },
      { column: 'job_name', operator: '==', value: names.get(second) },
    ] as const) {
      const pinned = await store.executions.list({ where: { logical_operator: 'AND', rules: [pin, { column: 'environment', operator: '==', value: 'TEST' }] } })
      expect(pinned.items.map((e) => [e.id, e.job_name])).toEqual([5, 3, 1].map((i) => [started[i], names.get(second)]))
    }
    // An offset page names its jobs too (with a second query: see execution-list).
    const skipped = await store.executions.list({ where, limit: 2, offset: 3 })
    expect(skipped.items.map((e) => [e.id, e.job_name])).toEqual([
      [started[2], names.get(first)],
      [started[1], names.get(second)],
    ])
    // An equality on the id finds the row whatever other equalities the filter has.
    const one = await store.executions.list({
      where: {
        logical_operator: 'AND',
        rules: [
          { column: 'job_id', operator: '==', value: second },
          { column: 'id', operator: '==', value: started[3] },
        ],
      },
      total: true,
    })
    expect(one).toMatchObject({ total: 1, next_cursor: null, items: [{ id: started[3], job_name: names.get(second) }] })
  })

  it('computes counts, success rate, percentiles, lines and slowest components in the database', async () => {
    const jobId = await createJob(store)
    for (let i = 0; i < 4; i++) {
      const execution = await store.executions.start({ jobId })
      const attempt = await store.executions.startAttempt(execution.id)
      await store.executions.recordComponentRuns(attempt.id, [
        { component_name: 'read', lines_received: 10, lines_forwarded: 10, processing_ms: 5 },
        { component_name: 'slow', lines_received: 10, lines_forwarded: 8, error_count: 2, processing_ms: 50 + i },
      ])
      await store.executions.finishAttempt(attempt.id, { status: i === 3 ? 'FAILED' : 'SUCCEEDED', error: { message: 'x' } })
    }
    const stats = await store.executions.stats({ jobId })
    expect(stats.by_status).toMatchObject({ SUCCEEDED: 3, FAILED: 1, QUEUED: 0 })
    expect(stats.total).toBe(4)
    expect(stats.success_rate).toBe(0.75)
    expect(stats.lines).toEqual({ received: 80, forwarded: 72, errors: 8 })
    expect(stats.duration_ms.p50).not.toBeNull()
    expect(stats.duration_ms.p95).toBeGreaterThanOrEqual(stats.duration_ms.p50 ?? 0)
    expect(stats.slowest_components[0]).toMatchObject({ component_name: 'slow', runs: 4, avg_ms: 51.5, max_ms: 53 })
    expect(stats.last_success_at).toBeInstanceOf(Date)
    expect(stats.last_failure_at).toBeInstanceOf(Date)
  })

  it('narrows stats to an environment, a status and a time window', async () => {
    const jobId = await createJob(store)
    const finish = async (environment: 'DEV' | 'PROD', status: 'SUCCEEDED' | 'FAILED') => {
      const execution = await store.executions.start({ jobId, environment })
      await store.executions.finishAttempt((await store.executions.startAttempt(execution.id)).id, { status, error: { message: 'x' } })
      return execution
    }
    const first = await finish('DEV', 'SUCCEEDED')
    await finish('PROD', 'FAILED')
    const last = await finish('PROD', 'SUCCEEDED')
    expect((await store.executions.stats({ jobId, environment: 'PROD' })).by_status).toMatchObject({ SUCCEEDED: 1, FAILED: 1 })
    expect((await store.executions.stats({ jobId, status: 'FAILED' })).total).toBe(1)
    // `until` is exclusive: nothing of this job was queued before its first execution.
    expect((await store.executions.stats({ jobId, until: first.queued_at })).total).toBe(0)
    expect((await store.executions.stats({ jobId, until: new Date(last.queued_at.getTime() + 1) })).total).toBe(3)
    await expect(store.executions.stats({ jobId, status: 'DONE' as never })).rejects.toMatchObject({
      error_type: 'validation_error',
      issues: [{ path: 'query.status' }],
    })
  })

  it('purges finished history in batches, reports it, and leaves no orphans', async () => {
    const jobId = await createJob(store)
    const keep = await store.executions.start({ jobId })
    for (let i = 0; i < 5; i++) {
      const execution = await store.executions.start({ jobId })
      const attempt = await store.executions.startAttempt(execution.id)
      await store.executions.recordComponentRuns(attempt.id, [{ component_name: 'a' }, { component_name: 'b' }])
      await store.executions.appendEvents(execution.id, [{ message: 'hello' }])
      await store.executions.finishAttempt(attempt.id, { status: 'SUCCEEDED' })
    }
    const cutoff = new Date(Date.now() + 1000)
    const dry = await store.executions.purge({ olderThan: cutoff, jobId, dryRun: true })
    expect(dry).toMatchObject({ dry_run: true, executions: 5, attempts: 5, component_runs: 10, events: 5 })
    expect(await count('executions', 'job_id', jobId)).toBe(6)
    const progress: number[] = []
    const report = await store.executions.purge({ olderThan: cutoff, jobId, batchSize: 2, onProgress: (p) => progress.push(p.executions) })
    expect(report).toMatchObject({ dry_run: false, executions: 5, attempts: 5, component_runs: 10, events: 5, batches: 3 })
    expect(progress).toEqual([2, 4, 5])
    expect((await store.executions.get(keep.id)).status).toBe('QUEUED')
    const context = Store.context(store)
    for (const [table, parent] of [
      ['execution_attempts', 'execution_id'],
      ['component_runs', 'execution_id'],
      ['execution_events', 'execution_id'],
      ['execution_payloads', 'execution_id'],
    ] as const) {
      const orphans = await context.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .where(parent, 'not in', context.db.selectFrom('executions').select('id'))
        .executeTakeFirst()
      expect(Number(orphans?.n), table).toBe(0)
    }
  })

  it('refuses to delete a job with history unless forced, then removes the history with it', async () => {
    const jobId = await createJob(store)
    const execution = await store.executions.start({ jobId })
    const attempt = await store.executions.startAttempt(execution.id)
    await store.executions.recordComponentRuns(attempt.id, [{ component_name: 'read' }])
    await store.state.set(jobId, 'watermark', 1, { attemptId: attempt.id })
    await store.executions.finishAttempt(attempt.id, { status: 'SUCCEEDED' })
    await expect(store.jobs.delete(jobId)).rejects.toBeInstanceOf(ConflictError)
    expect((await store.executions.get(execution.id)).status).toBe('SUCCEEDED')
    await store.jobs.delete(jobId, { force: true })
    await expect(store.executions.get(execution.id)).rejects.toBeInstanceOf(NotFoundError)
    expect(await count('component_runs', 'execution_id', execution.id)).toBe(0)
    expect(await count('job_state', 'job_id', jobId)).toBe(0)
  })

  it('purges by the configured retention age when no olderThan is given', async () => {
    // One second of retention: what finished more than a second ago goes.
    const retained = await target().open({ retention: { execution_days: 1 / 86_400 } })
    const jobId = await createJob(retained)
    const execution = await retained.executions.start({ jobId })
    await retained.executions.finish(execution.id, { status: 'CANCELLED' })
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const report = await retained.executions.purge({ jobId })
    expect(report.executions).toBe(1)
    await expect(retained.executions.get(execution.id)).rejects.toBeInstanceOf(NotFoundError)
    const error = await store.executions.purge().catch((caught: unknown) => caught)
    expect((error as ValidationError).issues[0]?.path).toBe('options.olderThan')
  })

  it('claims with FOR UPDATE SKIP LOCKED where the engine has it, in an immediate transaction on SQLite', async () => {
    const statements: string[] = []
    const watched = await target().open({ onQuery: (event) => statements.push(event.sql.toLowerCase()) })
    const jobId = await createJob(watched)
    await watched.executions.start({ jobId })
    statements.length = 0
    const claim = await watched.executions.claimNext({ workerId: 'sql-watcher', leaseMs: 60_000 })
    expect(claim).not.toBeNull()
    // PostgreSQL picks the candidate in a subquery of the claiming statement; the others select it first.
    const candidate = statements.find((statement) => statement.includes('order by "queued_at", "id"') || statement.includes('order by `queued_at`, `id`'))
    expect(candidate, statements.join('\n')).toBeDefined()
    if (Store.context(watched).adapter.supportsSkipLocked) expect(candidate).toMatch(/ for update skip locked(\)|$)/)
    else expect(statements[0]).toBe('begin immediate')
    await watched.executions.finishAttempt(claim?.attempt.id ?? '', { status: 'CANCELLED' })
  })
})
