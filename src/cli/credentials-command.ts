import type { Command } from 'commander'
import type { Credential } from '../index.js'
import { parseJsonOption } from './json-input.js'
import { emit, formatTable } from './output.js'
import { withStore } from './runtime.js'
import { readSecret } from './secret-input.js'

interface AddOptions {
  user?: string
  host?: string
  port?: string
  database?: string
  poolSize?: string
  passwordEnv?: string
  passwordFile?: string
  passwordStdin?: boolean
}

export function registerCredentialsCommand(program: Command): void {
  const credentials = program
    .command('credentials')
    .description('database credentials; passwords are stored only encrypted')
    .addHelpText(
      'after',
      '\nExamples:\n  PGPASS=… etlp credentials add warehouse --user etl --host db --port 5432 --password-env PGPASS\n  etlp credentials list\n  etlp credentials show warehouse --reveal',
    )

  credentials
    .command('add <name>')
    .description('store new credentials (the password from an environment variable, a file or stdin)')
    .option('--user <user>', 'user name')
    .option('--host <host>', 'host name')
    .option('--port <port>', 'port number')
    .option('--database <name>', 'database name')
    .option('--pool-size <n>', 'connection pool size')
    .option('--password-env <var>', 'read the password from this environment variable')
    .option('--password-file <file>', 'read the password from this file')
    .option('--password-stdin', 'read the password from standard input')
    .addHelpText('after', '\nExamples:\n  WAREHOUSE_PASSWORD=… etlp credentials add warehouse --user etl --host db.internal --password-env WAREHOUSE_PASSWORD')
    .action(async (name: string, options: AddOptions, command: Command) => {
      const password = readSecret({ env: options.passwordEnv, file: options.passwordFile, stdin: options.passwordStdin }, 'password')
      await withStore(command, async (store, { json }) => {
        const created = await store.credentials.create({
          name,
          user: options.user,
          host: options.host,
          port: options.port === undefined ? undefined : Number(options.port),
          database: options.database,
          pool: options.poolSize === undefined ? undefined : { pool_size: Number(options.poolSize) },
          password,
        })
        emit(json === true, created, () => `Stored credentials ${created.name} (${created.id}).`)
      })
    })

  credentials
    .command('list')
    .description('list credentials, passwords masked')
    .option('--where <json>', 'filter rules, e.g. {"column": "host", "operator": "==", "value": "db"}')
    .option('--limit <n>', 'page size (1-1000)', '50')
    .addHelpText('after', '\nExamples:\n  etlp credentials list\n  etlp credentials list --json')
    .action(async (options: { where?: string; limit: string }, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const page = await store.credentials.list({
          ...(options.where === undefined ? {} : { where: parseJsonOption(options.where, 'where') }),
          limit: Number(options.limit),
        })
        emit(json === true, page, () => renderCredentials(page.items))
      })
    })

  credentials
    .command('show <id-or-name>')
    .description('show credentials; --reveal prints the password')
    .option('--reveal', 'include the password in clear')
    .addHelpText('after', '\nExamples:\n  etlp credentials show warehouse\n  etlp credentials show warehouse --reveal --json')
    .action(async (ref: string, options: { reveal?: boolean }, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const found = await store.credentials.find(ref)
        const shown = options.reveal ? { ...found, password: await store.credentials.reveal(found.id) } : found
        emit(json === true, shown, () =>
          Object.entries(shown)
            .map(([key, value]) => `${key.padEnd(10)} ${value instanceof Date ? value.toISOString() : JSON.stringify(value)}`)
            .join('\n'),
        )
      })
    })

  credentials
    .command('delete <id-or-name>')
    .description('delete credentials (refused while a context uses them)')
    .addHelpText('after', '\nExamples:\n  etlp credentials delete warehouse')
    .action(async (ref: string, _options, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const found = await store.credentials.find(ref)
        await store.credentials.delete(found.id)
        emit(json === true, { deleted: found.id }, () => `Deleted credentials ${found.name}.`)
      })
    })
}

function renderCredentials(items: readonly Credential[]): string {
  if (items.length === 0) return 'No credentials.'
  return formatTable(items, [
    { header: 'NAME', value: (row) => row.name },
    { header: 'USER', value: (row) => row.user },
    { header: 'HOST', value: (row) => row.host },
    { header: 'PORT', value: (row) => row.port, align: 'right' },
    { header: 'DATABASE', value: (row) => row.database },
    { header: 'PASSWORD', value: (row) => row.password ?? '' },
  ])
}
