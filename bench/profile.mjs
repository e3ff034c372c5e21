// Profiles the library alone on one workload: `node --cpu-prof bench/profile.mjs W3 sqlite 300`.
// A development aid for the performance work; the benchmark itself is run.mjs.
import { provisionEngine } from './lib/engines.mjs'
import { jobConfig } from './lib/job-graph.mjs'
import { analyzeSeeded, componentRuns, seedExecutions } from './lib/seed.mjs'
import { newId, openImplementation } from './impls/index.mjs'
import { lifecycle } from './workloads/execution-lifecycle.mjs'

const [workload = 'W3', engine = 'sqlite', count = '200', implName = 'library'] = process.argv.slice(2)
const target = await provisionEngine(engine)
const library = await openImplementation('library', target)
await library.migrate()
const impl = implName === 'library' ? library : await openImplementation(implName, target)
const jobId = await impl.saveJob(jobConfig('profile_job'))
const runs = componentRuns(workload === 'W5' ? 20_000 : 50)
// W2 cycles through more jobs than the product's graph cache holds (256): cold loads.
const jobIds = []
if (workload === 'W2') for (let i = 0; i < 400; i++) jobIds.push(await impl.saveJob(jobConfig(`profile_load_${i}`)))
// W4 lists page 1 of a job+status filter over 50,000 seeded executions (W4deep: page 100 by cursor).
const w4 = { jobId, status: 'SUCCEEDED', limit: 50 }
let seeder
if (workload.startsWith('W4')) {
  const floor = implName === 'floor' ? impl : (seeder = await openImplementation('floor', target))
  const others = [await floor.saveJob(jobConfig('profile_other'))]
  await seedExecutions(floor.client, { count: 50_000, jobIds: [jobId, ...others], newId })
  await analyzeSeeded(floor.client)
  if (workload === 'W4deep') {
    if (impl.pageCursor) w4.cursor = await impl.pageCursor(w4, 100)
    else {
      const previous = await impl.listPage({ ...w4, offset: 98 * 50 })
      w4.after = { queued_at: previous[49].queued_at, id: previous[49].id }
    }
  }
}
const operations = {
  W4: () => impl.listPage(w4),
  W4deep: () => impl.listPage(w4),
  W1: (i) => impl.saveJob(jobConfig(`profile_${i}_${newId()}`)),
  W2: (i) => impl.loadJob(jobIds[i % jobIds.length]),
  W3: () => lifecycle(impl, jobId, runs),
  'W3-bare': () => lifecycle(impl, jobId, []),
  W5: async () => impl.recordRuns(await impl.startAttempt(await impl.start(jobId, {})), runs),
}
const operation = operations[workload]
for (let i = 0; i < Math.min(20, Number(count)); i++) await operation(i)
const started = performance.now()
const before = impl.statements()
const transactionsBefore = impl.transactions?.() ?? 0
for (let i = 0; i < Number(count); i++) await operation(i)
const ms = performance.now() - started
console.log(
  `${workload} ${engine} ${implName}: ${(ms / Number(count)).toFixed(3)} ms/op, ${((impl.statements() - before) / Number(count)).toFixed(1)} statements/op, ${((impl.transactions?.() ?? 0) - transactionsBefore) / Number(count)} transactions/op`,
)
await impl.close()
if (impl !== library) await library.close()
await seeder?.close()
