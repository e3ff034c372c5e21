// W8's library side: the product's own HTTP server (`buildServer` from the build, as
// `etlp serve` runs it), every request authenticated by an API token.
import { product } from '../lib/product.mjs'
import { openLibrary } from './library.mjs'

/** A client that may write jobs and read executions, as the origin's GUI would be. */
const PRINCIPAL = { id: 'bench-client', roles: ['editor'] }

/** The product's server on a store of `target`, not yet listening, with a fresh token for it. */
export async function openLibraryServer(target, { poolSize } = {}) {
  const library = await openLibrary(target, { poolSize })
  const { token } = await library.store.tokens.create({ principal: PRINCIPAL, name: 'bench' })
  const app = await product.buildServer(library.store, { log: false })
  return {
    app,
    token,
    statements: library.statements,
    transactions: library.transactions,
    async close() {
      await app.close()
      await library.close()
    },
  }
}
