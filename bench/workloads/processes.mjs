// W6: stream every execution: peak memory of the reading process (one child per implementation).
// W7: eight worker processes recording executions at once: throughput vs one process.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { median, spread } from '../lib/harness.mjs'
import { jobConfig } from '../lib/job-graph.mjs'

const CHILD = fileURLToPath(new URL('../workers/child.mjs', import.meta.url))

function runChild(task, { onReady } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(task)], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      if (onReady && out.startsWith('ready\n')) {
        out = out.slice('ready\n'.length)
        onReady(() => child.stdin.end('go\n'))
        onReady = undefined
      }
    })
    child.stderr.on('data', (chunk) => (err += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${task.impl} ${task.mode} child exited ${code}: ${err.trim().slice(-2000)}`))
      resolve(JSON.parse(out.trim().split('\n').at(-1)))
    })
    if (!onReady) child.stdin.end()
  })
}

export async function streamExecutions({ names, target, seeded, sizes, log }) {
  const rows = []
  for (const impl of names) {
    const result = await runChild({ mode: 'stream', impl, target, maxSeconds: sizes.w6MaxSeconds })
    if (result.rows < seeded.count && !result.stopped) throw new Error(`W6 ${impl} streamed ${result.rows} of ${seeded.count} rows`)
    log(`    W6 ${impl}: ${result.rows} rows in ${(result.ms / 1000).toFixed(1)} s, peak RSS ${result.peakRssMb.toFixed(0)} MB`)
    rows.push({
      name: impl,
      value: result.peakRssMb,
      unit: 'MB RSS',
      spread: null,
      statementsPerOp: result.statements,
      transactionsPerOp: result.transactions ?? null,
      note:
        `${Math.round(result.rows / (result.ms / 1000)).toLocaleString('en-US')} rows/s` +
        (result.stopped ? `, STOPPED after ${Math.round(result.ms / 1000)} s at ${result.rows.toLocaleString('en-US')} rows` : ''),
    })
  }
  return [{ workload: `W6 stream ${seeded.count.toLocaleString('en-US')} executions (peak RSS)`, rows, higherIsBetter: false }]
}

/** Throughput of `processes` children running lifecycles together for `seconds`, all started at once. */
async function together({ impl, target, jobId, processes, seconds, runs }) {
  const starters = []
  let release
  const allReady = new Promise((resolve) => (release = resolve))
  const onReady = (go) => {
    starters.push(go)
    if (starters.length === processes) release()
  }
  const finished = Promise.all(
    Array.from({ length: processes }, () => runChild({ mode: 'record', impl, target, jobId, durationMs: seconds * 1000, runs, poolSize: 2 }, { onReady })),
  )
  await Promise.race([allReady, finished])
  for (const go of starters) go()
  const results = await finished
  const done = results.reduce((sum, r) => sum + r.done, 0)
  const failed = results.reduce((sum, r) => sum + r.failed, 0)
  const statements = results.reduce((sum, r) => sum + r.statements, 0)
  // Each child runs one lifecycle at a time, so its own count of transactions holds.
  const counted = results.every((r) => r.transactions != null)
  const transactions = results.reduce((sum, r) => sum + (r.transactions ?? 0), 0)
  const firstError = results.find((r) => r.firstError)?.firstError ?? null
  return {
    rate: done / Math.max(...results.map((r) => r.seconds)),
    statementsPerOp: done ? statements / done : null,
    transactionsPerOp: done && counted ? transactions / done : null,
    failed,
    firstError,
  }
}

export async function concurrentWorkers({ names, target, floor, sizes, log }) {
  const jobId = await floor.saveJob(jobConfig('w7_job'))
  const rows = []
  for (const impl of names) {
    const single = []
    const eight = []
    let statementsPerOp = null
    let transactionsPerOp = null
    let failed = 0
    let firstError = null
    for (let round = 0; round < sizes.w7Rounds; round++) {
      single.push((await together({ impl, target, jobId, processes: 1, seconds: sizes.w7Seconds, runs: 50 })).rate)
      const many = await together({ impl, target, jobId, processes: sizes.w7Workers, seconds: sizes.w7Seconds, runs: 50 })
      eight.push(many.rate)
      statementsPerOp = many.statementsPerOp
      transactionsPerOp = many.transactionsPerOp
      failed += many.failed
      firstError ??= many.firstError
    }
    const scale = median(eight) / median(single)
    log(`    W7 ${impl}: 1 process ${median(single).toFixed(1)}/s, ${sizes.w7Workers} processes ${median(eight).toFixed(1)}/s (×${scale.toFixed(2)})`)
    rows.push({
      name: impl,
      value: median(eight),
      unit: 'ops/s',
      spread: spread(eight),
      statementsPerOp,
      transactionsPerOp,
      note: `1 proc ${median(single).toFixed(1)}/s, scale ×${scale.toFixed(2)}${failed ? `, ${failed} failed (${firstError})` : ''}`,
      scale,
    })
  }
  return [{ workload: `W7 ${sizes.w7Workers} worker processes (lifecycles/s)`, rows }]
}
