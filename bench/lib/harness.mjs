// Timing, statistics and reporting for the benchmark. Every implementation of a
// workload is measured in the same process, round-robin, so that machine noise falls
// on all of them alike; medians of the rounds are reported with their spread.

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** (max − min) / median of the rounds: how noisy this measurement was. */
export function spread(values) {
  const m = median(values)
  return m === 0 ? 0 : (Math.max(...values) - Math.min(...values)) / m
}

/**
 * Runs `rounds` rounds; in each, every implementation performs `iterations` operations,
 * and more until `minMs` have passed (a round of a few milliseconds a time measures this
 * machine's noise more than the work), but stops early once `budgetMs` have passed and
 * at least 3 are done (sub-millisecond reads need hundreds of samples, and a slow peer
 * should not need minutes for them).
 * Returns, per implementation, the throughput of each round (operations per second),
 * and the statements and transactions per operation it issued (transactions where the
 * implementation counts them: `impl.transactions()`, see transactions.mjs).
 */
export async function compareThroughput(implementations, { rounds, iterations, minMs = 0, budgetMs = Infinity, warmup = 1, operation }) {
  const results = new Map(implementations.map((impl) => [impl.name, { rounds: [], statements: 0, transactions: 0, operations: 0 }]))
  const transactionsOf = (impl) => impl.transactions?.() ?? 0
  for (let round = -warmup; round < rounds; round++) {
    // The order rotates every round, so no implementation always follows the same one.
    const shift = ((round % implementations.length) + implementations.length) % implementations.length
    for (const impl of [...implementations.slice(shift), ...implementations.slice(0, shift)]) {
      const before = impl.statements()
      const transactionsBefore = transactionsOf(impl)
      const started = performance.now()
      let done = 0
      const going = () => {
        const elapsed = performance.now() - started
        return (done < iterations || elapsed < minMs) && (done < 3 || elapsed < budgetMs)
      }
      while (going()) await operation(impl, done++, round)
      const seconds = (performance.now() - started) / 1000
      if (round < 0) continue
      const entry = results.get(impl.name)
      entry.rounds.push(done / seconds)
      entry.statements += impl.statements() - before
      entry.transactions += transactionsOf(impl) - transactionsBefore
      entry.operations += done
    }
  }
  const counted = new Set(implementations.filter((impl) => typeof impl.transactions === 'function').map((impl) => impl.name))
  return [...results].map(([name, entry]) => ({
    name,
    value: median(entry.rounds),
    spread: spread(entry.rounds),
    statementsPerOp: entry.statements / entry.operations,
    transactionsPerOp: counted.has(name) ? entry.transactions / entry.operations : null,
    unit: 'ops/s',
  }))
}

/** Same as compareThroughput, for latency (ms per operation, lower is better). */
export async function compareLatency(implementations, options) {
  const throughput = await compareThroughput(implementations, options)
  return throughput.map((row) => ({ ...row, value: 1000 / row.value, unit: 'ms' }))
}

/**
 * Adds the ratio to the floor and to the best peer ORM to each row of one workload.
 * Where the floor has several paths (W5: multi-row inserts and COPY), `floors` names them
 * and the ratio is to the fastest; `floorName` says which one that was.
 */
export function withRatios(rows, { floors = ['floor'], peers = ['drizzle', 'typeorm'], higherIsBetter = true }) {
  const better = (a, b) => (higherIsBetter ? a > b : a < b)
  const floorRow = rows.filter((row) => floors.includes(row.name)).reduce((best, row) => (!best || better(row.value, best.value) ? row : best), undefined)
  const peerRows = rows.filter((row) => peers.includes(row.name))
  const bestPeer = peerRows.reduce((best, row) => (!best || better(row.value, best.value) ? row : best), undefined)
  // Ratios are expressed so that > 1 means "better than": throughput ratio, or inverse latency ratio.
  const ratio = (a, b) => (b ? (higherIsBetter ? a / b : b / a) : null)
  return rows.map((row) => ({
    ...row,
    vsFloor: floorRow ? ratio(row.value, floorRow.value) : null,
    floorName: floorRow?.name ?? null,
    vsBestPeer: bestPeer ? ratio(row.value, bestPeer.value) : null,
    bestPeer: bestPeer?.name ?? null,
  }))
}

export function formatNumber(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—'
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US')
  return value.toFixed(digits)
}

export function printTable(rows) {
  const columns = [
    ['workload', (r) => r.workload],
    ['engine', (r) => r.engine],
    ['impl', (r) => r.name],
    ['median', (r) => `${formatNumber(r.value)} ${r.unit}`],
    ['×floor', (r) => (r.vsFloor == null ? '—' : formatNumber(r.vsFloor, 2))],
    ['×best peer', (r) => (r.vsBestPeer == null ? '—' : formatNumber(r.vsBestPeer, 2))],
    ['stmts/op', (r) => (r.statementsPerOp == null ? '—' : formatNumber(r.statementsPerOp, 1))],
    ['tx/op', (r) => (r.transactionsPerOp == null ? '—' : formatNumber(r.transactionsPerOp, 1))],
    ['spread', (r) => (r.spread == null ? '—' : `${Math.round(r.spread * 100)}%`)],
    ['note', (r) => r.note ?? ''],
  ]
  const cells = rows.map((row) => columns.map(([, get]) => String(get(row))))
  const widths = columns.map(([header], i) => Math.max(header.length, ...cells.map((line) => line[i].length)))
  const numeric = (i) => i >= 3 && i < columns.length - 1
  const line = (values) =>
    values
      .map((value, i) => (numeric(i) ? value.padStart(widths[i]) : value.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  console.log(line(columns.map(([header]) => header)))
  for (const row of cells) console.log(line(row))
}
