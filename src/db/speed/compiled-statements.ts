/**
 * # src/db/speed: the speed layer
 *
 * Everything the store does to go faster than plain Kysely and Zod lives in this folder,
 * and each trick says here what it measured (the figures are in the files):
 *
 * - `prepared-statement.ts`: hot statements compiled once per store, then only bound
 *   (Kysely's build and compile of a query cost about as much as running a small one on
 *   SQLite); list pages compiled once per shape.
 * - this file: the per-store state that goes with them, the compiled texts and the names
 *   under which PostgreSQL (named statements) and MySQL (`execute`) prepare them on the
 *   server, so the server parses and plans a hot statement once per connection.
 * - `sqlite-statement-cache.ts`: the driver's prepared statements kept per connection (an
 *   LRU): preparing costs as much as running a small statement.
 * - `timestamp-codecs.ts`: timestamps read and written field by field (about twice as fast
 *   as `Date.parse`, 8× `toISOString`; the driver's parser was 14 % of a PostgreSQL page).
 * - `fast-parse.ts`: compiled Zod parsers for the schemas on hot paths (a small object:
 *   70–100 µs cold through Zod, a few µs compiled), pinned to the Zod version it reads;
 *   `parseHotOrThrow` (schema/zod-issues.ts) is its only door, `parseOrThrow` is plain Zod.
 * - `row-decoder.ts`: row decoders generated from a table declaration, for the rows read
 *   by the hundred thousand (twice as fast as a generic loop over the columns).
 * - `bulk-write.ts`: large batches of component runs and events by the adapter's
 *   `bulkCopy` (PostgreSQL's `COPY … FROM STDIN`, db/postgres-copy.ts) from 200 rows on,
 *   multi-row INSERTs below and on the other engines (1.5–1.9× faster from 1,000 rows).
 *
 * Two tricks live outside, in the adapters, each with its figures: SQLite's `INDEXED BY`
 * and MySQL's `FORCE INDEX` for list pages (`fromWithIndexes`). PostgreSQL's row-value
 * keyset cursor was measured and dropped (see `afterKeys` in query/list-query.ts).
 *
 * State is per adapter (one adapter per store): nothing here is module-level mutable
 * state, and no module outside this folder may hold such a cache. A module-level
 * constant (a statement's definition) is fine; what it compiles to is kept here, per store.
 */
import type { Compilable } from 'kysely'

/** A statement compiled once: its SQL and, per parameter, where its value comes from. @internal */
export interface Template {
  readonly sql: string
  /** Per parameter: the name (or index) of the value to bind, or a constant compiled into the template. */
  readonly slots: ReadonlyArray<string | number | { readonly constant: unknown }>
}

/** Multi-row insert shapes and list-page shapes named on the server, 64 of each per store. */
const MAX_NAMED_PER_KIND = 64
/** Shaped statements (list pages) kept per store, the most recently used. */
const MAX_SHAPED_TEMPLATES = 256
/** Multi-row insert texts kept per store (full chunks and recent remainders). */
const MAX_INSERT_TEXTS = 64

/**
 * One store's compiled statements and their server-side names. The adapter owns it, so
 * two stores in one process (another prefix, another database) never share a template or
 * a name, and a closed store's state goes with its adapter.
 * @internal
 */
export class CompiledStatements {
  /**
   * SQL texts worth preparing on the server. Only texts from `prepare` and the first
   * insert and list-page shapes are named, so a connection holds a bounded number of
   * server-side statements.
   */
  readonly #serverNames = new Map<string, string>()
  #namedInserts = 0
  #namedShapes = 0
  readonly #prepared = new Map<object, Template>()
  readonly #shaped = new Map<string, Template>()
  readonly #insertTexts = new Map<string, string>()

  /** The name a driver prepares `text` under, or `undefined` to run it unprepared. */
  serverStatementName(text: string): string | undefined {
    return this.#serverNames.get(text)
  }

  /** The template of the prepared statement `definition`, once `keepPrepared` has it. */
  prepared(definition: object): Template | undefined {
    return this.#prepared.get(definition)
  }

  /** Keeps (and names on the server) the template `definition` compiled to in this store. */
  keepPrepared(definition: object, template: Template): Template {
    this.#prepared.set(definition, template)
    this.#nameOnServer(template.sql)
    return template
  }

  /** The template of the shape `key`, compiled the first time; an LRU of `MAX_SHAPED_TEMPLATES`. */
  shaped(key: string, build: () => Compilable, compile: (query: Compilable) => Template): Template {
    let template = this.#shaped.get(key)
    if (template) {
      // Map order is insertion order: moving a hit to the end keeps the eviction LRU.
      this.#shaped.delete(key)
    } else {
      template = compile(build())
      if (this.#shaped.size >= MAX_SHAPED_TEMPLATES) this.#shaped.delete(this.#shaped.keys().next().value as string)
      if (this.#namedShapes < MAX_NAMED_PER_KIND && !this.#serverNames.has(template.sql)) {
        this.#namedShapes++
        this.#nameOnServer(template.sql)
      }
    }
    this.#shaped.set(key, template)
    return template
  }

  /** The multi-row insert text of `key`, built the first time. */
  insertText(key: string, build: () => string): string {
    let text = this.#insertTexts.get(key)
    if (text === undefined) {
      text = build()
      if (this.#insertTexts.size >= MAX_INSERT_TEXTS) this.#insertTexts.delete(this.#insertTexts.keys().next().value as string)
      this.#insertTexts.set(key, text)
      if (this.#namedInserts < MAX_NAMED_PER_KIND && !this.#serverNames.has(text)) {
        this.#namedInserts++
        this.#nameOnServer(text)
      }
    }
    return text
  }

  #nameOnServer(text: string): void {
    if (!this.#serverNames.has(text)) this.#serverNames.set(text, `etlp_${this.#serverNames.size + 1}`)
  }
}
