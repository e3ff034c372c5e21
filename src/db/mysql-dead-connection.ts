interface Command {
  listenerCount(event: 'error'): number
  emit(event: 'error', error: Error): boolean
  once(event: 'end' | 'error', listener: () => void): unknown
}

interface QueryingConnection {
  query: (...args: unknown[]) => Command
  readonly fatalError: Error | null
  on(event: 'error', listener: (error: Error) => void): unknown
}

/**
 * mysql2 reports the death of a connection (killed by the server, network gone) to the
 * queries that have a callback and otherwise only to the connection's 'error'
 * listeners. A streamed query has no callback: Kysely's `stream()` waited forever when
 * its connection died under it, or had died before it was sent. Such a query now fails
 * with the error that ended the connection.
 * @internal
 */
export function failStreamsOnDeadConnection(connection: QueryingConnection): void {
  const streaming = new Set<Command>()
  const fail = (command: Command, error: Error) => command.listenerCount('error') > 0 && command.emit('error', error)
  connection.on('error', (error) => {
    for (const command of streaming) fail(command, error)
    streaming.clear()
  })
  const query = connection.query.bind(connection)
  connection.query = (...args: unknown[]) => {
    const command = query(...args)
    if (typeof args.at(-1) === 'function') return command
    const fatal = connection.fatalError
    // After the caller has called `.stream()` on it, which listens for 'error'.
    if (fatal) process.nextTick(() => fail(command, fatal))
    else {
      streaming.add(command)
      const done = () => streaming.delete(command)
      command.once('end', done)
      command.once('error', done)
    }
    return command
  }
}
