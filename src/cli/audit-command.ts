import type { Command } from 'commander'
import type { AuditEntry, AuditHead } from '../index.js'
import { parseJsonOption } from './json-input.js'
import { colour, emit, formatTable } from './output.js'
import { withStore } from './runtime.js'

export function registerAuditCommand(program: Command): void {
  const audit = program
    .command('audit')
    .description('read and verify the tamper-evident audit trail')
    .addHelpText(
      'after',
      `\nExamples:\n  etlp audit list --limit 20\n  etlp audit list --where '{"column":"actor","operator":"==","value":"ana"}'\n  etlp audit head --json > audit-head.json\n  etlp audit verify --expected-head "$(cat audit-head.json)"`,
    )

  audit
    .command('list')
    .description('list audit entries, newest first')
    .option('--where <json>', 'filter rules, e.g. {"column":"outcome","operator":"==","value":"denied"}')
    .option('--limit <n>', 'entries per page', '50')
    .option('--cursor <cursor>', 'the next_cursor of the previous page')
    .action(async (options: { where?: string; limit: string; cursor?: string }, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const page = await store.audit.list({
          ...(options.where === undefined ? {} : { where: parseJsonOption(options.where, '--where') }),
          limit: Number(options.limit),
          ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
        })
        emit(json === true, page, () => renderEntries(page.items, page.next_cursor))
      })
    })

  audit
    .command('verify')
    .description('walk the whole chain and report the first broken sequence number (exit 1 if broken)')
    .option('--expected-head <json>', 'a head kept elsewhere ({"seq":…,"hash":…}), to detect a truncated tail')
    .action(async (options: { expectedHead?: string }, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const expectedHead = options.expectedHead === undefined ? undefined : (parseJsonOption(options.expectedHead, '--expected-head') as AuditHead)
        const result = await store.audit.verify(expectedHead === undefined ? {} : { expectedHead })
        emit(json === true, result, () =>
          result.ok
            ? colour(`audit chain intact: ${result.checked} entries, head ${result.head.seq} ${result.head.hash}`, 'green')
            : colour(`audit chain BROKEN at sequence ${result.first_broken_seq}: ${result.reason}`, 'red'),
        )
        if (!result.ok) process.exitCode = 1
      })
    })

  audit
    .command('head')
    .description('print the last sequence number and hash (keep it elsewhere)')
    .action(async (_options, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const head = await store.audit.head()
        emit(json === true, head, () => `${head.seq} ${head.hash}`)
      })
    })
}

function renderEntries(entries: readonly AuditEntry[], nextCursor: string | null): string {
  const table = formatTable(entries, [
    { header: 'SEQ', value: (entry) => entry.seq, align: 'right' },
    { header: 'AT', value: (entry) => entry.at },
    { header: 'ACTOR', value: (entry) => entry.actor },
    { header: 'ACTION', value: (entry) => entry.action },
    { header: 'ENTITY', value: (entry) => (entry.entity_id === null ? entry.entity_type : `${entry.entity_type} ${entry.entity_id}`) },
    { header: 'OUTCOME', value: (entry) => (entry.outcome === 'ok' ? entry.outcome : colour(entry.outcome, 'red')) },
  ])
  return nextCursor === null ? table : `${table}\n(more: --cursor ${nextCursor})`
}
