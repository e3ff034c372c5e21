// One line per workload and engine, for the README: every implementation's median and
// the product's ratios (> 1 means better than: throughput ratio, or inverse latency ratio).
import { formatNumber } from './harness.mjs'

export function markdownTable(results) {
  const lines = [
    '| workload | engine | unit | library | floor | TypeORM | Drizzle | lib ×floor | lib ×best peer | lib stmts/op | lib tx/op | floor stmts/op | floor tx/op |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  const keys = [...new Set(results.map((row) => `${row.workload}\u0000${row.engine}`))]
  for (const key of keys) {
    const [workload, engine] = key.split('\u0000')
    const rows = results.filter((row) => row.workload === workload && row.engine === engine)
    const lib = rows.find((row) => row.name === 'library')
    if (!lib) continue
    // The floor the ratio was taken against (W5 on PostgreSQL: the faster of its two paths).
    const floorName = lib.floorName ?? 'floor'
    const value = (name) => {
      const row = rows.find((r) => r.name === name)
      return row ? formatNumber(row.value) : '—'
    }
    const floor = rows.find((row) => row.name === floorName)
    const floorCell = floorName === 'floor' ? value('floor') : `${value(floorName)} (${floorName})`
    const ratio = (v) => (v == null ? '—' : formatNumber(v, 2))
    const perOp = (v) => (v == null ? '—' : formatNumber(v, 1))
    lines.push(
      `| ${workload} | ${engine} | ${lib.unit} | ${value('library')} | ${floorCell} | ${value('typeorm')} | ${value('drizzle')} | ${ratio(lib.vsFloor)} | ${ratio(lib.vsBestPeer)} | ${perOp(lib.statementsPerOp)} | ${perOp(lib.transactionsPerOp)} | ${perOp(floor?.statementsPerOp)} | ${perOp(floor?.transactionsPerOp)} |`,
    )
  }
  return lines.join('\n')
}
