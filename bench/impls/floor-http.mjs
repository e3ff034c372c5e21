// W8's floor: a plain Fastify 5 app (no schemas, no plugins) whose handlers run the floor's
// SQL on the raw driver: the token looked up by its hash, then the W4 list page or the W1
// job insert. What the product's server does beyond this is what W8 measures.
import { createHash } from 'node:crypto'
import Fastify from 'fastify'
import { openFloor } from './floor.mjs'
import { table } from '../lib/tables.mjs'

const TOKENS = table('api_tokens')

/** The floor's app on `target`, not yet listening; it accepts `token` (a token the product stored). */
export async function openFloorServer(target, { newId, poolSize, token } = {}) {
  const floor = await openFloor(target, { newId, poolSize })
  const app = Fastify({ logger: false })

  // The same work as the product's auth: one indexed lookup of the token's SHA-256.
  app.addHook('onRequest', async (request, reply) => {
    const presented = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1]
    const hash = presented && createHash('sha256').update(presented).digest('hex')
    const { rows } = hash
      ? await floor.client.query(`select "principal" from "${TOKENS}" where "token_hash" = ? and "revoked_at" is null`, [hash])
      : { rows: [] }
    if (rows.length === 0) return reply.code(401).send({ error: 'unauthorized' })
  })

  // W8 asks for one page shape, `where` = job_id and status, both `==`: read only those.
  app.get('/api/v1/executions', async (request) => {
    const { where, limit } = request.query
    const rules = JSON.parse(where).rules
    const valueOf = (column) => rules.find((rule) => rule.column === column)?.value
    const rows = await floor.listPage({ jobId: valueOf('job_id'), status: valueOf('status'), limit: Number(limit) })
    const items = rows.slice(0, Number(limit))
    const last = items.at(-1)
    const more = rows.length > items.length
    return { items, next_cursor: more ? Buffer.from(JSON.stringify([last.queued_at, last.id])).toString('base64url') : null }
  })

  // The origin's answer to a new job: its id as a JSON string.
  app.post('/jobs/', async (request, reply) => reply.type('application/json').send(JSON.stringify(await floor.saveJob(request.body))))

  return {
    app,
    token,
    statements: floor.statements,
    transactions: floor.transactions,
    async close() {
      await app.close()
      await floor.close()
    },
  }
}
