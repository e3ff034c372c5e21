import type { Command } from 'commander'
import { openStore, type Store, type StoreConfigInput, type Principal } from '../index.js'
import { parseJsonOption } from './json-input.js'

/** Options every command has. */
export interface GlobalOptions {
  readonly databaseUrl?: string
  readonly config?: string
  readonly json?: boolean
  /** A principal as JSON (`{"id": "ana", "roles": ["operator"]}`): every call is checked against it. */
  readonly as?: string
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>()
}

/** Opens the store the global options name, runs `work`, and always closes it. */
export async function withStore<T>(command: Command, work: (store: Store, options: GlobalOptions) => Promise<T>): Promise<T> {
  const options = globalOptions(command)
  const config: StoreConfigInput | string | undefined = options.config
  if (options.databaseUrl) {
    // --database-url wins over the config file's URL, like ETLP_DATABASE_URL.
    process.env.ETLP_DATABASE_URL = options.databaseUrl
  }
  const store = await openStore(config)
  try {
    const acting = options.as === undefined ? store : store.as(parseJsonOption(options.as, '--as') as Principal)
    return await work(acting, options)
  } finally {
    await store.close()
  }
}
