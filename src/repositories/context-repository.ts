import { NotFoundError, ValidationError } from '../errors.js'
import { contextInputSchema, type Context, type ContextInput, type ContextParameter, type ResolvedContext } from '../schema/context-schema.js'
import { MASKED_SECRET, environmentSchema, type Environment } from '../schema/credential-schema.js'
import { isUuid, uuidv7 } from '../schema/ids.js'
import { parseOrThrow } from '../schema/zod-issues.js'
import { SecretCipher } from '../security/secret-cipher.js'
import type { StoreContext } from '../store-context.js'
import { CredentialRepository } from './credential-repository.js'
import { listQuery, type ListResult, type QueryEntity } from '../query/index.js'
import { queryColumnsOf } from '../query/query-entity.js'
import { contextsTable } from '../tables/environment-tables.js'

/** What `list(query)` may filter and sort contexts by. */
const contextEntity: QueryEntity = {
  name: 'contexts',
  columns: queryColumnsOf(contextsTable, contextsTable.columnNames),
  defaultOrder: [{ column: 'name' }],
}

const parameterBinding = (id: string) => ({ table: 'context_parameters', id, field: 'value' })

/**
 * Contexts: parameters per pipeline (secure ones sealed, bound to their row) and the
 * credentials to use in each environment. `upsert` replaces both atomically.
 */
export class ContextRepository {
  readonly #context: StoreContext

  constructor(context: StoreContext) {
    this.#context = context
  }

