import { ENVIRONMENTS } from '../config/access-control-config.js'
import { credentialPoolSchema } from '../schema/credential-schema.js'
import { uuidv7, isUuid } from '../schema/ids.js'
import { toValidationIssues } from '../schema/zod-issues.js'
import { SecretCipher } from '../security/secret-cipher.js'
import type { StoreContext } from '../store-context.js'
import type { OriginRow } from './origin-database.js'
import { UnitTally } from './origin-import-report.js'
import type { OriginRowError } from './origin-row-error.js'
import { OriginRowReader } from './origin-row-reader.js'
import { OriginUnitErrors, freeName, type UnitOptions } from './origin-unit.js'

/**
 * The origin's pool fields as this store's `pool`, or null when it has none:
 * `pool_max_size` (the most connections) is `pool_size` with no overflow, `pool_timeout_s`
 * is `pool_timeout`, except 0 (do not wait), which this store's pools cannot do: left out.
 * Used by the import and by the origin's HTTP routes.
 */
export function originCredentialPool(poolMaxSize: unknown, poolTimeoutS: unknown): Record<string, number> | null {
  const pool: Record<string, number> = {}
  if (typeof poolMaxSize === 'number') Object.assign(pool, { pool_size: poolMaxSize, max_overflow: 0 })
  if (typeof poolTimeoutS === 'number' && poolTimeoutS > 0) pool.pool_timeout = poolTimeoutS
  return Object.keys(pool).length === 0 ? null : pool
}

/**
 * Credentials from `credentialstable`, id and creation time kept. etl-core kept the
 * password in its secret store under `<id>/password`: it comes from `options.secrets`
 * or is reported missing (the credentials are imported without one). `pool_max_size`
 * (the most connections) becomes `pool: {pool_size, max_overflow: 0}`, `pool_timeout_s`
 * becomes `pool.pool_timeout`. Already imported: only a missing password is filled in.
 */
export async function importCredential(context: StoreContext, row: OriginRow, options: UnitOptions): Promise<UnitTally> {
  const tally = new UnitTally()
  const reader = new OriginRowReader('credentialstable', row, options.zone)
  const id = reader.id
  if (!isUuid(row.id)) reader.problem('id', 'Not a UUID: ids are kept, and this store’s ids are UUIDs')
  const name = reader.text('name', { nonEmpty: true, max: 200 })
  const user = reader.text('user', { max: 200 })
  const host = reader.text('host', { max: 255 })
  const port = reader.integer('port', { min: 1 })
  if (typeof port === 'number' && port > 65_535) reader.problem('port', `Not a port: ${port}`)
  const database = reader.text('database', { max: 200 })
  const poolMaxSize = reader.integer('pool_max_size', { nullable: true, min: 1 })
  const poolTimeout = reader.integer('pool_timeout_s', { nullable: true, min: 0 })
  const createdAt = reader.time('created_at')
  const pool = originCredentialPool(poolMaxSize, poolTimeout) ?? {}
  if (poolTimeout === 0) tally.warn('credentialstable', id, 'pool_timeout_s 0 (do not wait) is not kept: a pool_timeout here must be positive')
  const parsedPool = credentialPoolSchema.safeParse(pool)
  if (!parsedPool.success) for (const issue of toValidationIssues(parsedPool.error, 'pool')) reader.problem(issue.path, issue.message)
  const problem = reader.error()
  if (problem) throw problem

  const secretKey = `${id}/password`
  const password = options.secrets.get(secretKey)
  const { db, adapter } = context
  const cipher = new SecretCipher(context)
  const existing = await db.selectFrom('credentials').select(['id', 'password_key_id']).where('id', '=', id).executeTakeFirst()
  if (existing !== undefined) {
    tally.add('present', 'credentialstable')
    if (existing.password_key_id == null) {
      if (password === undefined) tally.missingSecrets.push(missingPassword(id, String(name), secretKey))
      else {
        const sealed = await cipher.encrypt(password, { table: 'credentials', id, field: 'password' })
        await db
          .updateTable('credentials')
          .set({ password_ciphertext: sealed.ciphertext, password_key_id: sealed.keyId, updated_at: adapter.encodeTimestamp(context.now()) })
          .where('id', '=', id)
          .execute()
        tally.secretsFilled += 1
        await options.audit(context, 'credential', id, { secrets_filled: ['password'] })
      }
    }
    return tally
  }
  const stored = await freeName(context, 'credentials', 'credentialstable', id, name as string, options)
  const sealed = password === undefined ? undefined : await cipher.encrypt(password, { table: 'credentials', id, field: 'password' })
  const at = adapter.encodeTimestamp(createdAt as Date)
  await db
    .insertInto('credentials')
    .values({
      id,
      name: stored,
      username: user,
      host,
      port,
      database_name: database,
      pool: Object.keys(pool).length === 0 ? null : adapter.encodeJson(pool),
      password_ciphertext: sealed?.ciphertext ?? null,
      password_key_id: sealed?.keyId ?? null,
      created_at: at,
      updated_at: at,
    })
    .execute()
  if (stored !== name) tally.warn('credentialstable', id, `Imported as ${JSON.stringify(stored)}: ${JSON.stringify(name)} was taken`)
  if (password === undefined) tally.missingSecrets.push(missingPassword(id, stored, secretKey))
  tally.add('imported', 'credentialstable')
  await options.audit(context, 'credential', id, { name: stored, user, host, port, database, pool, password: sealed === undefined ? null : 'set' })
  return tally
}

