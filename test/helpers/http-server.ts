import type { StoreConfigInput } from '../../src/config/store-config.js'
import { SYSTEM_PRINCIPAL } from '../../src/security/access-policy.js'
import { serve, type RunningServer } from '../../src/server/serve.js'
import type { ServeOptions } from '../../src/server/server-options.js'
import type { Store } from '../../src/store.js'
import type { EngineTarget } from './engines.js'

export interface TestServer {
  readonly url: string
  readonly store: Store
  readonly server: RunningServer
  /** fetch against the server: `http('/jobs/', { method: 'POST', json: {...} })`. */
  readonly http: (path: string, init?: RequestInit & { json?: unknown }) => Promise<Response>
}

/**
 * A migrated store on `target` served over real HTTP on a free port. Call
 * `server.close()` in the suite's `afterAll` (the store is closed by the target).
 * Without `options.anonymous` set explicitly, requests run as the system principal.
 */
export async function startTestServer(target: EngineTarget, options: ServeOptions = {}, config: Partial<StoreConfigInput> = {}): Promise<TestServer> {
  const store = await target.open(config)
  await store.migrate()
  const server = await serve(store, { port: 0, log: false, anonymous: SYSTEM_PRINCIPAL, ...options })
  const http = (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const { json, headers, ...rest } = init
    if (json === undefined) return fetch(server.url + path, { ...rest, headers })
    return fetch(server.url + path, { ...rest, headers: { 'content-type': 'application/json', ...(headers ?? {}) }, body: JSON.stringify(json) })
  }
  return { url: server.url, store, server, http }
}
