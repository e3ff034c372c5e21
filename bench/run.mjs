// `npm run bench [-- --quick] [--engine sqlite|postgres|mysql] [--only W1,W3,W3-bare]`
// Workloads: W1 save job graph, W2 load it, W3 execution lifecycle (50 runs), W3-bare the
// lifecycle alone, W4 list pages (with total, deep by cursor and offset), W5 bulk runs,
// W6 stream, W7 processes, W8 HTTP. Every row gives statements and transactions per operation.
// Also: --impl library,floor (a subset), --executions N / --rows N (sizes), --out file.json,
// --merge a.json,b.json (one table from engines run as separate processes), --markdown.
// Runs every workload on every engine against the raw-driver floor, TypeORM and Drizzle
// (W8, the HTTP server, against a plain Fastify app on the floor's SQL only),
// prints the table and writes bench/results/latest.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { printTable, withRatios } from './lib/harness.mjs'
import { provisionEngine } from './lib/engines.mjs'
import { jobConfig } from './lib/job-graph.mjs'
import { analyzeSeeded, seedExecutions } from './lib/seed.mjs'
import { IMPLEMENTATIONS, newId, openImplementation } from './impls/index.mjs'
import { loadJobGraph, saveJobGraph } from './workloads/job-graph.mjs'
import { bareLifecycle, bulkComponentRuns, executionLifecycle } from './workloads/execution-lifecycle.mjs'
import { listPage } from './workloads/list-page.mjs'
import { concurrentWorkers, streamExecutions } from './workloads/processes.mjs'
import { httpApi } from './workloads/http-api.mjs'
import { checkTargets } from './lib/targets.mjs'
import { markdownTable } from './lib/markdown.mjs'

// Quick keeps every workload but scales the big tables down (50,000 executions, 20,000 runs).
// W8: rounds of w8Seconds per server and route, after one warm-up round each.
const SIZES = {
  full: {
    rounds: 5,
    roundMs: 1000,
    w1: 30,
    w2: 150,
    w2Jobs: 1000,
    w3: 20,
    w4Offset: 10,
    w5Rows: 100_000,
    w5Rounds: 2,
    executions: 1_000_000,
    w6MaxSeconds: 150,
    w7Seconds: 6,
    w7Rounds: 1,
    w7Workers: 8,
    w8Seconds: 5,
    w8Rounds: 5,
  },
  quick: {
    rounds: 5,
    roundMs: 300,
    w1: 20,
    w2: 100,
    w2Jobs: 600,
    w3: 15,
    w4Offset: 10,
    w5Rows: 20_000,
    w5Rounds: 2,
    executions: 50_000,
    w6MaxSeconds: 60,
    w7Seconds: 4,
    w7Rounds: 1,
    w7Workers: 8,
    w8Seconds: 2,
    w8Rounds: 3,
  },
}

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    engine: { type: 'string', multiple: true },
    only: { type: 'string' },
    impl: { type: 'string' },
    executions: { type: 'string' },
    rows: { type: 'string' },
    out: { type: 'string' },
    merge: { type: 'string' },
    markdown: { type: 'boolean', default: false },
  },
})
const mode = args.quick ? 'quick' : 'full'
const sizes = { ...SIZES[mode] }
if (args.executions) sizes.executions = Number(args.executions)
if (args.rows) sizes.w5Rows = Number(args.rows)
const engines = (args.engine ?? ['sqlite', 'postgres', 'mysql']).flatMap((e) => e.split(','))
const only = args.only ? new Set(args.only.split(',').map((w) => w.trim().toUpperCase())) : undefined
const names = args.impl ? args.impl.split(',') : IMPLEMENTATIONS
const wanted = (workload) => !only || only.has(workload)
const log = (message) => console.error(message)

