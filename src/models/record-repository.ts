import { createSchemaDialect, type SchemaDialect } from '../db/schema-dialect.js'
import { ConstraintError, NotFoundError, ValidationError } from '../errors.js'
import { checkFilter, filterExpression, listQuery, type CompiledFilter, type ListResult } from '../query/index.js'
import { uuidv7 } from '../schema/ids.js'
import { parseHotOrThrow, parseOrThrow } from '../schema/zod-issues.js'
import type { StoreContext } from '../store-context.js'
import { modelDatabase, type ModelDatabase } from './model-ddl.js'
import type { ModelDefinition, ReferenceDefinition } from './model-definition.js'
import { decodeRecord, encodeRecord, modelQueryEntity, recordSchemas, type ModelRecord, type RecordSchemas } from './record-codec.js'

/** Resolves the current definition of a model (and of the models it references). */
export type ModelLookup = (name: string, options?: { readonly refresh?: boolean }) => Promise<ModelDefinition>

export interface IncludeOptions {
  /** Relation names to load eagerly: a field `job_id` is the relation `job`, `owner` is `owner_ref`. */
  readonly include?: readonly string[]
}

export interface InsertManyOptions {
  /** Rows per statement (default: as many as the engine's parameter limit allows, at most 5,000). */
  readonly chunkSize?: number
}

/** The filter part of the shared query language: `{ where: {column, operator, value} | {logical_operator, rules} }`. */
export interface RecordQuery {
  readonly where?: unknown
}

export interface StreamOptions {
  /** Rows per round trip (default 1,000). */
  readonly batchSize?: number
}

const MAX_CHUNK_ROWS = 5_000
/** Keeps one statement well under MySQL's default `max_allowed_packet` (16 MB) whatever the row width. */
const MAX_CHUNK_BYTES = 4 * 1024 * 1024

/**
 * The generic repository of one declared model. Values are checked against a Zod
 * schema generated from the declaration; identifiers come only from the declaration
 * (validated plain identifiers), and every value travels as a parameter.
 *
 * @example
 * const checks = store.models.records('quality_check')
 * const row = await checks.insert({ job_id, rule: 'not_null(email)', passed: true })
 * const page = await checks.find({ where: { column: 'passed', operator: '==', value: false } }, { include: ['job'] })
 */
export class RecordRepository {
  readonly #context: StoreContext
  readonly #name: string
  readonly #lookup: ModelLookup
  readonly #dialect: SchemaDialect
  #schemas: { model: ModelDefinition; schemas: RecordSchemas } | undefined

  /** @internal use `store.models.records(name)` */
  constructor(context: StoreContext, name: string, lookup: ModelLookup) {
    this.#context = context
    this.#name = name
    this.#lookup = lookup
    this.#dialect = createSchemaDialect(context.adapter)
  }

