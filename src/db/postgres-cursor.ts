import Cursor from 'pg-cursor'

interface CursorConnection {
  readonly stream?: { readonly destroyed?: boolean }
  once(event: 'end', listener: () => void): unknown
  removeListener(event: 'end', listener: () => void): unknown
}

/**
 * The cursor Kysely streams PostgreSQL rows with. pg-cursor's `close()` waits for the
 * server's ReadyForQuery, which a connection that died mid-stream never sends; Kysely
 * closes the cursor in a `finally`, so the stream's `connection_error` never reached the
 * caller, who waited forever. This one stops waiting when the connection has ended.
 * @internal
 */
export class PostgresCursor<Row = Record<string, unknown>> extends Cursor<Row> {
  override close(): Promise<void>
  override close(callback: (err: Error) => void): undefined
  override close(callback?: (err: Error) => void): Promise<void> | undefined {
    const connection = (this as unknown as { connection?: CursorConnection }).connection
    if (callback || !connection) return super.close(callback as (err: Error) => void)
    if (connection.stream?.destroyed) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const ended = () => resolve()
      connection.once('end', ended)
      super
        .close()
        .then(resolve, reject)
        .finally(() => connection.removeListener('end', ended))
    })
  }
}
