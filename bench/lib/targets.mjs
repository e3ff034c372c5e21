// The targets, checked against one run's rows (all ratios from the same run).
const fmt = (value, digits = 2) => (value == null ? '—' : value.toFixed(digits))

export function checkTargets(results) {
  const checks = []
  const engines = [...new Set(results.map((row) => row.engine))]
  for (const engine of engines) {
    const rows = results.filter((row) => row.engine === engine)
    const lib = (prefix) => rows.find((row) => row.workload.startsWith(prefix) && row.name === 'library')
    const add = (target, pass, detail) => checks.push({ engine, target, pass, detail })
    // Throughput against the floor: W1's floor writes the audit row too; W3-bare's floor keeps
    // the lifecycle's guarantees by hand (floor-lifecycle.mjs); W5's is the faster of the
    // floor's paths (multi-row inserts, and COPY on PostgreSQL).
    const throughput = [
      ['W1 ', 'W1 ≥ 0.8× floor (with the audit trail) throughput', 0.8],
      ['W2 load job graph (cold)', 'W2 ≥ 0.8× floor throughput', 0.8],
      ['W3 ', 'W3 (50 runs) ≥ 0.9× floor throughput', 0.9],
      ['W3-bare lifecycle (no runs)', 'W3-bare ≥ 0.8× floor throughput', 0.8],
      ['W3-bare lifecycle (no runs, idempotency key)', 'W3-bare with idempotency key ≥ 0.8× floor throughput', 0.8],
      ['W5 ', 'W5 ≥ 0.8× fastest floor path throughput', 0.8],
    ]
    for (const [prefix, target, least] of throughput) {
      const row = lib(prefix)
      const against = row?.floorName && row.floorName !== 'floor' ? ` (vs ${row.floorName})` : ''
      if (row) add(target, row.vsFloor >= least, `×${fmt(row.vsFloor)}${against}`)
    }
    const w2 = lib('W2 load job graph (cold)')
    if (w2) add('W2 ≤ 4 statements', w2.statementsPerOp <= 4, `${fmt(w2.statementsPerOp, 1)} statements`)
    const page1 = lib('W4 page 1 (')
    if (page1) add('W4 page 1 within 1.5× floor latency', page1.value <= 1.5 * (page1.value * page1.vsFloor), `${fmt(1 / page1.vsFloor)}× floor`)
    const total = lib('W4 page 1 + total')
    if (total) add('W4 page 1 + total within 1.2× floor latency', total.vsFloor >= 1 / 1.2, `${fmt(1 / total.vsFloor)}× floor`)
    // The deepest cursor page measured (page 2 by cursor is there as a reference).
    const pageNumber = (row) => Number(/^W4 page (\d+) by cursor/.exec(row.workload)?.[1] ?? 0)
    const cursor = rows.filter((row) => row.name === 'library' && pageNumber(row) > 2).sort((a, b) => pageNumber(b) - pageNumber(a))[0]
    if (page1 && cursor) {
      const ratio = cursor.value / page1.value
      const second = rows.find((row) => row.name === 'library' && pageNumber(row) === 2)
      const reference = second ? `; page 2 by cursor ${fmt(second.value)} ms` : ''
      add(
        'W4 deep page by cursor no slower than page 1 (10 % noise margin)',
        ratio <= 1.1,
        `${fmt(cursor.value)} ms vs ${fmt(page1.value)} ms (×${fmt(ratio)})${reference}`,
      )
    }
    const w6 = lib('W6')
    if (w6) add('W6 peak RSS < 200 MB', w6.value < 200, `${fmt(w6.value, 0)} MB`)
    const w7 = lib('W7')
    if (w7 && engine === 'postgres') add('W7 8 processes ≥ 3× one', w7.scale >= 3, `×${fmt(w7.scale)}`)
    else if (w7) add('W7 scaling (target only on PostgreSQL)', true, `×${fmt(w7.scale)}`)
    for (const row of rows.filter((r) => r.name === 'library' && r.workload.startsWith('W8') && r.unit === 'req/s')) {
      add(`${row.workload.split(' (')[0]} ≥ 0.8× floor requests/s`, row.vsFloor >= 0.8, `×${fmt(row.vsFloor)}`)
    }
    for (const row of rows.filter((r) => r.name === 'library' && r.vsBestPeer != null)) {
      add(`${row.workload.split(' ')[0]} beats TypeORM and Drizzle`, row.vsBestPeer > 1, `×${fmt(row.vsBestPeer)} vs ${row.bestPeer} (${row.workload})`)
    }
  }
  return checks
}
