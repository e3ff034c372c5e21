import { execSync } from 'node:child_process'
import { delay } from './child-process.js'

/**
 * Restarting the local database servers (fault scenario 1), with exactly the commands of
 * DEVELOPERS.md, and making sure they run again afterwards whatever happened.
 */

function run(command: string): void {
  execSync(command, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000, shell: '/bin/bash' })
}

function succeeds(command: string): boolean {
  try {
    run(command)
    return true
  } catch {
    return false
  }
}

// ETLP_FAULT_PG_CLUSTER / ETLP_FAULT_PG_PORT point scenario 1 at a private cluster (to try
// it without touching the shared one); the defaults are the local server of DEVELOPERS.md.
const PG_CLUSTER = /^[A-Za-z0-9_-]+$/.test(process.env.ETLP_FAULT_PG_CLUSTER ?? '') ? process.env.ETLP_FAULT_PG_CLUSTER : 'main'
const PG_PORT = Number(process.env.ETLP_FAULT_PG_PORT ?? 5432)
const POSTGRES_READY = `pg_isready -h 127.0.0.1 -p ${PG_PORT} -q`
// ETLP_FAULT_MYSQL_PORT + ETLP_FAULT_MYSQL_DEFAULTS_FILE: the same for a private MariaDB.
const MYSQL_PORT = Number(process.env.ETLP_FAULT_MYSQL_PORT ?? 3306)
const MYSQL_DEFAULTS = /^[A-Za-z0-9_./-]+$/.test(process.env.ETLP_FAULT_MYSQL_DEFAULTS_FILE ?? '') ? process.env.ETLP_FAULT_MYSQL_DEFAULTS_FILE : undefined
const MYSQL_READY = `mysqladmin -h 127.0.0.1 -P ${MYSQL_PORT} -u root ping`
const MYSQL_STOP = MYSQL_DEFAULTS ? `mysqladmin -uroot -h 127.0.0.1 -P ${MYSQL_PORT} shutdown` : 'mysqladmin -uroot shutdown'
const MYSQL_START = MYSQL_DEFAULTS
  ? `start-stop-daemon --start --background --make-pidfile --pidfile ${MYSQL_DEFAULTS}.pid --exec /usr/sbin/mariadbd -- --defaults-file=${MYSQL_DEFAULTS}`
  : 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd'
const PG_CTL = `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) ${PG_CLUSTER}`

async function waitUntil(check: string, seconds = 90): Promise<void> {
  for (let i = 0; i < seconds * 4; i++) {
    if (succeeds(check)) return
    await delay(250)
  }
  throw new Error(`${check} still failing after ${seconds}s`)
}

/** Stops the server, keeps it down for `downMs`, starts it, and waits until it accepts connections. */
export async function restartServer(engine: 'postgres' | 'mysql', downMs: number): Promise<void> {
  if (engine === 'postgres') {
    run(`${PG_CTL} stop`)
    await delay(downMs)
    run(`${PG_CTL} start`)
    await waitUntil(POSTGRES_READY)
  } else {
    run(MYSQL_STOP)
    for (let i = 0; i < 240 && succeeds(MYSQL_READY); i++) await delay(250)
    await delay(downMs)
    run(MYSQL_START)
    await waitUntil(MYSQL_READY)
  }
}

/** Starts whichever server is down and waits for both: the last step of every restart test. */
export async function ensureServersRunning(): Promise<void> {
  if (!succeeds(POSTGRES_READY)) {
    succeeds(`${PG_CTL} start`)
    await waitUntil(POSTGRES_READY)
  }
  if (!succeeds(MYSQL_READY)) {
    succeeds(MYSQL_START)
    await waitUntil(MYSQL_READY)
  }
}
