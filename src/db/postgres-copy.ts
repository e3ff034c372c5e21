import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CompiledQuery, sql } from 'kysely'
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams'
import type { BulkCopy, RowWriter } from './speed/bulk-write.js'
import type { StatementTarget } from './speed/prepared-statement.js'
import { IsoTextEncoder } from './speed/timestamp-codecs.js'

/**
 * From this many rows on, `COPY … FROM STDIN` beats the multi-row INSERT. Measured on the
 * local PostgreSQL 15 (2 loaded cores), the write alone inside a transaction, median of 40
 * alternating runs, INSERT / COPY in ms: events (7 columns) 100 rows 1.41 / 1.52, 200 rows
 * 3.16 / 2.63, 500 rows 5.19 / 3.72, 1,000 rows 10.4 / 6.5, 5,000 rows 71 / 40; component
 * runs (11 columns) 100 rows 2.10 / 1.88, 200 rows 3.17 / 3.06, 500 rows 8.95 / 6.47,
 * 1,000 rows 16.7 / 11.0, 5,000 rows 91 / 48. Level between 100 and 200 rows; at 50 rows
 * the INSERT's prepared, named statement wins (0.92 / 1.21 and 1.21 / 1.44): the stream's
 * set-up costs more than it saves.
 */
const COPY_MIN_ROWS = 200

/** What one CopyData message carries at most before the next begins (the stream's own high-water mark is 16 KiB). */
const CHUNK_CHARS = 64 * 1024

/**
 * The rows of one `COPY … FROM STDIN`, in PostgreSQL's text format, travelling as the
 * statement's only parameter. A class of its own, so the client wrapper cannot mistake
 * an ordinary parameter for a payload, and so that nothing that prints parameters (the
 * redaction of error messages, a debugger, a log) ever prints the rows.
 * @internal
 */
export class CopyPayload {
  readonly #chunks: readonly string[]
  readonly rowCount: number

  constructor(chunks: readonly string[], rowCount: number) {
    this.#chunks = chunks
    this.rowCount = rowCount
  }

  /** The text in pieces of about `CHUNK_CHARS`, each one CopyData message. */
  chunks(): readonly string[] {
    return this.#chunks
  }

  toString(): string {
    return `[COPY payload: ${this.rowCount} rows]`
  }
  toJSON(): string {
    return this.toString()
  }
}

/**
 * PostgreSQL's bulk copy: the rows as COPY text, sent by `runCopyFromStdin` on the
 * connection of the target's executor, so inside the caller's transaction. One per
 * adapter (the timestamp encoder's cached hour is the adapter's).
 * @internal
 */
export class PostgresBulkCopy implements BulkCopy {
  readonly minRows = COPY_MIN_ROWS
  readonly #timestamps = new IsoTextEncoder()

  async copy<T>(target: StatementTarget, table: string, columns: readonly string[], items: readonly T[], write: RowWriter<T>): Promise<number> {
    // Kysely quotes the names; the prefix plugin rewrites a core table's name as it compiles.
    const names = sql.join(columns.map((column) => sql.ref(column)))
    const text = sql`copy ${sql.table(table)} (${names}) from stdin`.compile(target.db).sql
    const payload = this.#payload(columns.length, items, write)
    await target.db.executeQuery(CompiledQuery.raw(text, [payload]))
    return items.length
  }

  #payload<T>(width: number, items: readonly T[], write: RowWriter<T>): CopyPayload {
    const chunks: string[] = []
    const values: unknown[] = new Array(width)
    let chunk = ''
    for (const item of items) {
      write(item, values, 0)
      let line = this.#field(values[0])
      for (let c = 1; c < width; c++) line += '\t' + this.#field(values[c])
      chunk += line + '\n'
      if (chunk.length >= CHUNK_CHARS) {
        chunks.push(chunk)
        chunk = ''
      }
    }
    if (chunk !== '') chunks.push(chunk)
    return new CopyPayload(chunks, items.length)
  }

  /** One value as COPY text: what the adapter's encoders hand out (text, numbers, Dates, JSON text, booleans, null). */
  #field(value: unknown): string {
    if (value === null || value === undefined) return '\\N'
    switch (typeof value) {
      case 'string':
        return escapeCopyText(value)
      case 'number':
      case 'bigint':
        // `NaN` and `Infinity` are what a double precision column reads back as those.
        return String(value)
      case 'boolean':
        return value ? 't' : 'f'
    }
    if (value instanceof Date) return this.#timestamps.encode(value)
    // What `pg` itself sends for an object parameter: its JSON.
    return escapeCopyText(JSON.stringify(value))
  }
}

const NEEDS_ESCAPE = /[\\\t\n\r]/
const ESCAPED = /[\\\t\n\r]/g
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }

/**
 * A text value in COPY's text format: backslash, tab, newline and carriage return
 * escaped (so a literal `\N` is `\\N`, not NULL, and no value can end the data with
 * `\.`). Most values have none of them: one test, no copy.
 * @internal
 */
export function escapeCopyText(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPED, (character) => ESCAPES[character] as string) : text
}

/** The client's own `query` (see `prepareHotStatements`), for a Submittable. */
type ClientQuery = (config: CopyStreamQuery) => unknown

/** A `COPY … FROM STDIN` that `PostgresBulkCopy` built: its text and its one `CopyPayload`. */
export function isCopyFromStdin(text: unknown, values: unknown): values is readonly [CopyPayload] {
  return Array.isArray(values) && values.length === 1 && values[0] instanceof CopyPayload && typeof text === 'string' && COPY_FROM_STDIN.test(text)
}

const COPY_FROM_STDIN = /^copy .+ from stdin$/is

/**
 * Runs a COPY that `isCopyFromStdin` recognised, on the client that Kysely's connection
 * holds (so inside its transaction), and answers as `client.query` does. It reports itself
 * as an INSERT: Kysely reads the count of written rows only for INSERT, UPDATE, DELETE and
 * MERGE, and onQuery then sees the rows the COPY wrote. A refused row (a key already
 * there) rejects with the driver's own error, which the instrumented driver maps, and
 * the server has written none of the COPY's rows.
 */
export async function runCopyFromStdin(query: ClientQuery, text: string, payload: CopyPayload): Promise<{ command: string; rowCount: number; rows: never[] }> {
  const stream = query(copyFrom(text)) as CopyStreamQuery
  await pipeline(Readable.from(payload.chunks(), { objectMode: false }), stream)
  return { command: 'INSERT', rowCount: stream.rowCount, rows: [] }
}
