// W8: the store over HTTP, 50 connections at once (autocannon): GET /api/v1/executions, a
// page of 50 over the seeded executions, and POST /jobs/, the origin's route, with a small
// origin job file. The product's server (buildServer, token auth) against a plain Fastify
// app running the floor's SQL; each in a child process, the load generator in this one.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { median, spread } from '../lib/harness.mjs'

const SERVER = fileURLToPath(new URL('../impls/http-server.mjs', import.meta.url))
const CONNECTIONS = 50
const LIMIT = 50
const POOL_SIZE = 10
const CHECKED_REQUESTS = 5
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** A small job in the origin's format: read a CSV, keep the paid orders, write them. */
const ORIGIN_JOB = {
  name: 'w8_paid_orders',
  description: 'Paid orders of the day',
  strategy_type: 'row',
  num_of_retries: 1,
  file_logging: false,
  components: [
    {
      comp_type: 'read_csv',
      name: 'read_orders',
      description: 'Orders export',
      filepath: 'input/orders.csv',
      separator: ',',
      routes: { out: ['keep_paid'] },
    },
    {
      comp_type: 'filter',
      name: 'keep_paid',
      description: 'Paid orders only',
      rule: { column: 'status', operator: '==', value: 'paid' },
      routes: { pass: ['write_paid'] },
    },
    { comp_type: 'write_csv', name: 'write_paid', description: 'Paid orders', filepath: 'output/paid.csv', separator: ',' },
  ],
}

/** The two requests W8 measures, each with the check that its answer is the real one. */
function routesFor(seeded) {
  // W4's page: one job's successful runs, newest first.
  const where = {
    logical_operator: 'AND',
    rules: [
      { column: 'job_id', operator: '==', value: seeded.targetJobId },
      { column: 'status', operator: '==', value: 'SUCCEEDED' },
    ],
  }
  const query = new URLSearchParams({ where: JSON.stringify(where), limit: String(LIMIT) })
  return [
    {
      id: 'list',
      title: `W8 GET /api/v1/executions page of ${LIMIT} (${seeded.count.toLocaleString('en-US')} executions, ${CONNECTIONS} connections)`,
      method: 'GET',
      path: `/api/v1/executions?${query}`,
      expect: (status, text) => status === 200 && JSON.parse(text).items?.length === LIMIT,
    },
    {
      id: 'create',
      title: `W8 POST /jobs/ (origin job, ${ORIGIN_JOB.components.length} components, ${CONNECTIONS} connections)`,
      method: 'POST',
      path: '/jobs/',
      body: JSON.stringify(ORIGIN_JOB),
      // The new job's id as a JSON string, as the origin answers.
      expect: (status, text) => status === 200 && UUID.test(JSON.parse(text)),
    },
  ]
}

/** Starts one server child; resolves once it listens. */
function startServer(task) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SERVER, JSON.stringify(task)], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stderr = ''
    const waiting = []
    let ready = false
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('exit', (code) => {
      const failure = new Error(`W8 ${task.impl} server exited ${code}: ${stderr.trim().slice(-2000)}`)
      if (!ready) reject(failure)
      for (const pending of waiting.splice(0)) pending.reject(failure)
    })
    const lines = createInterface({ input: child.stdout })
    lines.on('line', (line) => {
      const message = JSON.parse(line)
      if (ready) return waiting.shift()?.resolve(message)
      ready = true
      resolve({
        name: task.impl,
        url: message.url,
        token: message.token,
        /** {statements, transactions, requests, cpuMs} so far, once the server has finished every request. */
        counts: () =>
          new Promise((resolveCounts, rejectCounts) => {
            waiting.push({ resolve: resolveCounts, reject: rejectCounts })
            child.stdin.write('counts\n')
          }),
        stop: () =>
          new Promise((resolveStop) => {
            if (child.exitCode !== null) return resolveStop()
            child.once('exit', resolveStop)
            child.stdin.end()
          }),
      })
    })
  })
}

function requestOptions(server, route) {
  const headers = { authorization: `Bearer ${server.token}` }
  if (route.body) headers['content-type'] = 'application/json'
  return { url: server.url + route.path, method: route.method, headers, body: route.body }
}

