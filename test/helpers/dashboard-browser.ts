import { existsSync } from 'node:fs'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'
import { SimulatedClock } from '../../src/demo/simulate-day.js'
import type { Store } from '../../src/store.js'

/** Debian's chromium, or `CHROMIUM_PATH`. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/**
 * Whether the browser tests can run. Without chromium they skip, except with `CI=true`,
 * where a missing browser fails the file instead of passing it silently.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true
  if (process.env.CI === 'true') throw new Error(`The dashboard tests need chromium at ${CHROMIUM} (set CHROMIUM_PATH)`)
  return false
}

export function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--headless=new'] })
}

/** A page that records what went wrong while it loaded: console errors, uncaught errors, failed or 4xx/5xx requests. */
export interface WatchedPage {
  readonly page: Page
  readonly problems: string[]
}

export async function watchedPage(browser: Browser, width = 1280): Promise<WatchedPage> {
  const page = await browser.newPage()
  await page.setViewport({ width, height: 900 })
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`)
  })
  page.on('pageerror', (error) => problems.push(`page error: ${String(error)}`))
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`))
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`)
  })
  return { page, problems }
}

/** A clock for a store the demo will fill: the demo simulates the day before it. */
export function demoClock(): SimulatedClock {
  return new SimulatedClock(new Date('2026-03-10T12:00:00Z'))
}

/** Runs in another environment (the demo's are all PROD), one of them failing with markup in its error. */
export async function seedDevRuns(store: Store, jobId: string, hostileMessage: string): Promise<{ succeeded: string[]; failed: string }> {
  const succeeded: string[] = []
  for (let i = 0; i < 2; i++) {
    const execution = await store.executions.start({ jobId, environment: 'DEV' })
    const attempt = await store.executions.startAttempt(execution.id)
    await store.executions.recordComponentRuns(attempt.id, [{ component_name: 'dev_probe', lines_received: 10, lines_forwarded: 10, processing_ms: 120 }])
    await store.executions.finishAttempt(attempt.id, { status: 'SUCCEEDED' })
    succeeded.push(execution.id)
  }
  const failing = await store.executions.start({ jobId, environment: 'DEV' })
  await store.executions.startAttempt(failing.id)
  // Finishing the execution itself: no retry, whatever the job's num_of_retries.
  await store.executions.finish(failing.id, { status: 'FAILED', error: { type: 'ScriptError', message: hostileMessage } })
  return { succeeded, failed: failing.id }
}
