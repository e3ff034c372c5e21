import { createReadStream, statSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Command } from 'commander'
import { ValidationError, type RecordRepository } from '../index.js'
import { parseJsonOption } from './json-input.js'
import { emit, formatTable } from './output.js'
import { progressBar } from './progress-bar.js'
import { withStore } from './runtime.js'

interface ListOptions {
  readonly where?: string
  readonly orderBy?: string
  readonly limit?: string
  readonly cursor?: string
  readonly include?: string
  readonly total?: boolean
}

export function registerRecordsCommand(program: Command): void {
  const records = program
    .command('records')
    .description('read and import the records of a declared model')
    .addHelpText(
      'after',
      `\nExamples:\n  etlp records list quality_check --where '{"column": "passed", "operator": "==", "value": false}'\n  etlp records import quality_check checks.jsonl`,
    )

  records
    .command('list <model>')
    .description('list records, filtered with the shared query language')
    .option('--where <json>', 'a filter rule: {"column", "operator", "value"} or {"logical_operator", "rules"}')
    .option('--order-by <columns>', 'comma-separated columns, "-" for descending (e.g. -checked_at,id)')
    .option('--limit <n>', 'records per page (1..1000, default 100)')
    .option('--cursor <cursor>', 'the next_cursor of the previous page')
    .option('--include <relations>', 'comma-separated relations to load (a field job_id is the relation job)')
    .option('--total', 'also count every matching record')
    .addHelpText(
      'after',
      `\nExamples:\n  etlp records list quality_check --where '{"column": "rule", "operator": "contains", "value": "email"}' --order-by -id --limit 20\n  etlp records list finding --include check --json`,
    )
    .action(async (model: string, options: ListOptions, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const query = {
          ...(options.where === undefined ? {} : { where: parseJsonOption(options.where, 'where') }),
          ...(options.orderBy === undefined ? {} : { order_by: options.orderBy.split(',').map((column) => column.trim()) }),
          ...(options.limit === undefined ? {} : { limit: Number(options.limit) }),
          ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
          ...(options.total ? { total: true } : {}),
        }
        const include = options.include?.split(',').map((relation) => relation.trim())
        const page = await store.models.records(model).find(query, include ? { include } : {})
        emit(json === true, page, () => {
          const columns = Object.keys(page.items[0] ?? {}).map((name) => ({ header: name.toUpperCase(), value: (row: Record<string, unknown>) => row[name] }))
          const lines = [page.items.length === 0 ? '(no records)' : formatTable(page.items, columns)]
          if (page.total !== undefined) lines.push(`total: ${page.total}`)
          if (page.next_cursor) lines.push(`next page: --cursor ${page.next_cursor}`)
          return lines.join('\n')
        })
      })
    })

  records
    .command('import <model> <file>')
    .description('insert the records of a JSON Lines file (one object per line) in one transaction, chunked')
    .addHelpText('after', '\nExamples:\n  etlp records import quality_check checks.jsonl\n  etlp records import reading readings.jsonl --json')
    .action(async (model: string, file: string, _options, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const result = await importJsonLines(store.models.records(model), file, json === true)
        emit(json === true, result, () => `Imported ${result.inserted} record(s) into ${model}.`)
      })
    })
}

/**
 * Streams a JSON Lines file into `insertMany`: one chunk in memory at a time, with the
 * shared progress bar (bytes read) on stderr unless `--json`. Errors name the line.
 */
async function importJsonLines(records: RecordRepository, file: string, quiet: boolean): Promise<{ inserted: number }> {
  let size: number
  try {
    size = statSync(file).size
  } catch (error) {
    throw new ValidationError([{ path: 'file', message: `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}` }], { cause: error })
  }
  const lineOfRow: number[] = []
  const bar = progressBar('bytes read', process.stderr, quiet)
  async function* rows(): AsyncGenerator<unknown> {
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })
    let lineNumber = 0
    let bytes = 0
    for await (const line of lines) {
      lineNumber++
      bytes += Buffer.byteLength(line) + 1
      if (line.trim() === '') continue
      lineOfRow.push(lineNumber)
      if (lineOfRow.length % 1000 === 0) bar.update(bytes, size, `(${lineOfRow.length.toLocaleString('en')} records)`)
      yield parseJsonOption(line, `line ${lineNumber}`)
    }
    bar.update(size, size, `(${lineOfRow.length.toLocaleString('en')} records)`)
  }
  try {
    return await records.insertMany(rows())
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error
    // `rows[12].rule` → `line 14.rule`: users look for lines, not row indexes.
    const issues = error.issues.map((issue) => ({
      ...issue,
      path: issue.path.replace(/^rows\[(\d+)\]/, (_match, index: string) => `line ${lineOfRow[Number(index)] ?? Number(index) + 1}`),
    }))
    throw new ValidationError(issues, { cause: error })
  } finally {
    bar.done()
  }
}