  /** Inserts one record and returns it as stored (with generated key and defaults). */
  async insert(values: unknown): Promise<ModelRecord> {
    const { model, parsed: given } = await this.#parse((schemas) => schemas.insert, values)
    const parsed = this.#withKey(model, given)
    const { adapter } = this.#context
    const db = modelDatabase(this.#context)
    const row = completeRow(model, adapter, encodeRecord(model, adapter, parsed))
    if (this.#explicitNumberedKey(model, parsed)) {
      return this.#context.transaction(async (context) => {
        await modelDatabase(context).insertInto(model.table).values(row).execute()
        await this.#dialect.syncKeySequence(modelDatabase(context), model.table, model.primary_key)
        return this.#reader(context).get(parsed[model.primary_key])
      })
    }
    if (adapter.supportsReturning) {
      const stored = await db.insertInto(model.table).values(row).returning(columns(model)).executeTakeFirstOrThrow()
      return decodeRecord(model, adapter, stored)
    }
    const result = await db.insertInto(model.table).values(row).executeTakeFirstOrThrow()
    const key = parsed[model.primary_key] ?? Number(result.insertId)
    return this.get(key)
  }

  /**
   * Inserts many records in one transaction, in statements chunked to the engine's
   * parameter limit. Takes an array or any (async) iterable, so a large import never
   * holds more than one chunk in memory. Issue paths name the row: `rows[1204].rule`.
   */
  async insertMany(rows: Iterable<unknown> | AsyncIterable<unknown>, options: InsertManyOptions = {}): Promise<{ inserted: number }> {
    const { model, schemas } = await this.#model()
    const byLimit = Math.floor(this.#context.adapter.maxParameters / model.fields.length)
    const chunkSize = Math.max(1, Math.min(options.chunkSize ?? MAX_CHUNK_ROWS, byLimit, MAX_CHUNK_ROWS))
    return this.#context.transaction(async (context) => {
      const { adapter } = context
      const db = modelDatabase(context)
      let inserted = 0
      let chunk: ModelRecord[] = []
      let bytes = 0
      const flush = async () => {
        if (chunk.length === 0) return
        await db.insertInto(model.table).values(chunk).execute()
        inserted += chunk.length
        chunk = []
        bytes = 0
      }
      let index = 0
      let explicitKeys = false
      for await (const values of rows) {
        const parsed = this.#withKey(model, parseHotOrThrow(schemas.insert, values, `rows[${index++}]`))
        explicitKeys ||= this.#explicitNumberedKey(model, parsed)
        const row = completeRow(model, adapter, encodeRecord(model, adapter, parsed))
        chunk.push(row)
        bytes += approximateBytes(row)
        if (chunk.length >= chunkSize || bytes >= MAX_CHUNK_BYTES) await flush()
      }
      await flush()
      if (explicitKeys) await this.#dialect.syncKeySequence(db, model.table, model.primary_key)
      return { inserted }
    })
  }

  /** The record with this key; `not_found` if there is none. */
  async get(key: unknown, options: IncludeOptions = {}): Promise<ModelRecord> {
    const { model, schemas } = await this.#model()
    const id = parseOrThrow(schemas.key, key, 'key')
    const row = await modelDatabase(this.#context).selectFrom(model.table).select(columns(model)).where(model.primary_key, '=', id).executeTakeFirst()
    if (!row) throw new NotFoundError(`${model.name} ${String(id)} not found`, { tableName: model.table })
    const [record] = await this.#attach(model, [decodeRecord(model, this.#context.adapter, row)], options.include)
    return record as ModelRecord
  }

  /** A page of records in the shared query language (`where`, `order_by`, `limit`, `offset`/`cursor`, `total`). */
  async find(query: unknown = {}, options: IncludeOptions = {}): Promise<ListResult<ModelRecord>> {
    const { model } = await this.#model()
    const { adapter } = this.#context
    const db = modelDatabase(this.#context)
    const selected = columns(model)
    return listQuery(this.#context, modelQueryEntity(model), query, {
      key: `${model.table}(${selected.join(',')})`,
      base: () => db.selectFrom(model.table).select(selected),
      decodeAll: (rows) =>
        this.#attach(
          model,
          rows.map((row) => decodeRecord(model, adapter, row)),
          options.include,
        ),
    })
  }

  /** How many records match the query's `where` (all of them without one). */
  async count(query: RecordQuery = {}): Promise<number> {
    const { model } = await this.#model()
    const db = modelDatabase(this.#context)
    const filter = this.#filter(model, query)
    let select = db.selectFrom(model.table).select((eb) => eb.fn.countAll().as('count'))
    if (filter) select = select.where((eb) => filterExpression(eb, filter))
    const row = await select.executeTakeFirstOrThrow()
    return Number((row as { count: unknown }).count)
  }

  /** Changes some fields of one record and returns it; `not_found` if there is none. */
  async update(key: unknown, changes: unknown): Promise<ModelRecord> {
    const { model, schemas, parsed: changed } = await this.#parse((schemas) => schemas.patch, changes)
    const id = parseOrThrow(schemas.key, key, 'key')
    const patch = encodeRecord(model, this.#context.adapter, changed)
    if (Object.keys(patch).length === 0) return this.get(id)
    return this.#context.transaction(async (context) => {
      await modelDatabase(context).updateTable(model.table).set(patch).where(model.primary_key, '=', id).execute()
      return this.#reader(context).get(id)
    })
  }

  /** Inserts the record, or updates the one with the same key. */
  async upsert(values: unknown): Promise<ModelRecord> {
    const { model, parsed } = await this.#parse((schemas) => schemas.insert, values)
    const id = parsed[model.primary_key]
    if (id === undefined) return this.insert(values)
    const { [model.primary_key]: _key, ...changes } = parsed
    const attempt = () =>
      this.#context.transaction(async (context) => {
        const found = await modelDatabase(context).selectFrom(model.table).select(model.primary_key).where(model.primary_key, '=', id).executeTakeFirst()
        const repository = this.#reader(context)
        return found ? repository.update(id, changes) : repository.insert(parsed)
      })
    try {
      return await attempt()
    } catch (error) {
      // Another writer inserted the same key between our read and our insert: now it is an update.
      if (error instanceof ConstraintError && error.constraint_kind === 'unique') return attempt()
      throw error
    }
  }

  /** Deletes one record; `not_found` if there is none. */
  async delete(key: unknown): Promise<void> {
    const { model, schemas } = await this.#model()
    const id = parseOrThrow(schemas.key, key, 'key')
    const result = await modelDatabase(this.#context).deleteFrom(model.table).where(model.primary_key, '=', id).executeTakeFirst()
    if (Number(result.numDeletedRows) === 0) throw new NotFoundError(`${model.name} ${String(id)} not found`, { tableName: model.table })
  }

  /**
   * Every record matching `where`, in key order, fetched in keyset batches: memory stays
   * constant however many rows there are, and no connection is held between batches.
   */
  async *stream(query: RecordQuery = {}, options: StreamOptions = {}): AsyncGenerator<ModelRecord> {
    const { model } = await this.#model()
    const { adapter } = this.#context
    const db = modelDatabase(this.#context)
    const filter = this.#filter(model, query)
    const batchSize = Math.max(1, Math.min(options.batchSize ?? 1000, 10_000))
    let last: unknown
    for (;;) {
      let query = db.selectFrom(model.table).select(columns(model))
      if (filter) query = query.where((eb) => filterExpression(eb, filter))
      if (last !== undefined) query = query.where(model.primary_key, '>', last)
      const rows = await query.orderBy(model.primary_key).limit(batchSize).execute()
      for (const row of rows) yield decodeRecord(model, adapter, row)
      if (rows.length < batchSize) return
      last = rows[rows.length - 1]?.[model.primary_key]
    }
  }

  /** The row a record refers to through `relation` (lazy loading); `null` when it refers to none. */
  async related(record: ModelRecord, relation: string): Promise<ModelRecord | null> {
    const { model } = await this.#model()
    const [loaded] = await this.#attach(model, [{ ...record }], [relation])
    return (loaded?.[relation] as ModelRecord | null | undefined) ?? null
  }

  /**
   * Parses with the cached definition. A failure may mean another process changed the
   * model since it was cached (a new field, a wider string): then it is read again once.
   */
  async #parse(
    pick: (schemas: RecordSchemas) => RecordSchemas['insert'],
    value: unknown,
  ): Promise<{ model: ModelDefinition; schemas: RecordSchemas; parsed: ModelRecord }> {
    const current = await this.#model()
    try {
      return { ...current, parsed: parseOrThrow(pick(current.schemas), value) }
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      const fresh = await this.#model(true)
      return { ...fresh, parsed: parseOrThrow(pick(fresh.schemas), value) }
    }
  }

  async #model(refresh = false): Promise<{ model: ModelDefinition; schemas: RecordSchemas }> {
    const model = await this.#lookup(this.#name, { refresh })
    if (this.#schemas?.model !== model) this.#schemas = { model, schemas: recordSchemas(model) }
    return this.#schemas
  }

  #filter(model: ModelDefinition, query: RecordQuery): CompiledFilter | undefined {
    if (typeof query !== 'object' || query === null || Array.isArray(query)) {
      throw new ValidationError([{ path: '', message: 'Expected a query object: { where }' }])
    }
    const unknown = Object.keys(query).filter((key) => key !== 'where')
    if (unknown.length > 0) throw new ValidationError([{ path: unknown[0] ?? '', message: 'Only where is accepted here' }])
    return query.where === undefined ? undefined : checkFilter(modelQueryEntity(model), this.#context.adapter, query.where)
  }

  #reader(context: StoreContext): RecordRepository {
    return new RecordRepository(context, this.#name, this.#lookup)
  }

  #explicitNumberedKey(model: ModelDefinition, values: ModelRecord): boolean {
    const key = model.fields.find((field) => field.primary_key)
    return key?.auto_increment === true && values[model.primary_key] !== undefined
  }

  #withKey(model: ModelDefinition, values: ModelRecord): ModelRecord {
    const key = model.fields.find((field) => field.primary_key)
    if (key?.type === 'uuid' && values[model.primary_key] === undefined) return { ...values, [model.primary_key]: uuidv7() }
    return values
  }

  /** Loads each requested relation with one `IN (…)` query per relation (per chunk of keys). */
  async #attach(model: ModelDefinition, records: ModelRecord[], include: readonly string[] | undefined): Promise<ModelRecord[]> {
    if (!include || include.length === 0 || records.length === 0) return records
    include.forEach((relation, i) => {
      if (!model.fields.some((field) => field.references?.relation === relation)) {
        const known = model.fields.flatMap((field) => (field.references ? [field.references.relation] : []))
        throw new ValidationError([
          { path: `include[${i}]`, message: `Unknown relation "${relation}" of ${model.name}: use one of ${known.join(', ') || '(none)'}` },
        ])
      }
    })
    for (const field of model.fields) {
      const reference = field.references
      if (!reference || !include.includes(reference.relation)) continue
      const keys = [...new Set(records.map((record) => record[field.name]).filter((value) => value !== null && value !== undefined))]
      const byKey = await this.#loadReferenced(reference, keys)
      for (const record of records) record[reference.relation] = byKey.get(String(record[field.name])) ?? null
    }
    return records
  }

  async #loadReferenced(reference: ReferenceDefinition, keys: unknown[]): Promise<Map<string, ModelRecord>> {
    const { adapter } = this.#context
    const db = modelDatabase(this.#context)
    const target = reference.core ? undefined : await this.#lookup(reference.model)
    const byKey = new Map<string, ModelRecord>()
    const chunk = Math.max(1, adapter.maxParameters - 10)
    for (let start = 0; start < keys.length; start += chunk) {
      const slice = keys.slice(start, start + chunk)
      const base = target ? selectModel(db, target) : db.selectFrom(reference.table).selectAll()
      const rows = (await base.where(reference.column, 'in', slice).execute()) as Record<string, unknown>[]
      // Core rows come back as stored: their own repositories own their decoding.
      for (const row of rows) byKey.set(String(row[reference.column]), target ? decodeRecord(target, adapter, row) : row)
    }
    return byKey
  }
}

function approximateBytes(row: ModelRecord): number {
  let bytes = 0
  for (const value of Object.values(row)) bytes += typeof value === 'string' ? value.length * 2 : 8
  return bytes
}

function columns(model: ModelDefinition): string[] {
  return model.fields.map((field) => field.name)
}

function selectModel(db: ModelDatabase, model: ModelDefinition) {
  return db.selectFrom(model.table).select(columns(model))
}

/**
 * Names every column but a numbered key: the rows of one multi-row statement must name
 * the same columns, and a row with no values at all has no portable `INSERT` form.
 */
function completeRow(model: ModelDefinition, adapter: StoreContext['adapter'], row: ModelRecord): ModelRecord {
  for (const field of model.fields) {
    if (Object.hasOwn(row, field.name) || field.auto_increment) continue
    const value = field.default
    row[field.name] = value === null ? null : typeof value === 'boolean' ? adapter.encodeBoolean(value) : value
  }
  return row
}
