import type { Command } from 'commander'
import type { ApiToken, ApiTokenInput } from '../index.js'
import { parseJsonOption } from './json-input.js'
import { emit, formatTable } from './output.js'
import { withStore } from './runtime.js'

/** `etlp tokens create|list|revoke`: the API tokens `etlp serve` accepts. */
export function registerTokensCommand(program: Command): void {
  const tokens = program
    .command('tokens')
    .description('API tokens for etlp serve: each stands for one principal; only its hash is stored')
    .addHelpText(
      'after',
      '\nExamples:\n  etlp tokens create --principal \'{"id":"ci","roles":["operator"]}\' --name "CI runner"\n  etlp tokens list\n  etlp tokens revoke 0193a1b2-…',
    )

  tokens
    .command('create')
    .description('make a token and print it once: it cannot be shown again')
    .requiredOption('--principal <principal-json>', 'who the token stands for, e.g. \'{"id":"ci","roles":["operator"]}\'')
    .option('--name <name>', 'a name to recognise it by (default: the principal id)')
    .addHelpText('after', '\nExamples:\n  etlp tokens create --principal \'{"id":"gui","roles":["editor"]}\' --name "origin GUI" --json')
    .action(async (options: { principal: string; name?: string }, command: Command) => {
      const principal = parseJsonOption(options.principal, 'principal')
      await withStore(command, async (store, { json }) => {
        const created = await store.tokens.create({ principal: principal as ApiTokenInput['principal'], name: options.name })
        emit(json === true, created, () =>
          [
            `Created API token ${created.id} (${created.name}) for ${created.principal.id} [${created.principal.roles.join(', ')}].`,
            'Keep it now: it is not stored and cannot be shown again.',
            '',
            created.token,
          ].join('\n'),
        )
      })
    })

  tokens
    .command('list')
    .description('list tokens (never the tokens themselves): who, when made, last used, revoked')
    .option('--active', 'only tokens that are not revoked')
    .option('--limit <n>', 'page size (1-1000)', '50')
    .addHelpText('after', '\nExamples:\n  etlp tokens list --active\n  etlp tokens list --json')
    .action(async (options: { active?: boolean; limit: string }, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const page = await store.tokens.list({
          ...(options.active ? { where: { column: 'revoked_at', operator: 'is_null' } } : {}),
          limit: Number(options.limit),
        })
        emit(json === true, page, () => renderTokens(page.items))
      })
    })

  tokens
    .command('revoke <id>')
    .description('revoke a token: it is refused from the next request on')
    .addHelpText('after', '\nExamples:\n  etlp tokens revoke 0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b')
    .action(async (id: string, _options: unknown, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const revoked = await store.tokens.revoke(id)
        emit(json === true, revoked, () => `Revoked API token ${revoked.id} (${revoked.name}) at ${revoked.revoked_at?.toISOString() ?? ''}.`)
      })
    })
}

function renderTokens(items: readonly ApiToken[]): string {
  if (items.length === 0) return 'No API tokens (etlp tokens create makes one).'
  return formatTable(items, [
    { header: 'ID', value: (token) => token.id },
    { header: 'NAME', value: (token) => token.name },
    { header: 'PRINCIPAL', value: (token) => `${token.principal.id} [${token.principal.roles.join(', ')}]` },
    { header: 'CREATED', value: (token) => token.created_at },
    { header: 'LAST USED', value: (token) => token.last_used_at },
    { header: 'REVOKED', value: (token) => token.revoked_at },
  ])
}