/**
 * A few requests one after the other before the clock starts: a server that answers
 * wrongly fails W8 with its answer. Returns the statements and transactions per request,
 * counted here because under load the requests the load generator drops at the end blur
 * the count (and the library's count of transactions holds only one request at a time).
 */
async function checkAnswers(server, route) {
  const { url, ...init } = requestOptions(server, route)
  const send = async () => {
    const response = await fetch(url, init)
    const text = await response.text()
    if (!answersAsExpected(route, response.status, text))
      throw new Error(`W8 ${server.name} ${route.method} ${route.path}: ${response.status} ${text.slice(0, 300)}`)
  }
  // Not counted: the first request also notes the token's first use (hourly after that).
  await send()
  const before = await server.counts()
  for (let i = 0; i < CHECKED_REQUESTS; i++) await send()
  const after = await server.counts()
  const requests = after.requests - before.requests
  return { statementsPerOp: (after.statements - before.statements) / requests, transactionsPerOp: (after.transactions - before.transactions) / requests }
}

function answersAsExpected(route, status, text) {
  try {
    return route.expect(status, text)
  } catch {
    return false // not JSON: an error page
  }
}

/** `seconds` of `CONNECTIONS` connections sending `route`: requests/s, p99 latency and server CPU per request (ms). */
async function load(server, route, seconds) {
  const before = await server.counts()
  const result = await autocannon({ ...requestOptions(server, route), connections: CONNECTIONS, duration: seconds })
  // Also makes the next round start on a server that has finished this one's requests.
  const after = await server.counts()
  const failed = result.non2xx + result.errors + result.timeouts
  if (failed > 0) {
    throw new Error(`W8 ${server.name} ${route.id}: ${failed} of ${result.requests.total} requests failed (${JSON.stringify(result.statusCodeStats)})`)
  }
  const cpuMs = (after.cpuMs - before.cpuMs) / (after.requests - before.requests)
  return { rate: result.requests.total / result.duration, p99: result.latency.p99, cpuMs }
}

/**
 * Rounds in rotating order (library, floor; then floor, library; …) after one unrecorded
 * warm-up round each: the machine's noise falls on both alike.
 */
async function compareRoute(servers, route, { w8Seconds, w8Rounds }) {
  const samples = new Map()
  for (const server of servers) samples.set(server.name, { rates: [], p99s: [], cpuMs: [], ...(await checkAnswers(server, route)) })
  for (let round = -1; round < w8Rounds; round++) {
    const order = round % 2 === 0 ? servers : [...servers].reverse()
    for (const server of order) {
      const measured = await load(server, route, w8Seconds)
      if (round < 0) continue
      const entry = samples.get(server.name)
      entry.rates.push(measured.rate)
      entry.p99s.push(measured.p99)
      entry.cpuMs.push(measured.cpuMs)
    }
  }
  const rows = (pick, unit) =>
    [...samples].map(([name, entry]) => ({
      name,
      value: median(entry[pick]),
      spread: spread(entry[pick]),
      statementsPerOp: entry.statementsPerOp,
      transactionsPerOp: entry.transactionsPerOp,
      unit,
    }))
  const short = route.title.split(' (')[0]
  return [
    { workload: route.title, rows: rows('rates', 'req/s') },
    { workload: `${short} p99 latency`, rows: rows('p99s', 'ms'), higherIsBetter: false },
    { workload: `${short} server CPU per request`, rows: rows('cpuMs', 'ms CPU'), higherIsBetter: false },
  ]
}

/**
 * W8 on one engine over the seeded executions (`context.seeded`): for each route, rows of
 * requests/s and of p99 latency for the library and the floor, with statements per request.
 */
export async function httpApi({ target, seeded, sizes, log }) {
  // The floor checks the library's token against the same table, so both do one lookup.
  const library = await startServer({ impl: 'library', target, poolSize: POOL_SIZE })
  const servers = [library]
  try {
    servers.push(await startServer({ impl: 'floor', target, poolSize: POOL_SIZE, token: library.token }))
    const sets = []
    for (const route of routesFor(seeded)) {
      log(`    W8 ${route.method} ${route.path.split('?')[0]}: ${sizes.w8Rounds} rounds of ${sizes.w8Seconds} s per server`)
      sets.push(...(await compareRoute(servers, route, sizes)))
    }
    return sets
  } finally {
    for (const server of servers) await server.stop()
  }
}
