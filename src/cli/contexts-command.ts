import type { Command } from 'commander'
import { ValidationError, type Context, type ContextInput } from '../index.js'
import { parseJsonOption, readJsonFile } from './json-input.js'
import { emit, formatTable } from './output.js'
import { withStore } from './runtime.js'

interface SetOptions {
  environment?: string
  file?: string
  param: string[]
  secretEnv: string[]
  credentials: string[]
}

const collect = (value: string, previous: string[]) => [...previous, value]

export function registerContextsCommand(program: Command): void {
  const contexts = program
    .command('contexts')
    .description('contexts: parameters (secure ones encrypted) and credentials per environment')
    .addHelpText(
      'after',
      '\nExamples:\n  etlp contexts set sales --environment DEV --param batch=500 --secret-env api_token=SALES_TOKEN --credentials PROD=warehouse\n  etlp contexts list\n  etlp contexts show sales --environment PROD',
    )

  contexts
    .command('list')
    .description('list contexts, secure values masked')
    .option('--where <json>', 'filter rules, e.g. {"column": "environment", "operator": "==", "value": "PROD"}')
    .option('--limit <n>', 'page size (1-1000)', '50')
    .addHelpText('after', '\nExamples:\n  etlp contexts list\n  etlp contexts list --json')
    .action(async (options: { where?: string; limit: string }, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const page = await store.contexts.list({
          ...(options.where === undefined ? {} : { where: parseJsonOption(options.where, 'where') }),
          limit: Number(options.limit),
        })
        emit(json === true, page, () => renderContexts(page.items))
      })
    })

  contexts
    .command('show <id-or-name>')
    .description('show a context; with --environment, what a pipeline gets there (--reveal for secrets)')
    .option('--environment <env>', 'DEV, TEST or PROD: resolve the parameters and credentials for it')
    .option('--reveal', 'with --environment: secure values and the password in clear')
    .addHelpText('after', '\nExamples:\n  etlp contexts show sales\n  etlp contexts show sales --environment PROD --reveal --json')
    .action(async (ref: string, options: { environment?: string; reveal?: boolean }, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const shown =
          options.environment === undefined
            ? await store.contexts.find(ref)
            : await store.contexts.resolve(ref, options.environment as 'DEV', { reveal: options.reveal === true })
        emit(json === true, shown, () => JSON.stringify(shown, null, 2))
      })
    })

  contexts
    .command('set <name>')
    .description('create or replace a context: its parameters and credentials map are replaced together')
    .option('--environment <env>', 'DEV, TEST or PROD (default DEV, or the file’s)')
    .option('--file <file>', 'a JSON file: {"environment", "parameters": {key: {value, is_secure}}, "credentials": {ENV: name}}')
    .option('--param <key=value>', 'a plain parameter (repeatable; JSON values are parsed)', collect, [])
    .option('--secret-env <key=VAR>', 'a secure parameter read from an environment variable (repeatable)', collect, [])
    .option('--credentials <ENV=name>', 'credentials for an environment (repeatable)', collect, [])
    .addHelpText(
      'after',
      '\nExamples:\n  SALES_TOKEN=… etlp contexts set sales --param batch=500 --secret-env api_token=SALES_TOKEN --credentials PROD=warehouse\n  etlp contexts set sales --file sales-context.json',
    )
    .action(async (name: string, options: SetOptions, command: Command) => {
      const input = contextInput(name, options)
      await withStore(command, async (store, { json }) => {
        const saved = await store.contexts.upsert(input)
        emit(json === true, saved, () => `Saved context ${saved.name} (${Object.keys(saved.parameters).length} parameters).`)
      })
    })
}

function contextInput(name: string, options: SetOptions): ContextInput {
  const base = (options.file === undefined ? {} : readJsonFile(options.file)) as Partial<ContextInput>
  const parameters: Record<string, { value: unknown; is_secure: boolean }> = {
    ...((base.parameters ?? {}) as Record<string, { value: unknown; is_secure: boolean }>),
  }
  for (const pair of options.param) {
    const [key, text] = splitPair(pair, '--param')
    parameters[key] = { value: parseLoose(text), is_secure: false }
  }
  for (const pair of options.secretEnv) {
    const [key, variable] = splitPair(pair, '--secret-env')
    const value = process.env[variable]
    if (value === undefined) throw new ValidationError([{ path: `parameters.${key}`, message: `The environment variable ${variable} is not set` }])
    parameters[key] = { value, is_secure: true }
  }
  const credentials: Record<string, string> = { ...(base.credentials ?? {}) }
  for (const pair of options.credentials) {
    const [environment, ref] = splitPair(pair, '--credentials')
    credentials[environment] = ref
  }
  return {
    ...base,
    name,
    environment: (options.environment ?? base.environment ?? 'DEV') as ContextInput['environment'],
    parameters: parameters as ContextInput['parameters'],
    credentials: credentials as ContextInput['credentials'],
  }
}

function splitPair(pair: string, option: string): [string, string] {
  const at = pair.indexOf('=')
  if (at <= 0) throw new ValidationError([{ path: option, message: `Expected key=value, got ${JSON.stringify(pair.slice(0, 40))}` }])
  return [pair.slice(0, at), pair.slice(at + 1)]
}

/** `500` → 500, `true` → true, `{"a":1}` → an object; anything else stays a string. */
function parseLoose(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function renderContexts(items: readonly Context[]): string {
  if (items.length === 0) return 'No contexts.'
  return formatTable(items, [
    { header: 'NAME', value: (row) => row.name },
    { header: 'ENVIRONMENT', value: (row) => row.environment },
    { header: 'PARAMETERS', value: (row) => Object.keys(row.parameters).length, align: 'right' },
    {
      header: 'CREDENTIALS',
      value: (row) =>
        Object.entries(row.credentials)
          .map(([env, c]) => `${env}=${c?.name}`)
          .join(' '),
    },
  ])
}