const results = []
const started = new Date()
const outDir = fileURLToPath(new URL('./results/', import.meta.url))
if (args.merge) {
  // Engines run as separate processes (`--out`) are combined into one table here.
  const parts = args.merge.split(',').map((file) => JSON.parse(readFileSync(file, 'utf8')))
  report(
    parts.flatMap((part) => part.results),
    parts.map((part) => part.mode).join('+'),
    parts[0].sizes,
    parts.flatMap((p) => p.engines),
  )
  process.exit(0)
}
for (const engine of engines) {
  log(`\n== ${engine} (${mode}) ==`)
  const target = await provisionEngine(engine)
  const library = await openImplementation('library', target)
  await library.migrate()
  const impls = [library]
  for (const name of names.filter((n) => n !== 'library')) impls.push(await openImplementation(name, target))
  const floor = impls.find((impl) => impl.name === 'floor') ?? (await openImplementation('floor', target))
  const selected = impls.filter((impl) => names.includes(impl.name))
  const context = { engine, target, impls: selected, floor, sizes, newId, log, names }
  const record = (sets) => {
    for (const set of sets) {
      const rows = set.noRatios ? set.rows : withRatios(set.rows, { floors: set.floors, higherIsBetter: set.higherIsBetter !== false })
      for (const row of rows) results.push({ workload: set.workload, engine, ...row })
    }
  }
  // A workload that fails is reported as failed; the others still run and are written.
  const guarded = async (id, work) => {
    try {
      record(await work())
    } catch (error) {
      log(
        `  ${id} FAILED: ${String(error?.stack ?? error)
          .split('\n')
          .slice(0, 3)
          .join(' ')}`,
      )
      results.push({ workload: `${id} FAILED`, engine, name: 'library', value: null, unit: '', note: String(error?.message ?? error).slice(0, 120) })
    }
  }
  try {
    const steps = [
      ['W1', saveJobGraph],
      ['W2', loadJobGraph],
      ['W3', executionLifecycle],
      ['W3-BARE', bareLifecycle],
      ['W5', bulkComponentRuns],
    ]
    for (const [id, step] of steps) {
      if (!wanted(id)) continue
      log(`  ${id}…`)
      await guarded(id, () => step(context))
    }
    if (wanted('W4') || wanted('W6') || wanted('W8')) {
      const jobIds = []
      for (let i = 0; i < 10; i++) jobIds.push(await floor.saveJob(jobConfig(`seed_${i}`)))
      const seedStarted = performance.now()
      await seedExecutions(floor.client, {
        count: sizes.executions,
        jobIds,
        newId,
        onProgress: (n) => n % 200_000 === 0 && log(`    seeded ${n.toLocaleString('en-US')} executions`),
      })
      log(`    seeded ${sizes.executions.toLocaleString('en-US')} executions in ${((performance.now() - seedStarted) / 1000).toFixed(0)} s`)
      const { rows } = await floor.client.query(`select count(*) as n from "etl_executions" where "job_id" = ? and "status" = 'SUCCEEDED'`, [jobIds[0]])
      context.seeded = { count: sizes.executions, targetJobId: jobIds[0], targetMatches: Number(rows[0].n) }
      await analyzeSeeded(floor.client)
    }
    if (wanted('W4')) {
      log('  W4…')
      await guarded('W4', () => listPage(context))
    }
    if (wanted('W6')) {
      log('  W6…')
      await guarded('W6', () => streamExecutions(context))
    }
    if (wanted('W7')) {
      log('  W7…')
      await guarded('W7', () => concurrentWorkers(context))
    }
    if (wanted('W8')) {
      log('  W8…')
      await guarded('W8', () => httpApi(context))
    }
  } finally {
    for (const impl of new Set([...impls, floor])) await impl.close()
  }
}

report(results, mode, sizes, engines)

function report(rows, runMode, runSizes, runEngines) {
  console.log(`\netl-persistence benchmark — ${started.toISOString()} — ${runMode} — ${cpus().length} cores, Node ${process.versions.node}`)
  printTable(rows)
  const targets = checkTargets(rows)
  console.log('\nTargets:')
  for (const check of targets) console.log(`  ${check.pass ? 'met   ' : 'MISSED'} ${check.engine.padEnd(8)} ${check.target}: ${check.detail}`)
  if (args.markdown) console.log(`\n${markdownTable(rows)}`)
  mkdirSync(outDir, { recursive: true })
  const file = args.out ?? `${outDir}latest.json`
  const summary = { date: started.toISOString(), mode: runMode, cores: cpus().length, cpu: cpus()[0]?.model, node: process.versions.node }
  writeFileSync(file, `${JSON.stringify({ ...summary, sizes: runSizes, engines: runEngines, results: rows, targets }, null, 2)}\n`)
  log(`\nwritten: ${file}`)
}
