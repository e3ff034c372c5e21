// One line per workload and engine, for the README: every implementation's median and
// the product's ratios (> 1 means better than: throughput ratio, or inverse latency ratio).
import { formatNumber } from './harness.mjs'

export function markdownTable(results) {
  const lines = [
    '| workload | engine | unit | library | floor | TypeORM | Drizzle | lib ×floor | lib ×best peer | lib stmts/op |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  const keys = [...new Set(results.map((row) => `${row.workload}\u0000${row.engine}`))]
  for (const key of keys) {
    const [workload, engine] = key.split('\u0000')
    const rows = results.filter((row) => row.workload === workload && row.engine === engine)
    const value = (name) => {
      const row = rows.find((r) => r.name === name)
      return row ? formatNumber(row.value) : '—'
    }
    const lib = rows.find((row) => row.name === 'library')
    if (!lib) continue
    const ratio = (v) => (v == null ? '—' : formatNumber(v, 2))
    lines.push(
      `| ${workload} | ${engine} | ${lib.unit} | ${value('library')} | ${value('floor')} | ${value('typeorm')} | ${value('drizzle')} | ${ratio(lib.vsFloor)} | ${ratio(lib.vsBestPeer)} | ${formatNumber(lib.statementsPerOp, 1)} |`,
    )
  }
  return lines.join('\n')
}
