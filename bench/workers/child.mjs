// A benchmark child process: `stream` (W6: read every execution, report peak RSS) or
// `record` (W7: once told to go, run execution lifecycles for `durationMs`, report the count).
// Usage: node child.mjs '<json task>'; prints one JSON line.
import { readFileSync } from 'node:fs'
import { openImplementation } from '../impls/index.mjs'
import { lifecycle } from '../workloads/execution-lifecycle.mjs'
import { componentRuns } from '../lib/seed.mjs'

const task = JSON.parse(process.argv[2])
const impl = await openImplementation(task.impl, task.target, { poolSize: task.poolSize ?? 2 })
try {
  if (task.mode === 'stream') {
    const started = performance.now()
    let rows = 0
    let stopped = false
    const limitMs = task.maxSeconds * 1000
    for await (const _row of impl.streamExecutions()) {
      // A read that would take far longer than the floor's is stopped and reported as such.
      if (++rows % 1000 === 0 && performance.now() - started > limitMs) {
        stopped = true
        break
      }
    }
    const ms = performance.now() - started
    const peakRssMb = peakRss() / 1024
    console.log(JSON.stringify({ rows, ms, stopped, peakRssMb, statements: impl.statements(), transactions: impl.transactions?.() ?? null }))
  } else if (task.mode === 'record') {
    const runs = componentRuns(task.runs)
    // Connect before the clock starts (a busy database here is no reason to give up).
    await impl.start(task.jobId, { warm: true }).catch(() => {})
    // All workers start together: the parent answers "ready" with one line on stdin.
    console.log('ready')
    await new Promise((resolve) => process.stdin.once('data', resolve))
    process.stdin.pause()
    const startAt = Date.now()
    const end = startAt + task.durationMs
    let done = 0
    let failed = 0
    let firstError = null
    const before = impl.statements()
    const transactionsBefore = impl.transactions?.() ?? 0
    while (Date.now() < end) {
      try {
        await lifecycle(impl, task.jobId, runs)
        done++
      } catch (error) {
        // Counted, not fatal: "database is locked" under concurrent writers is a finding.
        failed++
        firstError ??= String(error?.code ?? error?.error_type ?? error?.message ?? error).slice(0, 80)
      }
    }
    const seconds = (Date.now() - startAt) / 1000
    const transactions = impl.transactions ? impl.transactions() - transactionsBefore : null
    console.log(JSON.stringify({ done, failed, firstError, seconds, statements: impl.statements() - before, transactions }))
  } else {
    throw new Error(`unknown mode ${task.mode}`)
  }
} finally {
  await impl.close()
}

/**
 * Peak RSS of this process in KiB. Linux's getrusage maxRSS (process.resourceUsage) keeps
 * the parent's high-water mark across fork and exec, so every child reported at least
 * the bench's own RSS; /proc's VmHWM belongs to this process's memory alone.
 */
function peakRss() {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))
    if (match) return Number(match[1])
  } catch {}
  return process.resourceUsage().maxRSS
}
