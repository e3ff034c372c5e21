import { prepare } from '../db/speed/prepared-statement.js'
import { NotFoundError } from '../errors.js'
import { listQuery, type ListResult, type QueryEntity } from '../query/index.js'
import { queryColumnsOf } from '../query/query-entity.js'
import { isUuid, uuidv7 } from '../schema/ids.js'
import { parseOrThrow } from '../schema/zod-issues.js'
import type { StoreContext } from '../store-context.js'
import { apiTokensTable } from '../tables/security-tables.js'
import { AccessPolicy, type Principal } from './access-policy.js'
import { generateApiToken, hashApiToken, looksLikeApiToken, sameHash } from './api-token-format.js'
import { apiTokenInputSchema, type ApiToken, type ApiTokenInput, type CreatedApiToken } from './api-token-schema.js'

/** What `list(query)` may filter and sort tokens by. */
const apiTokenEntity: QueryEntity = {
  name: 'api_tokens',
  columns: queryColumnsOf(apiTokensTable, ['id', 'name', 'created_at', 'last_used_at', 'revoked_at']),
  defaultOrder: [{ column: 'created_at' }],
}

/**
 * How stale `last_used_at` may get. Writing it on every request would turn every read
 * over HTTP into a write (on SQLite, one writer at a time); once an hour tells an
 * operator which tokens are still in use, which is what the column is for.
 */
export const LAST_USED_RESOLUTION_MS = 60 * 60 * 1000

const SELECTED = ['id', 'name', 'principal', 'created_at', 'last_used_at', 'revoked_at'] as const

// Every request over HTTP runs these two: compiled once, then only bound (db/prepared-statement.ts).
const byHash = prepare<'hash'>((t, value) =>
  t.db
    .selectFrom('api_tokens')
    .select([...SELECTED, 'token_hash'])
    .where('token_hash', '=', value('hash')),
)
const noteUse = prepare<'id' | 'at'>((t, value) =>
  t.db
    .updateTable('api_tokens')
    .set({ last_used_at: value('at') })
    .where('id', '=', value('id')),
)

/**
 * API tokens (`store.tokens`): each stands for one principal over HTTP. The token is
 * returned in clear by `create` only; the table holds its SHA-256 alone. A revoked
 * token no longer authenticates, from the next request on (nothing is cached).
 */
export class ApiTokenRepository {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  /**
   * A new token for `principal`. Keep `token` from the result: it is not stored and
   * cannot be shown again. Whoever may create tokens may create one for any principal,
   * so `tokens:write` is as strong as `admin`.
   *
   * @example
   * const { id, token } = await store.tokens.create({ principal: { id: 'ci', roles: ['operator'] }, name: 'CI runner' })
   */
  async create(input: ApiTokenInput): Promise<CreatedApiToken> {
    const value = parseOrThrow(apiTokenInputSchema, input)
    const { db, adapter, config } = this.#context
    const principal = new AccessPolicy(config.accessControl).validatePrincipal(value.principal)
    const id = uuidv7()
    const token = generateApiToken()
    await db
      .insertInto('api_tokens')
      .values({
        id,
        name: value.name ?? principal.id,
        principal: adapter.encodeJson({ id: principal.id, roles: principal.roles }),
        token_hash: hashApiToken(token),
        created_at: adapter.encodeTimestamp(this.#context.now()),
        last_used_at: null,
        revoked_at: null,
      })
      .execute()
    return { ...(await this.get(id)), token }
  }

  async get(id: string): Promise<ApiToken> {
    const row = isUuid(id) ? await this.#select().where('id', '=', id).executeTakeFirst() : undefined
    if (row === undefined) throw new NotFoundError(`No API token with id ${id}`, { tableName: this.#context.table('api_tokens') })
    return this.#decode(row)
  }

  /** The shared query language; `{ where: { column: 'revoked_at', operator: 'is_null' } }` lists the live ones. */
  list(query: unknown = {}): Promise<ListResult<ApiToken>> {
    return listQuery(this.#context, apiTokenEntity, query, { key: 'api_tokens', base: () => this.#select(), decode: (row) => this.#decode(row) })
  }

  /** Revokes a token for good. Revoking it again changes nothing (its first `revoked_at` stays). */
  async revoke(id: string): Promise<ApiToken> {
    const token = await this.get(id)
    if (token.revoked_at !== null) return token
    const { db, adapter } = this.#context
    await db
      .updateTable('api_tokens')
      .set({ revoked_at: adapter.encodeTimestamp(this.#context.now()) })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute()
    return this.get(id)
  }

  /**
   * The principal a token stands for, or undefined for anything else: malformed,
   * unknown or revoked. Notes the use at most once per `LAST_USED_RESOLUTION_MS`.
   */
  async authenticate(token: string): Promise<Principal | undefined> {
    if (!looksLikeApiToken(token)) return undefined
    const hash = hashApiToken(token)
    const row = await byHash.first(this.#context, { hash })
    if (row === undefined || !sameHash(String(row.token_hash), hash)) return undefined
    const found = this.#decode(row)
    if (found.revoked_at !== null) return undefined
    await this.#noteUse(found)
    return found.principal
  }

  async #noteUse(token: ApiToken): Promise<void> {
    const now = this.#context.now()
    if (token.last_used_at !== null && now.getTime() - token.last_used_at.getTime() < LAST_USED_RESOLUTION_MS) return
    await noteUse.run(this.#context, { id: token.id, at: this.#context.adapter.encodeTimestamp(now) })
  }

  #select() {
    return this.#context.db.selectFrom('api_tokens').select([...SELECTED])
  }

  #decode(stored: Record<string, unknown>): ApiToken {
    const { token_hash: _hash, principal, ...row } = apiTokensTable.decode(this.#context.adapter, stored)
    return { ...row, principal: { id: principal.id, roles: [...principal.roles] } }
  }
}
