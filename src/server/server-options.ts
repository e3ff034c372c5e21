import type { Principal } from '../security/access-policy.js'
import type { Store } from '../store.js'

export interface ServeOptions {
  /** Default `127.0.0.1`: listening beyond the host is a choice, not a default. */
  readonly host?: string
  /** Default 8080; 0 picks a free port (tests). */
  readonly port?: number
  /**
   * Who a request without a token runs as. Unset (the default), such a request gets 401.
   * Set it for a trusted local setup, e.g. the origin's GUI on the same host.
   */
  readonly anonymous?: Principal
  /** Largest request body in bytes; default 10 MiB (a job file with many components). */
  readonly bodyLimit?: number
  /** Origins allowed to call from a browser (the origin's `CORS_ALLOW_ORIGINS`); default none. */
  readonly corsOrigins?: readonly string[]
  /** pino's JSON log: `false` to silence it, or a level. Default `info`. */
  readonly log?: false | 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'
}

export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_PORT = 8080
export const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024

/** The cookie the dashboard's sign-in sets; honoured only on reads, so a forged form cannot write. */
export const TOKEN_COOKIE = 'etlp_token'

/** What every route plugin gets. */
export interface ServerDeps {
  /** The store as the system principal: only for what no principal owns (readiness). */
  readonly store: Store
  readonly options: ServeOptions
}