  /**
   * Creates the context named `input.name`, or replaces its environment, parameters and
   * credentials map in one transaction.
   * @example await store.contexts.upsert({ name: 'sales', environment: 'DEV',
   *   parameters: { api_token: { value: 't0k', is_secure: true } }, credentials: { PROD: 'warehouse' } })
   */
  async upsert(input: ContextInput): Promise<Context> {
    const value = parseOrThrow(contextInputSchema, input)
    const id = await this.#context.transaction(async (context) => {
      const credentialIds = await resolveCredentialRefs(context, value.credentials)
      const { db, adapter } = context
      const now = adapter.encodeTimestamp(context.now())
      const existing = await db.selectFrom('contexts').select('id').where('name', '=', value.name).executeTakeFirst()
      const contextId = existing === undefined ? uuidv7() : existing.id
      if (existing === undefined) {
        await db.insertInto('contexts').values({ id: contextId, name: value.name, environment: value.environment, created_at: now, updated_at: now }).execute()
      } else {
        await db.updateTable('contexts').set({ environment: value.environment, updated_at: now }).where('id', '=', contextId).execute()
        await db.deleteFrom('context_parameters').where('context_id', '=', contextId).execute()
        await db.deleteFrom('context_credentials').where('context_id', '=', contextId).execute()
      }
      const cipher = new SecretCipher(context)
      const rows = []
      for (const [position, [key, parameter]] of Object.entries(value.parameters).entries()) {
        const rowId = uuidv7()
        const sealed = parameter.is_secure ? await cipher.encrypt(JSON.stringify(parameter.value), parameterBinding(rowId)) : undefined
        rows.push({
          id: rowId,
          context_id: contextId,
          param_key: key,
          position,
          is_secure: adapter.encodeBoolean(parameter.is_secure),
          value: sealed === undefined ? adapter.encodeJson(parameter.value) : null,
          value_ciphertext: sealed?.ciphertext ?? null,
          value_key_id: sealed?.keyId ?? null,
        })
      }
      // 8 parameters a row: chunked to the engine's limit.
      const perChunk = Math.max(1, Math.floor(adapter.maxParameters / 8))
      for (let i = 0; i < rows.length; i += perChunk) {
        await db
          .insertInto('context_parameters')
          .values(rows.slice(i, i + perChunk))
          .execute()
      }
      const links = Object.entries(credentialIds).map(([environment, credentialId]) => ({
        context_id: contextId,
        environment,
        credential_id: credentialId,
      }))
      if (links.length > 0) await db.insertInto('context_credentials').values(links).execute()
      return contextId
    })
    return this.get(id)
  }

  async get(id: string): Promise<Context> {
    const row = isUuid(id) ? await this.#select().where('id', '=', id).executeTakeFirst() : undefined
    if (row === undefined) throw this.#notFound(`No context with id ${id}`)
    const [context] = await this.#hydrate([row])
    return context as Context
  }

  async getByName(name: string): Promise<Context> {
    const row = await this.#select().where('name', '=', name).executeTakeFirst()
    if (row === undefined) throw this.#notFound(`No context named ${name}`)
    const [context] = await this.#hydrate([row])
    return context as Context
  }

  async find(idOrName: string): Promise<Context> {
    return isUuid(idOrName) ? this.get(idOrName) : this.getByName(idOrName)
  }

  /** The shared query language; parameters and credentials of a page load in two queries. */
  async list(query: unknown = {}): Promise<ListResult<Context>> {
    return listQuery(this.#context, contextEntity, query, { key: 'contexts', base: () => this.#select(), decodeAll: (rows) => this.#hydrate(rows) })
  }

  async delete(id: string): Promise<void> {
    const result = await this.#context.db.deleteFrom('contexts').where('id', '=', id).executeTakeFirst()
    if (Number(result.numDeletedRows) === 0) throw this.#notFound(`No context with id ${id}`)
  }

  /**
   * The parameters and credentials of a context for one environment. Secure values and
   * the password stay masked unless `reveal` is set.
   */
  async resolve(idOrName: string, environment: Environment, options: { reveal?: boolean } = {}): Promise<ResolvedContext> {
    const env = parseOrThrow(environmentSchema, environment, 'environment')
    const context = await this.find(idOrName)
    const { db } = this.#context
    const cipher = new SecretCipher(this.#context)
    const rows = await db
      .selectFrom('context_parameters')
      .select(['id', 'param_key', 'is_secure', 'value', 'value_ciphertext', 'value_key_id'])
      .where('context_id', '=', context.id)
      .orderBy('position')
      .execute()
    const parameters: Record<string, unknown> = {}
    for (const row of rows) {
      const key = row.param_key
      if (row.value_key_id === null) parameters[key] = this.#context.adapter.decodeJson(row.value)
      else if (!options.reveal) parameters[key] = MASKED_SECRET
      else {
        const sealed = { ciphertext: String(row.value_ciphertext), keyId: row.value_key_id }
        parameters[key] = JSON.parse(await cipher.decrypt(sealed, parameterBinding(row.id)))
      }
    }
    const link = context.credentials[env]
    let credentials: ResolvedContext['credentials'] = null
    if (link !== undefined) {
      const repository = new CredentialRepository(this.#context)
      const stored = await repository.get(link.id)
      const password = stored.password === null ? null : options.reveal ? await repository.reveal(link.id) : MASKED_SECRET
      credentials = { ...stored, password }
    }
    return { context: context.name, environment: env, parameters, credentials }
  }

  #select() {
    return this.#context.db.selectFrom('contexts').select(contextsTable.columnNames)
  }

  /** A fixed two queries for any number of contexts. */
  async #hydrate(rows: readonly Record<string, unknown>[]): Promise<Context[]> {
    if (rows.length === 0) return []
    const { db, adapter } = this.#context
    const contexts = rows.map((row) => contextsTable.decode(adapter, row))
    const ids = contexts.map((context) => context.id)
    const parameterRows = await db
      .selectFrom('context_parameters')
      .select(['context_id', 'param_key', 'is_secure', 'value'])
      .where('context_id', 'in', ids)
      .orderBy('context_id')
      .orderBy('position')
      .execute()
    const linkRows = await db
      .selectFrom('context_credentials as link')
      .innerJoin('credentials as credential', 'credential.id', 'link.credential_id')
      .select(['link.context_id as context_id', 'link.environment as environment', 'credential.id as id', 'credential.name as name'])
      .where('link.context_id', 'in', ids)
      .execute()
    return contexts.map(({ id, name, environment, created_at, updated_at }) => {
      const parameters: Record<string, ContextParameter> = {}
      for (const parameter of parameterRows.filter((p) => p.context_id === id)) {
        const isSecure = adapter.decodeBoolean(parameter.is_secure)
        parameters[parameter.param_key] = {
          value: isSecure ? MASKED_SECRET : (adapter.decodeJson(parameter.value) as ContextParameter['value']),
          is_secure: isSecure,
        }
      }
      const credentials: Context['credentials'] = Object.fromEntries(
        linkRows.filter((link) => link.context_id === id).map((link) => [link.environment, { id: link.id, name: link.name }]),
      )
      return { id, name, environment, parameters, credentials, created_at, updated_at }
    })
  }

  #notFound(message: string): NotFoundError {
    return new NotFoundError(message, { tableName: this.#context.table('contexts') })
  }
}

/** environment → credentials id or name, resolved to ids; an unknown one is a validation error at its path. */
async function resolveCredentialRefs(context: StoreContext, refs: Partial<Record<Environment, string>>): Promise<Partial<Record<Environment, string>>> {
  const repository = new CredentialRepository(context)
  const resolved: Partial<Record<Environment, string>> = {}
  for (const [environment, ref] of Object.entries(refs) as Array<[Environment, string]>) {
    try {
      resolved[environment] = (await repository.find(ref)).id
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error
      throw new ValidationError([{ path: `credentials.${environment}`, message: `Unknown credentials ${ref}` }], { cause: error })
    }
  }
  return resolved
}
