import { Store } from '../store.js'
import type { Principal } from '../security/access-policy.js'
import { ApiTokenRepository } from '../security/api-token-repository.js'

/**
 * The principal an API token stands for, or undefined for an unknown or revoked token.
 * It runs below access control, on the store's own context: authenticating is how a
 * request gets a principal, so no principal's permission can be asked for it. Nothing
 * is cached, so a revoked token is refused from the next request on; the lookup is one
 * query on a unique index.
 */
export async function principalForToken(store: Store, token: string): Promise<Principal | undefined> {
  return new ApiTokenRepository(Store.context(store)).authenticate(token)
}
