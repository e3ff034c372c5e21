/** Human and machine output for the CLI: aligned tables, JSON, colour only on a TTY. */

export interface Column<Row> {
  readonly header: string
  readonly value: (row: Row) => unknown
  readonly align?: 'left' | 'right'
}

const useColour = (stream: NodeJS.WriteStream) => stream.isTTY === true && !process.env.NO_COLOR

export function colour(text: string, code: 'green' | 'red' | 'yellow' | 'dim' | 'bold', stream: NodeJS.WriteStream = process.stdout): string {
  if (!useColour(stream)) return text
  const codes = { green: 32, red: 31, yellow: 33, dim: 2, bold: 1 } as const
  return `\u001b[${codes[code]}m${text}\u001b[0m`
}

export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** Columns padded to their widest cell; numbers right-aligned. */
export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) => columns.map((column) => formatCell(column.value(row))))
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((line) => line[i]?.length ?? 0)))
  const render = (line: readonly string[]) =>
    line
      .map((cell, i) => (columns[i]?.align === 'right' ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  const header = render(columns.map((column) => column.header))
  return [colour(header, 'bold'), ...cells.map(render)].join('\n')
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** Prints `value` as JSON with `--json`, otherwise as the human rendering. */
export function emit(json: boolean, value: unknown, human: () => string): void {
  if (json) printJson(value)
  else process.stdout.write(`${human()}\n`)
}
