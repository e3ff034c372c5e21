import { ConstraintError, LinkageError, NotFoundError } from '../errors.js'
import { isUuid, uuidv7 } from '../schema/ids.js'
import {
  MASKED_SECRET,
  credentialInputSchema,
  credentialPatchSchema,
  type Credential,
  type CredentialInput,
  type CredentialPatch,
} from '../schema/credential-schema.js'
import { parseOrThrow } from '../schema/zod-issues.js'
import { SecretCipher, type SecretBinding } from '../security/secret-cipher.js'
import type { StoreContext } from '../store-context.js'
import { listQuery, type ListResult, type QueryEntity } from '../query/index.js'
import { queryColumnsOf } from '../query/query-entity.js'
import { credentialsTable } from '../tables/environment-tables.js'

const queryable = queryColumnsOf(credentialsTable, ['id', 'name', 'username', 'host', 'port', 'database_name', 'created_at', 'updated_at'])

/** What `list(query)` may filter and sort credentials by: `user` and `database` as the public type names them. */
const credentialEntity: QueryEntity = {
  name: 'credentials',
  columns: {
    id: queryable.id,
    name: queryable.name,
    user: queryable.username,
    host: queryable.host,
    port: queryable.port,
    database: queryable.database_name,
    created_at: queryable.created_at,
    updated_at: queryable.updated_at,
  },
  defaultOrder: [{ column: 'name' }],
}

/** The columns `get` and `list` read: all but the sealed password. */
const SELECTED = credentialsTable.columnNames.filter((name) => name !== 'password_ciphertext')

type CredentialChanges = Partial<Record<(typeof credentialsTable.columnNames)[number], unknown>>

const binding = (id: string): SecretBinding => ({ table: 'credentials', id, field: 'password' })

/**
 * Database credentials. The password is sealed with the store's data key before it
 * reaches SQL, bound to its row; `get` and `list` mask it and only `reveal` opens it.
 */
export class CredentialRepository {
  readonly #context: StoreContext
  readonly #cipher: SecretCipher

  constructor(context: StoreContext) {
    this.#context = context
    this.#cipher = new SecretCipher(context)
  }

