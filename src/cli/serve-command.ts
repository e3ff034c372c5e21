import { Option, type Command } from 'commander'
import {
  MigrationError,
  ValidationError,
  serve,
  DEFAULT_HOST,
  DEFAULT_PORT,
  type Principal,
  type RunningServer,
  type ServeOptions,
  type Store,
} from '../index.js'
import { parseJsonOption } from './json-input.js'
import { withStore } from './runtime.js'

interface ServeCommandOptions {
  host: string
  port: string
  anonymous?: string
  corsOrigins?: string
  migrate: boolean
  logLevel: Exclude<ServeOptions['log'], false | undefined> | 'silent'
}

const LOG_LEVELS = ['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const

/** `etlp serve`: the store over HTTP until SIGTERM or SIGINT. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description("serve the store over HTTP (the origin's routes, /api/v1, the dashboard) until SIGTERM or SIGINT")
    .option('--host <host>', 'address to listen on', DEFAULT_HOST)
    .option('--port <port>', 'port to listen on (0: any free port)', String(DEFAULT_PORT))
    .option('--anonymous <principal-json>', 'who a request without a token runs as (default: such a request gets 401)')
    .option('--cors-origins <origins>', 'comma-separated origins a browser may call from, * for any (default: CORS_ALLOW_ORIGINS, else none)')
    .option('--no-migrate', 'refuse to start while migrations are pending, instead of applying them')
    .addOption(new Option('--log-level <level>', 'level of the JSON log on stdout').choices(LOG_LEVELS).default('info'))
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  etlp serve',
        '  etlp serve --host 0.0.0.0 --port 8080 --cors-origins http://localhost:5173',
        '  etlp serve --anonymous \'{"id":"local-gui","roles":["editor"]}\'',
        '',
        'Requests send "Authorization: Bearer <token>" (etlp tokens create). On SIGTERM or SIGINT the',
        'server stops taking requests, finishes those in flight, closes the store and exits 0; a second',
        'signal stops it at once.',
      ].join('\n'),
    )
    .action(async (options: ServeCommandOptions, command: Command) => {
      const serveOptions = toServeOptions(options)
      await withStore(command, async (store) => {
        // Checked first: a bad --anonymous principal is a start-up error, not a 422 per request.
        if (serveOptions.anonymous) store.as(serveOptions.anonymous)
        await prepareSchema(store, options.migrate)
        const running = await serve(store, serveOptions)
        process.stderr.write(`etlp serve: listening on ${running.url} (${store.engine} store); SIGTERM or Ctrl-C stops it\n`)
        await stopOnSignal(running)
      })
      process.stderr.write('etlp serve: stopped\n')
    })
}

function toServeOptions(options: ServeCommandOptions): ServeOptions {
  const corsOrigins = parseOrigins(options.corsOrigins ?? process.env.CORS_ALLOW_ORIGINS ?? '')
  return {
    host: options.host,
    port: parsePort(options.port),
    log: options.logLevel === 'silent' ? false : options.logLevel,
    ...(options.anonymous === undefined ? {} : { anonymous: parseJsonOption(options.anonymous, 'anonymous') as Principal }),
    ...(corsOrigins.length === 0 ? {} : { corsOrigins }),
  }
}

/** `a, b,,c` → `['a', 'b', 'c']`: the origin's reading of `CORS_ALLOW_ORIGINS`. */
function parseOrigins(text: string): string[] {
  return text
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '')
}

function parsePort(text: string): number {
  const port = Number(text)
  if (!/^\d+$/.test(text) || port > 65_535)
    throw new ValidationError([{ path: 'port', message: `Expected a port number 0-65535, got ${JSON.stringify(text)}` }])
  return port
}

/**
 * Applies pending migrations by default, as the origin creates its schema on start: the
 * migrator's lock makes several replicas starting at once safe, and a first `etlp serve`
 * on a new SQLite file just works. With `--no-migrate` (a DBA applies reviewed migrations
 * with `etlp migrate`) a pending migration stops start-up instead of serving a schema the
 * routes do not expect. A changed or unknown migration stops it either way (openStore).
 */
async function prepareSchema(store: Store, migrate: boolean): Promise<void> {
  if (migrate) {
    for (const applied of await store.migrate()) process.stderr.write(`etlp serve: applied migration ${applied.name}\n`)
    return
  }
  const pending = (await store.migrator.status()).filter((migration) => migration.state === 'pending')
  if (pending.length > 0) {
    throw new MigrationError(
      `${pending.length} migration(s) pending (${pending.map((m) => m.name).join(', ')}): run etlp migrate up, or start without --no-migrate`,
      {
        migration: pending[0]?.name,
      },
    )
  }
}

/**
 * Resolves once SIGTERM or SIGINT arrived and the server stopped: no new requests, those
 * in flight answered. The handlers go with the first signal, so a second one ends the
 * process at once (the signal's default action).
 */
function stopOnSignal(running: RunningServer): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      running.app.log.info({ signal }, 'shutting down: taking no new requests, finishing those in flight')
      running.close().then(resolve, reject)
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
}
