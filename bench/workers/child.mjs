// A benchmark child process: `stream` (W6: read every execution, report peak RSS) or
// `record` (W7: run execution lifecycles from `startAt` for `durationMs`, report the count).
// Usage: node child.mjs '<json task>'; prints one JSON line.
import { openImplementation } from '../impls/index.mjs'
import { lifecycle } from '../workloads/execution-lifecycle.mjs'
import { componentRuns } from '../lib/seed.mjs'

const task = JSON.parse(process.argv[2])
const impl = await openImplementation(task.impl, task.target, { poolSize: task.poolSize ?? 2 })
try {
  if (task.mode === 'stream') {
    const started = performance.now()
    let rows = 0
    for await (const _row of impl.streamExecutions()) rows++
    const ms = performance.now() - started
    const peakRssMb = process.resourceUsage().maxRSS / 1024
    console.log(JSON.stringify({ rows, ms, peakRssMb, statements: impl.statements() }))
  } else if (task.mode === 'record') {
    const runs = componentRuns(task.runs)
    const wait = task.startAt - Date.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    const end = task.startAt + task.durationMs
    let done = 0
    const before = impl.statements()
    while (Date.now() < end) {
      await lifecycle(impl, task.jobId, runs)
      done++
    }
    console.log(JSON.stringify({ done, seconds: (Date.now() - task.startAt) / 1000, statements: impl.statements() - before }))
  } else {
    throw new Error(`unknown mode ${task.mode}`)
  }
} finally {
  await impl.close()
}
