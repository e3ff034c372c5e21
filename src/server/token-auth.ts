import type { Store } from '../store.js'
import type { Principal } from '../security/access-policy.js'

/** The principal an API token stands for, or undefined for an unknown or revoked token. */
export async function principalForToken(_store: Store, _token: string): Promise<Principal | undefined> {
  // Filled in by the API-token work (tokens stored as hashes; see src/security/api-tokens.ts).
  return undefined
}