  /** @example await store.credentials.create({ name: 'warehouse', user: 'etl', host: 'db', password: 's3cret' }) */
  async create(input: CredentialInput): Promise<Credential> {
    const value = parseOrThrow(credentialInputSchema, input)
    const { db, adapter } = this.#context
    const id = uuidv7()
    const now = adapter.encodeTimestamp(this.#context.now())
    const sealed = value.password == null ? undefined : await this.#cipher.encrypt(value.password, binding(id))
    await db
      .insertInto('credentials')
      .values({
        id,
        name: value.name,
        username: value.user ?? null,
        host: value.host ?? null,
        port: value.port ?? null,
        database_name: value.database ?? null,
        pool: value.pool == null ? null : adapter.encodeJson(value.pool),
        password_ciphertext: sealed?.ciphertext ?? null,
        password_key_id: sealed?.keyId ?? null,
        created_at: now,
        updated_at: now,
      })
      .execute()
    return this.get(id)
  }

  /** Changes the given fields; `password: null` removes the password. */
  async update(id: string, patch: CredentialPatch): Promise<Credential> {
    const value = parseOrThrow(credentialPatchSchema, patch)
    await this.get(id)
    const { db, adapter } = this.#context
    const changes: CredentialChanges = { updated_at: adapter.encodeTimestamp(this.#context.now()) }
    if (value.name !== undefined) changes.name = value.name
    if (value.user !== undefined) changes.username = value.user
    if (value.host !== undefined) changes.host = value.host
    if (value.port !== undefined) changes.port = value.port
    if (value.database !== undefined) changes.database_name = value.database
    if (value.pool !== undefined) changes.pool = value.pool === null ? null : adapter.encodeJson(value.pool)
    if (value.password !== undefined) {
      const sealed = value.password === null ? undefined : await this.#cipher.encrypt(value.password, binding(id))
      changes.password_ciphertext = sealed?.ciphertext ?? null
      changes.password_key_id = sealed?.keyId ?? null
    }
    await db.updateTable('credentials').set(changes).where('id', '=', id).execute()
    return this.get(id)
  }

  async get(id: string): Promise<Credential> {
    const row = isUuid(id) ? await this.#select().where('id', '=', id).executeTakeFirst() : undefined
    if (row === undefined) throw this.#notFound(`No credentials with id ${id}`)
    return this.#decode(row)
  }

  async getByName(name: string): Promise<Credential> {
    const row = await this.#select().where('name', '=', name).executeTakeFirst()
    if (row === undefined) throw this.#notFound(`No credentials named ${name}`)
    return this.#decode(row)
  }

  /** By id or, failing that, by name (the CLI and context maps accept either). */
  async find(idOrName: string): Promise<Credential> {
    return isUuid(idOrName) ? this.get(idOrName) : this.getByName(idOrName)
  }

  /** The shared query language: `where`, `order_by`, `limit`, `offset` or `cursor`, `total`. */
  async list(query: unknown = {}): Promise<ListResult<Credential>> {
    return listQuery(this.#context, credentialEntity, query, { key: 'credentials', base: () => this.#select(), decode: (row) => this.#decode(row) })
  }

  /** The password in clear, or null when none is stored. */
  async reveal(id: string): Promise<string | null> {
    const row = isUuid(id)
      ? await this.#context.db.selectFrom('credentials').select(['password_ciphertext', 'password_key_id']).where('id', '=', id).executeTakeFirst()
      : undefined
    if (row === undefined) throw this.#notFound(`No credentials with id ${id}`)
    if (row.password_ciphertext === null || row.password_key_id === null) return null
    return this.#cipher.decrypt({ ciphertext: row.password_ciphertext, keyId: row.password_key_id }, binding(id))
  }

  /** Refused with a `linkage_error` naming the contexts that still use these credentials. */
  async delete(id: string): Promise<void> {
    await this.get(id)
    const users = await this.#usedBy(id)
    if (users.length > 0) throw this.#inUse(users)
    try {
      await this.#context.db.deleteFrom('credentials').where('id', '=', id).execute()
    } catch (error) {
      // A context took them up between the check and the delete.
      if (error instanceof ConstraintError && error.constraint_kind === 'foreign_key') {
        throw this.#inUse(await this.#usedBy(id), error)
      }
      throw error
    }
  }

  #select() {
    return this.#context.db.selectFrom('credentials').select(SELECTED)
  }

  async #usedBy(id: string): Promise<string[]> {
    const rows = await this.#context.db
      .selectFrom('context_credentials as link')
      .innerJoin('contexts as context', 'context.id', 'link.context_id')
      .select(['context.name as name', 'link.environment as environment'])
      .where('link.credential_id', '=', id)
      .orderBy('context.name')
      .execute()
    return rows.map((row) => `${row.name} (${row.environment})`)
  }

  #inUse(users: readonly string[], cause?: unknown): LinkageError {
    return new LinkageError(`These credentials are used by context ${users.join(', ')}: remove them there first`, {
      tableName: this.#context.table('context_credentials'),
      cause,
    })
  }

  #notFound(message: string): NotFoundError {
    return new NotFoundError(message, { tableName: this.#context.table('credentials') })
  }

  #decode(stored: Record<string, unknown>): Credential {
    const row = credentialsTable.decode(this.#context.adapter, stored)
    return {
      id: row.id,
      name: row.name,
      user: row.username,
      host: row.host,
      port: row.port,
      database: row.database_name,
      pool: row.pool,
      password: row.password_key_id === null ? null : MASKED_SECRET,
      created_at: row.created_at,
      updated_at: row.updated_at,
    }
  }
}