/**
 * A context from `contexttable`, with its parameters (`contextparametertable`) and its
 * environment → credentials map (`contextcredentialsmaptable`): etl-core's plain
 * contexts and its credentials-mapping contexts are the same rows. Values are text in
 * etl-core and stay text. A secure parameter's value was kept in etl-core's secret
 * store under `<context id>/<key>` (the row holds ''): it comes from `options.secrets`,
 * or the parameter is left out and reported missing. Already imported: only missing
 * secure parameters given in `secrets` are added.
 */
export async function importContext(
  context: StoreContext,
  row: OriginRow,
  parameters: readonly OriginRow[],
  maps: readonly OriginRow[],
  options: UnitOptions,
): Promise<UnitTally> {
  const tally = new UnitTally()
  const errors: OriginRowError[] = []
  const reader = new OriginRowReader('contexttable', row, options.zone)
  const id = reader.id
  if (!isUuid(row.id)) reader.problem('id', 'Not a UUID: ids are kept, and this store’s ids are UUIDs')
  const name = reader.text('name', { nonEmpty: true, max: 200 })
  const environment = environmentOf(reader, 'environment')
  const createdAt = reader.time('created_at')
  const own = reader.error()
  if (own) errors.push(own)

  const { db, adapter } = context
  const values: Array<{ origin: string; key: string; value: string; secure: boolean; secretKey: string }> = []
  for (const parameter of parameters) {
    const p = new OriginRowReader('contextparametertable', parameter, options.zone)
    const key = p.text('key', { nonEmpty: true, max: 200 })
    const value = p.text('value')
    const secure = p.boolean('is_secure')
    const problem = p.error()
    if (problem) errors.push(problem)
    else values.push({ origin: p.id, key: key as string, value: value as string, secure: secure as boolean, secretKey: `${id}/${key as string}` })
  }
  const links: Array<{ environment: string; credential_id: string }> = []
  for (const map of maps) {
    const m = new OriginRowReader('contextcredentialsmaptable', map, options.zone)
    const env = environmentOf(m, 'environment')
    const credentialId = m.text('credentials_id')
    if (typeof credentialId === 'string') {
      const found = isUuid(credentialId) ? await db.selectFrom('credentials').select('id').where('id', '=', credentialId).executeTakeFirst() : undefined
      if (found === undefined) m.problem('credentials_id', `No credentials ${credentialId} here (imported from credentialstable)`)
    }
    const problem = m.error()
    if (problem) errors.push(problem)
    else links.push({ environment: env as string, credential_id: credentialId as string })
  }
  if (errors.length > 0) throw new OriginUnitErrors(errors)

  const cipher = new SecretCipher(context)
  const existing = await db.selectFrom('contexts').select('id').where('id', '=', id).executeTakeFirst()
  const have = new Set<string>()
  let position = 0
  if (existing !== undefined) {
    tally.add('present', 'contexttable')
    tally.add('present', 'contextcredentialsmaptable', links.length)
    const rows = await db.selectFrom('context_parameters').select(['param_key', 'position']).where('context_id', '=', id).execute()
    for (const stored of rows) {
      have.add(String(stored.param_key))
      position = Math.max(position, Number(stored.position) + 1)
    }
  }
  const rows: Array<Record<string, unknown>> = []
  for (const parameter of values) {
    if (have.has(parameter.key)) {
      tally.add('present', 'contextparametertable')
      continue
    }
    if (existing !== undefined && !parameter.secure) {
      // Taken out here since the earlier run: not put back.
      tally.warn('contextparametertable', parameter.origin, `${parameter.key} is no longer in context ${String(name)} here: left out`)
      continue
    }
    let plain: string | undefined = parameter.secure ? options.secrets.get(parameter.secretKey) : parameter.value
    if (parameter.secure && plain === undefined && parameter.value !== '') {
      plain = parameter.value
      tally.warn('contextparametertable', parameter.origin, `The secure value of ${parameter.key} was in etl-core's database in clear: imported encrypted`)
    }
    if (plain === undefined) {
      // Reported, never invented (again on every run until `secrets` gives it).
      tally.missingSecrets.push(missingParameter(parameter, id, String(name)))
      continue
    }
    if (existing !== undefined) tally.secretsFilled += 1
    const rowId = uuidv7()
    const sealed = parameter.secure ? await cipher.encrypt(JSON.stringify(plain), { table: 'context_parameters', id: rowId, field: 'value' }) : undefined
    rows.push({
      id: rowId,
      context_id: id,
      param_key: parameter.key,
      position: position++,
      is_secure: adapter.encodeBoolean(parameter.secure),
      value: sealed === undefined ? adapter.encodeJson(plain) : null,
      value_ciphertext: sealed?.ciphertext ?? null,
      value_key_id: sealed?.keyId ?? null,
    })
    tally.add('imported', 'contextparametertable')
  }
  let stored = String(name)
  if (existing === undefined) {
    stored = await freeName(context, 'contexts', 'contexttable', id, stored, options)
    const at = adapter.encodeTimestamp(createdAt as Date)
    await db.insertInto('contexts').values({ id, name: stored, environment, created_at: at, updated_at: at }).execute()
    if (stored !== name) tally.warn('contexttable', id, `Imported as ${JSON.stringify(stored)}: ${JSON.stringify(name)} was taken`)
  }
  // 8 parameters a row: chunked to the engine's limit.
  const perChunk = Math.max(1, Math.floor(adapter.maxParameters / 8))
  for (let i = 0; i < rows.length; i += perChunk)
    await db
      .insertInto('context_parameters')
      .values(rows.slice(i, i + perChunk))
      .execute()
  if (existing === undefined) {
    if (links.length > 0)
      await db
        .insertInto('context_credentials')
        .values(links.map((link) => ({ context_id: id, ...link })))
        .execute()
    tally.add('imported', 'contexttable')
    tally.add('imported', 'contextcredentialsmaptable', links.length)
    await options.audit(context, 'context', id, {
      name: stored,
      environment,
      parameters: rows.map((r) => r.param_key),
      credentials: Object.fromEntries(links.map((link) => [link.environment, link.credential_id])),
    })
  } else if (rows.length > 0) {
    await options.audit(context, 'context', id, { secrets_filled: rows.map((r) => r.param_key) })
  }
  return tally
}

function environmentOf(reader: OriginRowReader, column: string): string | undefined {
  const value = reader.row[column]
  if (typeof value === 'string' && (ENVIRONMENTS as readonly string[]).includes(value)) return value
  return reader.problem(column, `${JSON.stringify(value)} is not an environment (${ENVIRONMENTS.join(', ')})`)
}

function missingPassword(id: string, name: string, secretKey: string) {
  return { origin_table: 'credentialstable' as const, origin_id: id, secret_key: secretKey, owner: { kind: 'credentials' as const, id, name, key: 'password' } }
}

function missingParameter(parameter: { origin: string; key: string; secretKey: string }, contextId: string, name: string) {
  return {
    origin_table: 'contextparametertable' as const,
    origin_id: parameter.origin,
    secret_key: parameter.secretKey,
    owner: { kind: 'context' as const, id: contextId, name, key: parameter.key },
  }
}
