// Profiles the library alone on one workload: `node --cpu-prof bench/profile.mjs W3 sqlite 300`.
// A development aid for the performance work; the benchmark itself is run.mjs.
import { provisionEngine } from './lib/engines.mjs'
import { jobConfig } from './lib/job-graph.mjs'
import { componentRuns } from './lib/seed.mjs'
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
const operations = {
  W1: (i) => impl.saveJob(jobConfig(`profile_${i}_${newId()}`)),
  W2: (i) => impl.loadJob(jobIds[i % jobIds.length]),
  W3: () => lifecycle(impl, jobId, runs),
  W5: async () => impl.recordRuns(await impl.startAttempt(await impl.start(jobId, {})), runs),
}
const operation = operations[workload]
for (let i = 0; i < Math.min(20, Number(count)); i++) await operation(i)
const started = performance.now()
const before = impl.statements()
for (let i = 0; i < Number(count); i++) await operation(i)
const ms = performance.now() - started
console.log(`${workload} ${engine} ${implName}: ${(ms / Number(count)).toFixed(3)} ms/op, ${((impl.statements() - before) / Number(count)).toFixed(1)} statements/op`)
await impl.close()
if (impl !== library) await library.close()
