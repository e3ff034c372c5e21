// W1: save a job graph of 50 components and 60 links (a new job each time).
// W2: load that graph with its components and links.
import { compareLatency, compareThroughput } from '../lib/harness.mjs'
import { jobConfig } from '../lib/job-graph.mjs'

export async function saveJobGraph({ impls, floor, sizes }) {
  let n = 0
  const saved = new Map()
  const rows = await compareThroughput(impls, {
    rounds: sizes.rounds,
    iterations: sizes.w1,
    minMs: sizes.roundMs,
    operation: async (impl) => saved.set(impl.name, await impl.saveJob(jobConfig(`w1_${impl.name}_${n++}`))),
  })
  await checkSameWork(floor, saved)
  return [{ workload: 'W1 save job graph (50 c, 60 l)', rows }, await auditCost({ floor, sizes })]
}

/**
 * What the hash-chained audit row costs on saving a job: the floor with and without it,
 * in the same rounds (the library always audits; its W1 row above includes the cost).
 */
async function auditCost({ floor, sizes }) {
  let n = 0
  const variant = (name, audit) => ({
    name,
    statements: floor.statements,
    transactions: floor.transactions,
    saveJob: (config) => floor.saveJob(config, { audit }),
  })
  const rows = await compareThroughput([variant('floor with audit', true), variant('floor without audit', false)], {
    rounds: sizes.rounds,
    iterations: sizes.w1,
    minMs: sizes.roundMs,
    operation: (impl) => impl.saveJob(jobConfig(`w1_audit_${n++}`)),
  })
  const [withAudit, without] = rows
  const note = `auditing costs ${Math.round((1 - withAudit.value / without.value) * 100)}% of save throughput`
  return { workload: 'W1 audit cost (floor, same rounds)', rows: rows.map((row) => ({ ...row, note })), noRatios: true }
}

/** Every implementation wrote the same rows: the whole graph, and one audit row per job. */
async function checkSameWork(floor, saved) {
  for (const [name, jobId] of saved) {
    const graph = await floor.loadJob(jobId)
    if (graph.components.length !== 50 || graph.links.length !== 60 || graph.job.content_hash.length !== 64) {
      throw new Error(`W1: ${name} did not write the whole job graph`)
    }
  }
  const count = async (sql) => Number((await floor.client.query(sql)).rows[0].n)
  const jobs = await count(`select count(*) as n from "etl_jobs"`)
  const versions = await count(`select count(*) as n from "etl_job_versions"`)
  const audited = await count(`select count(*) as n from "etl_audit_log" where "action" = 'jobs.create'`)
  if (versions !== jobs || audited !== jobs) throw new Error(`W1: ${jobs} jobs, ${versions} versions, ${audited} audit rows`)
}

/**
 * Loads cycle over more jobs than the product's graph cache holds (256), so every load
 * reads the database; a second line shows the product with its cache warm.
 */
export async function loadJobGraph({ impls, floor, sizes, log }) {
  const jobs = []
  for (let i = 0; i < sizes.w2Jobs; i++) jobs.push(await floor.saveJob(jobConfig(`w2_${i}`)))
  log(`    seeded ${jobs.length} jobs for W2`)
  const next = new Map()
  const check = (graph) => {
    if (graph.components.length !== 50 || graph.links.length !== 60) throw new Error('W2 loaded an incomplete graph')
  }
  const rows = await compareThroughput(impls, {
    rounds: sizes.rounds,
    iterations: sizes.w2,
    minMs: sizes.roundMs,
    operation: async (impl) => {
      const n = next.get(impl.name) ?? 0
      next.set(impl.name, n + 1)
      await check(await impl.loadJob(jobs[n % jobs.length]))
    },
  })
  const library = impls.find((impl) => impl.name === 'library')
  const result = [{ workload: 'W2 load job graph (cold)', rows }]
  if (library) {
    const [cached] = await compareThroughput([library], {
      rounds: sizes.rounds,
      iterations: sizes.w2,
      minMs: sizes.roundMs,
      operation: async () => check(await library.loadJob(jobs[0])),
    })
    result.push({ workload: 'W2 load job graph (cached)', rows: [{ ...cached, name: 'library' }], noRatios: true })
  }
  return result
}

export { compareLatency }
