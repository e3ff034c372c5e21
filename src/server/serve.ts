import type { FastifyInstance } from 'fastify'
import type { Store } from '../store.js'
import { buildServer } from './app.js'
import { DEFAULT_HOST, DEFAULT_PORT, type ServeOptions } from './server-options.js'

export interface RunningServer {
  /** `http://host:port` it listens on. */
  readonly url: string
  readonly app: FastifyInstance
  /** Stops taking requests, lets those in flight finish, then resolves. The store stays open. */
  close(): Promise<void>
}

/** `etlp serve` as a library call: the store over HTTP. */
export async function serve(store: Store, options: ServeOptions = {}): Promise<RunningServer> {
  const app = await buildServer(store, options)
  await app.listen({ host: options.host ?? DEFAULT_HOST, port: options.port ?? DEFAULT_PORT })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : (options.port ?? DEFAULT_PORT)
  const host = options.host ?? DEFAULT_HOST
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, app, close: () => app.close() }
}
