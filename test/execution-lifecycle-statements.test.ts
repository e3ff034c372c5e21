import { sql } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import { ConflictError, NotFoundError } from '../src/errors.js'
import { settleAttempt } from '../src/repositories/execution-settling.js'
import { uuidv7 } from '../src/schema/ids.js'
import { Store } from '../src/store.js'
import { describeEngines } from './helpers/engines.js'
import { createJob, openExecutionStore } from './helpers/execution-store.js'

/**
 * A worker's common path in few round trips (issue 22): each step is at most one
 * transaction of at most two statements, PostgreSQL's first three steps one statement
 * without BEGIN/COMMIT. The counts are what each engine's driver sent, BEGIN and COMMIT
 * included, so a step that grows a statement fails here.
 */
describeEngines('the execution lifecycle, statement by statement', (target) => {
  let store: Store
  let jobId: string
  const statements: string[] = []
  const engine = () => target().engine

  beforeAll(async () => {
    store = await openExecutionStore(target(), { onQuery: (event) => statements.push(event.sql.toLowerCase()) })
    jobId = await createJob(store)
  })

  /** The statements `step` sent: data statements and transaction control apart. */
  async function counted<T>(step: () => Promise<T>): Promise<{ result: T; data: number; control: string[] }> {
    statements.length = 0
    const result = await step()
    const control = statements.filter((sql) => /^(begin|commit|rollback|start transaction)/.test(sql))
    return { result, data: statements.length - control.length, control }
  }

  const transaction = () => (engine() === 'sqlite' ? ['begin immediate', 'commit'] : ['begin', 'commit'])

  it('starts, opens an attempt and finishes it in at most two statements a step', async () => {
    const started = await counted(() => store.executions.start({ jobId, params: { day: '2026-12-04' } }))
    const opened = await counted(() => store.executions.startAttempt(started.result.id, { workerId: 'w1', leaseMs: 60_000 }))
    const finished = await counted(() => store.executions.finishAttempt(opened.result.id, { status: 'SUCCEEDED' }))

    if (engine() === 'postgres') {
      expect([started.data, started.control]).toEqual([1, []])
      expect([opened.data, opened.control]).toEqual([1, []])
    } else {
      expect([started.data, started.control]).toEqual([2, transaction()])
      expect([opened.data, opened.control]).toEqual([2, transaction()])
    }
    // PostgreSQL: one statement; MySQL: one two-table UPDATE and a read of the header; SQLite:
    // a read of the attempt with its execution and a write of each, in a transaction.
    const finishing = { postgres: [1, []], mysql: [2, []], sqlite: [3, transaction()] }
    expect([finished.data, finished.control]).toEqual(finishing[engine()])

    expect(opened.result).toMatchObject({ execution_id: started.result.id, attempt_number: 1, status: 'RUNNING', worker_id: 'w1' })
    expect(finished.result).toMatchObject({ id: started.result.id, status: 'SUCCEEDED', worker_id: null, lease_expires_at: null, attempt_count: 1 })
    // What the steps returned is what a fresh read gives.
    const stored = await store.executions.get(started.result.id, { include: { attempts: true } })
    expect(stored).toMatchObject({ ...finished.result, params: { day: '2026-12-04' } })
    expect(stored.attempts).toEqual([expect.objectContaining({ ...opened.result, status: 'SUCCEEDED', finished_at: finished.result.finished_at })])
  })

  it('computes the duration and the retry in the finishing statement as a worker would', async () => {
    let now = Date.parse('2026-12-04T10:00:00.000Z')
    const clocked = await openExecutionStore(target(), { clock: () => new Date(now) })
    try {
      const retried = await createJob(clocked, 1)
      const execution = await clocked.executions.start({ jobId: retried })
      const first = await clocked.executions.startAttempt(execution.id)
      now += 1_234
      const requeued = await clocked.executions.finishAttempt(first.id, { status: 'FAILED', error: { type: 'io', message: 'disk' } })
      expect(requeued).toMatchObject({ status: 'QUEUED', finished_at: null, duration_ms: null, error: null, attempt_count: 1 })
      const second = await clocked.executions.startAttempt(execution.id)
      now += 2_345
      const failed = await clocked.executions.finishAttempt(second.id, { status: 'FAILED', error: { type: 'io', message: 'disk again' } })
      // started_at stays the first attempt's: the duration spans both.
      expect(failed).toMatchObject({
        status: 'FAILED',
        duration_ms: 3_579,
        finished_at: new Date(now),
        error: { type: 'io', message: 'disk again', details: null },
      })
      const { attempts, ...stored } = await clocked.executions.get(execution.id, { include: { attempts: true } })
      expect(stored).toMatchObject(failed)
      expect(attempts?.map((row) => [row.status, row.error?.message])).toEqual([
        ['FAILED', 'disk'],
        ['FAILED', 'disk again'],
      ])
    } finally {
      await clocked.close()
    }
  })

  it('measures elapsed milliseconds in SQL as the clock does (adapter.elapsedMs), NULL from NULL and never below 0', async () => {
    const { adapter, db } = Store.context(store)
    const execution = await store.executions.start({ jobId })
    const started = new Date('2026-12-04T10:00:00.123Z')
    await db
      .updateTable('executions')
      .set({ started_at: adapter.encodeTimestamp(started) })
      .where('id', '=', execution.id)
      .execute()
    const elapsed = async (column: 'started_at' | 'finished_at', to: Date) => {
      const row = await db
        .selectFrom('executions')
        .select(adapter.elapsedMs(sql.ref(column), adapter.encodeTimestamp(to)).as('ms'))
        .where('id', '=', execution.id)
        .executeTakeFirstOrThrow()
      return row.ms === null ? null : Number(row.ms)
    }
    expect(await elapsed('started_at', new Date(started.getTime() + 86_400_000 + 3_579))).toBe(86_403_579)
    expect(await elapsed('started_at', new Date(started.getTime() + 1))).toBe(1)
    expect(await elapsed('started_at', new Date(started.getTime() - 5_000))).toBe(0)
    expect(await elapsed('finished_at', started)).toBeNull()
    // Not left queued for the claim below.
    await store.executions.finish(execution.id, { status: 'CANCELLED' })
  })

  it('claims straight into a running attempt: one statement on PostgreSQL', async () => {
    const queued = await store.executions.start({ jobId })
    const claim = await counted(() => store.executions.claimNext({ workerId: 'claimer', leaseMs: 30_000 }))
    expect(claim.result?.execution).toMatchObject({ id: queued.id, status: 'RUNNING', worker_id: 'claimer', attempt_count: 1 })
    expect(claim.result?.attempt).toMatchObject({ execution_id: queued.id, attempt_number: 1, worker_id: 'claimer' })
    if (engine() === 'postgres') expect([claim.data, claim.control]).toEqual([1, []])
    else expect([claim.data, claim.control]).toEqual([3, transaction()])
    const { attempts, ...stored } = await store.executions.get(queued.id, { include: { attempts: true } })
    expect(stored).toMatchObject(claim.result?.execution ?? {})
    expect(attempts).toEqual([claim.result?.attempt])
    await store.executions.finishAttempt(claim.result?.attempt.id ?? '', { status: 'CANCELLED' })
  })

  it('publishes job state and error details with a statement more each, only when there are some', async () => {
    const execution = await store.executions.start({ jobId })
    const attempt = await store.executions.startAttempt(execution.id)
    await store.state.set(jobId, 'watermark', 42, { attemptId: attempt.id })
    const finished = await counted(() => store.executions.finishAttempt(attempt.id, { status: 'SUCCEEDED' }))
    expect(finished.data).toBeGreaterThan(engine() === 'sqlite' ? 3 : 2)
    expect(await store.state.get(jobId, 'watermark')).toBe(42)

    const failing = await store.executions.start({ jobId })
    const failed = await store.executions.startAttempt(failing.id)
    const details = { row: 7, cause: 'bad date' }
    const settled = await store.executions.finishAttempt(failed.id, { status: 'FAILED', error: { type: 'parse', message: 'row 7', details } })
    expect(settled).toMatchObject({ status: 'FAILED', error: { type: 'parse', message: 'row 7', details } })
    expect((await store.executions.get(failing.id)).error).toEqual({ type: 'parse', message: 'row 7', details })
  })

  it('writes nothing for an unknown job: no execution, no params row', async () => {
    const unknown = uuidv7()
    await expect(store.executions.start({ jobId: unknown })).rejects.toBeInstanceOf(NotFoundError)
    const { db } = Store.context(store)
    const orphans = await db
      .selectFrom('execution_payloads')
      .select('execution_id')
      .where('execution_id', 'not in', db.selectFrom('executions').select('id'))
      .execute()
    expect(orphans).toEqual([])
    expect(await db.selectFrom('executions').select('id').where('job_id', '=', unknown).execute()).toEqual([])
  })

  it('leaves the attempt running when its execution cannot settle (another worker holds it)', async () => {
    const execution = await store.executions.start({ jobId })
    const attempt = await store.executions.startAttempt(execution.id, { workerId: 'holder', leaseMs: 60_000 })
    const context = Store.context(store)
    const settle = context.transaction((tx) => settleAttempt(tx, attempt.id, { status: 'FAILED', workerId: 'intruder' }))
    await expect(settle).rejects.toBeInstanceOf(ConflictError)
    await expect(settle).rejects.toThrow(`Execution ${execution.id} is held by another worker`)
    const stored = await store.executions.get(execution.id, { include: { attempts: true } })
    expect(stored).toMatchObject({ status: 'RUNNING', worker_id: 'holder' })
    expect(stored.attempts?.map((row) => row.status)).toEqual(['RUNNING'])
    // The holder still settles it.
    await expect(store.executions.finishAttempt(attempt.id, { status: 'SUCCEEDED' })).resolves.toMatchObject({ status: 'SUCCEEDED' })
  })

  it('refuses to open an attempt on a running or unknown execution, writing no attempt', async () => {
    const execution = await store.executions.start({ jobId })
    const attempt = await store.executions.startAttempt(execution.id)
    await expect(store.executions.startAttempt(execution.id)).rejects.toThrow(`Execution ${execution.id} is RUNNING: an attempt starts only from QUEUED`)
    await expect(store.executions.startAttempt(uuidv7())).rejects.toBeInstanceOf(NotFoundError)
    const stored = await store.executions.get(execution.id, { include: { attempts: true } })
    expect(stored.attempts?.map((row) => row.id)).toEqual([attempt.id])
    expect(stored.attempt_count).toBe(1)
  })
})
