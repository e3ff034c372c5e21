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

const POSTGRES_READY = 'pg_isready -h 127.0.0.1 -p 5432 -q'
const MYSQL_READY = 'mysqladmin -h 127.0.0.1 -u root ping'
const PG_CTL = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main'

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
    run('mysqladmin -uroot shutdown')
    for (let i = 0; i < 240 && succeeds(MYSQL_READY); i++) await delay(250)
    await delay(downMs)
    run('start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd')
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
    succeeds('start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd')
    await waitUntil(MYSQL_READY)
  }
}
