import { statSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import type { Store } from '../src/store.js'
import { describeEngines, type EngineTarget } from './helpers/engines.js'
import { createJob, openExecutionStore } from './helpers/execution-store.js'

/**
 * The write-ahead log's hard bound (four times `wal_checkpoint_mb`): a reader in another
 * thread holds a snapshot, so no checkpoint can start the log over while it does.
 */

const MIB = 1024 * 1024
const runs = Array.from({ length: 50 }, (_, i) => ({ component_name: `component_${i}`, lines_received: i, lines_forwarded: i }))

async function oneExecution(store: Store, jobId: string): Promise<void> {
  const execution = await store.executions.start({ jobId })
  const attempt = await store.executions.startAttempt(execution.id)
  await store.executions.recordComponentRuns(attempt.id, runs)
  await store.executions.finishAttempt(attempt.id, { status: 'SUCCEEDED' })
}

function holdSnapshot(file: string, releaseAboveBytes: number) {
  const worker = new Worker(fileURLToPath(new URL('./fixtures/wal-snapshot-reader.mjs', import.meta.url)), {
    workerData: { file, releaseAboveBytes },
  })
  const holding = new Promise((resolve) => worker.once('message', resolve))
  const stop = async (): Promise<number> => {
    const reply = new Promise<{ largest: number }>((resolve) => worker.once('message', resolve))
    worker.postMessage('stop')
    const { largest } = await reply
    await worker.terminate()
    return largest
  }
  return { holding, stop }
}

const databaseFile = (target: EngineTarget) => String(target.config().database?.url).slice('sqlite://'.length)
const walSize = (file: string) => statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0

describeEngines(
  'SQLite write-ahead log bound',
  (target) => {
    it('past four limits a writer waits for the checkpoint: once the reader lets go the log starts over and stays near the bound', async () => {
      const store = await openExecutionStore(target(), { database: { wal_checkpoint_mb: 1, busy_timeout: 60_000 } })
      const jobId = await createJob(store)
      const file = databaseFile(target())
      // The reader lets go only once the log is past the bound, while the writer waits.
      const reader = holdSnapshot(file, 4 * MIB)
      await reader.holding
      let largest = 0
      for (let i = 0; i < 120; i++) {
        await oneExecution(store, jobId)
        largest = Math.max(largest, walSize(file))
      }
      largest = Math.max(largest, await reader.stop())
      // 120 executions write some 24 MiB of log; without the bound it holds them all.
      expect(largest).toBeGreaterThan(4 * MIB)
      expect(largest).toBeLessThanOrEqual(5 * MIB)
      const page = await store.executions.list({ where: { column: 'job_id', operator: '==', value: jobId }, total: true })
      expect(page.total).toBe(120)
    }, 120_000)

    it('a reader that keeps its snapshot past busy_timeout costs the writer one wait per bound, never an error', async () => {
      const store = await openExecutionStore(target(), { database: { wal_checkpoint_mb: 1, busy_timeout: 200 } })
      const jobId = await createJob(store)
      const file = databaseFile(target())
      const reader = holdSnapshot(file, 0)
      await reader.holding
      for (let i = 0; i < 80; i++) await oneExecution(store, jobId)
      const largest = Math.max(walSize(file), await reader.stop())
      // Nothing could start the log over while the snapshot was held: it grew past two bounds.
      expect(largest).toBeGreaterThan(8 * MIB)
      const page = await store.executions.list({ where: { column: 'job_id', operator: '==', value: jobId }, total: true })
      expect(page.total).toBe(80)
    }, 120_000)
  },
  ['sqlite'],
)
