import { statSync } from 'node:fs'
import type Database from 'better-sqlite3'
import { CompiledQuery, type DatabaseConnection } from 'kysely'

/**
 * How long the checkpoint may wait for the writer lock and for readers to leave the log.
 * It holds the writer lock meanwhile, so other writers wait at most this long; when it
 * gives up, it has still copied back what it could, as a passive checkpoint does.
 */
const CHECKPOINT_WAIT_MS = 100

/**
 * How often a connection looks at the log's size: a `stat` costs about 5 µs here, and an
 * execution's lifecycle (benchmark W3) commits four times in 1.4 ms.
 */
const LOOK_EVERY_MS = 2

/**
 * How far past the limit the log may grow before writers stop for a checkpoint. Under load
 * the checkpoint after a commit often cannot get the writer lock or outwait a reader in
 * 100 ms (a fresh-clone CI run saw four writers grow a 1 MiB-limit log to 28.9 MiB), so
 * past this many limits writers wait for one instead of writing.
 */
const HARD_LIMITS = 4

/** How long a writer sleeps while another process's checkpoint runs. */
const OTHER_CHECKPOINT_SLEEP_MS = 5

/** The row of `pragma wal_checkpoint`: frames in the log and frames copied back, -1 when it could not start. */
interface CheckpointResult {
  readonly busy: number
  readonly log: number
  readonly checkpointed: number
}

/**
 * The WAL checkpoint of one SQLite connection, run by the writer whose commit takes the
 * log past `limitBytes`.
 *
 * SQLite's automatic checkpoint is passive, and under several writer processes the log
 * seldom starts over: that needs a writer to begin while every frame has been copied
 * back and no reader is inside the log. Four writer processes grew it to 35 MB in 6 s,
 * eight benchmark workers to 747 MB in 20 s, and past the automatic threshold every
 * commit runs a checkpoint (under eight writers a commit took 0.6–1.3 ms, 0.1 ms with no
 * checkpoint). Here the writer that passes the limit runs one `RESTART` checkpoint: it
 * copies the log back and waits briefly for readers to leave it, so the next writer
 * starts the log over, and `journal_size_limit` cuts the file back to the limit then. So
 * the file grows past the limit only by what was written since.
 *
 * That checkpoint gives up after 100 ms, and under load it can lose that race again and
 * again. So the log also has a hard bound, `HARD_LIMITS` limits: a writer that finds it
 * past that once it holds the writer lock rolls its empty transaction back and waits, up
 * to `busy_timeout`, for a checkpoint to finish before it begins again. No writer writes
 * meanwhile, so the checkpoint gets the lock, and the log exceeds the bound by at most
 * the one transaction that crossed it. Only a reader that holds one snapshot for longer
 * than `busy_timeout` (a long stream) defeats it; the log may then grow by another bound
 * before writers wait again.
 *
 * The size is read with `stat`, never by opening the file: closing any descriptor of a
 * database file drops the process's POSIX locks on it.
 * @internal
 */
export class WalCheckpointer {
  readonly #walFile: string
  readonly #limitBytes: number
  readonly #busyTimeoutMs: number
  /** The log's size after this connection's last checkpoint that could not start it over. */
  #floor = 0
  /** The same for the hard bound: the log's size when this connection last waited in vain. */
  #hardFloor = 0
  #nextLook = 0

  constructor(databaseFile: string, limitBytes: number, busyTimeoutMs: number) {
    this.#walFile = `${databaseFile}-wal`
    this.#limitBytes = limitBytes
    this.#busyTimeoutMs = busyTimeoutMs
  }

  /**
   * Sets the connection up for this policy: `journal_size_limit` cuts the file back when
   * the log starts over, and SQLite's automatic checkpoint stays, at four limits (of 4 KiB
   * pages), for writes outside a transaction and for a big one between two looks.
   */
  configure(database: Pick<Database.Database, 'pragma'>): void {
    database.pragma(`journal_size_limit = ${this.#limitBytes}`)
    database.pragma(`wal_autocheckpoint = ${Math.ceil((4 * this.#limitBytes) / 4096)}`)
  }

  /**
   * Called on the connection after each commit. The commit has happened: a checkpoint that
   * fails is left to the next one (and shows in `onQuery`), never reported as the write's
   * failure.
   */
  async afterCommit(connection: DatabaseConnection): Promise<void> {
    const now = performance.now()
    if (now < this.#nextLook) return
    this.#nextLook = now + LOOK_EVERY_MS
    const size = this.#walSize()
    // The log was started over and its file cut back since: count from the start again.
    if (size < this.#floor) this.#floor = 0
    if (size - this.#floor <= this.#limitBytes) return
    try {
      const result = await this.#restart(connection, CHECKPOINT_WAIT_MS)
      if (!result?.busy) this.#floor = 0
      // Readers or writers held it off: try again once the log has grown by another limit.
      // (`log` is -1 when another process's checkpoint is running: look again next time.)
      else if (result.log !== -1) this.#floor = this.#walSize()
    } catch {
      this.#floor = this.#walSize()
    }
  }

  /**
   * Called right after `begin immediate`, with the writer lock held and nothing written:
   * true when the log is past the hard bound, so the writer should roll back and call
   * `waitForRestart` before it begins again. A `stat` (about 5 µs) on every write.
   */
  pastHardBound(): boolean {
    const size = this.#walSize()
    if (size < this.#hardFloor) this.#hardFloor = 0
    return size - this.#hardFloor > HARD_LIMITS * this.#limitBytes
  }

  /**
   * Runs `RESTART` checkpoints, without a transaction open on this connection, until one
   * has copied the whole log back with no reader left in it (the next write then starts
   * it over), or `busy_timeout` has passed. When another process's checkpoint is running,
   * it sleeps a little and tries again. Never fails: a writer that waited in vain writes
   * anyway, and waits again only after another bound of growth.
   */
  async waitForRestart(connection: DatabaseConnection): Promise<void> {
    const deadline = performance.now() + this.#busyTimeoutMs
    try {
      for (let left = this.#busyTimeoutMs; left > 0; left = Math.ceil(deadline - performance.now())) {
        const result = await this.#restart(connection, left)
        if (!result?.busy) {
          this.#floor = 0
          this.#hardFloor = 0
          return
        }
        if (result.log !== -1) break
        await new Promise((resolve) => setTimeout(resolve, OTHER_CHECKPOINT_SLEEP_MS))
      }
    } catch {
      // Left to the next bound, like a checkpoint that timed out.
    }
    this.#hardFloor = this.#walSize()
  }

  /** One `RESTART` checkpoint that waits at most `waitMs`; the connection's busy timeout is put back after. */
  async #restart(connection: DatabaseConnection, waitMs: number): Promise<CheckpointResult | undefined> {
    try {
      await connection.executeQuery(CompiledQuery.raw(`pragma busy_timeout = ${waitMs}`))
      const { rows } = await connection.executeQuery<CheckpointResult>(CompiledQuery.raw('pragma wal_checkpoint(RESTART)'))
      return rows[0]
    } finally {
      await connection.executeQuery(CompiledQuery.raw(`pragma busy_timeout = ${this.#busyTimeoutMs}`)).catch(() => {})
    }
  }

  /** 0 when there is no log or it cannot be read: nothing to do then. */
  #walSize(): number {
    try {
      return statSync(this.#walFile, { throwIfNoEntry: false })?.size ?? 0
    } catch {
      return 0
    }
  }
}
