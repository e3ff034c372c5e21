import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * The figures one scenario reports (issue 9): what it tried, how many faults it injected,
 * how many writes the store acknowledged, and what went wrong. Test files write them to
 * a shared folder; the fault suite's teardown prints them as one table.
 */
export interface ScenarioFigures {
  readonly scenario: string
  readonly engine: string
  readonly tries: number
  readonly faults: number
  readonly acknowledged: number
  readonly lost: number
  readonly duplicated: number
  /** Half-written state seen afterwards (a partial graph or batch). */
  readonly partial: number
  /** Errors that were not a `PersistenceError`, or a raw driver error. */
  readonly untyped: number
  readonly note?: string
}

/** Where `npm run test:faults` collects figures (vitest.faults.config.ts sets ETLP_FAULT_FIGURES to it). */
export const FIGURES_FOLDER = join(tmpdir(), 'etlp-fault-figures')
const FOLDER = process.env.ETLP_FAULT_FIGURES ?? FIGURES_FOLDER

/** Keeps a scenario's figures for the summary table; a no-op outside `npm run test:faults`. */
export function recordFigures(figures: ScenarioFigures): void {
  if (process.env.ETLP_FAULT_FIGURES === undefined) return
  mkdirSync(FOLDER, { recursive: true })
  const file = `${figures.scenario}-${figures.engine}-${process.pid}-${Date.now()}.json`.replace(/[^A-Za-z0-9_.-]/g, '_')
  writeFileSync(join(FOLDER, file), JSON.stringify(figures))
}

export function clearFigures(): void {
  rmSync(FOLDER, { recursive: true, force: true })
}

export function readFigures(): ScenarioFigures[] {
  let files: string[]
  try {
    files = readdirSync(FOLDER).filter((name) => name.endsWith('.json'))
  } catch {
    return []
  }
  return files
    .map((name) => JSON.parse(readFileSync(join(FOLDER, name), 'utf8')) as ScenarioFigures)
    .sort((a, b) => a.scenario.localeCompare(b.scenario) || a.engine.localeCompare(b.engine))
}

const COLUMNS = ['scenario', 'engine', 'tries', 'faults', 'acknowledged', 'lost', 'duplicated', 'partial', 'untyped', 'note'] as const

/** The summary table as Markdown (pasted into the README's "Reliability" section). */
export function figuresTable(rows: readonly ScenarioFigures[]): string {
  const cells = rows.map((row) => COLUMNS.map((column) => String(row[column] ?? '')))
  const widths = COLUMNS.map((column, i) => Math.max(column.length, ...cells.map((line) => (line[i] ?? '').length)))
  const line = (values: readonly string[]) => `| ${values.map((value, i) => value.padEnd(widths[i] ?? 0)).join(' | ')} |`
  return [line(COLUMNS), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n')
}
