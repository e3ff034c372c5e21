import type { Browser } from 'puppeteer-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { runDemo } from '../src/demo/demo-run.js'
import type { ListedExecution } from '../src/repositories/execution-list.js'
import { SYSTEM_PRINCIPAL } from '../src/security/access-policy.js'
import { serve, type RunningServer } from '../src/server/serve.js'
import type { Store } from '../src/store.js'
import { describeEngines } from './helpers/engines.js'
import { chromiumAvailable, demoClock, launchBrowser, seedDevRuns, watchedPage } from './helpers/dashboard-browser.js'
import { startTestServer, type TestServer } from './helpers/http-server.js'

const hasChromium = chromiumAvailable()
const HOSTILE = '<img src=x id=injected onerror="window.injected=1"> & "quotes"'

describeEngines(
  'dashboard in a browser',
  (target) => {
    let server: TestServer
    let guarded: RunningServer
    let browser: Browser
    let admin: Store
    let jobs: Array<{ id: string; name: string }>
    let dev: { succeeded: string[]; failed: string }

    beforeAll(async () => {
      const clock = demoClock()
      // Access control on: a token's principal is checked on every read its pages make.
      server = await startTestServer(target(), {}, { clock: clock.now, access_control: { enabled: true } })
      admin = server.store.as(SYSTEM_PRINCIPAL)
      await runDemo({ store: admin, clock })
      jobs = (await admin.jobs.list({ order_by: 'name' })).items.map(({ id, name }) => ({ id, name }))
      dev = await seedDevRuns(admin, jobs[0]!.id, HOSTILE)
      // The same store without `anonymous`: every page needs a token.
      guarded = await serve(server.store, { port: 0, log: false })
      if (hasChromium) browser = await launchBrowser()
    }, 300_000)

    afterAll(async () => {
      await browser?.close()
      await guarded?.close()
      await server?.server.close()
    })

    const open = async (path: string, width = 1280) => {
      const watched = await watchedPage(browser, width)
      const response = await watched.page.goto(server.url + path, { waitUntil: 'load' })
      return { ...watched, response }
    }
    const rowAttributes = (page: import('puppeteer-core').Page, table: string, attribute: string) =>
      page.$$eval(`table#${table} tbody tr`, (rows, name) => rows.map((row) => row.getAttribute(name) ?? ''), attribute)
    const everyExecution = async (where?: unknown) => {
      const items: ListedExecution[] = []
      let cursor: string | undefined
      do {
        const page = await admin.executions.list({ ...(where ? { where } : {}), limit: 1000, ...(cursor ? { cursor } : {}) })
        items.push(...page.items)
        cursor = page.next_cursor ?? undefined
      } while (cursor)
      return items
    }

    it.skipIf(!hasChromium)('shows every job with its run count, success rate, percentiles and last run', async () => {
      const { page, problems, response } = await open('/')
      expect(response?.status()).toBe(200)
      const rows = await page.$$eval('table#jobs tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')))
      expect(rows.map((cells) => cells[0])).toEqual(jobs.map((job) => job.name))
      for (const job of jobs) {
        const stats = await admin.executions.stats({ jobId: job.id })
        const cells = rows.find((row) => row[0] === job.name)!
        expect(cells[1]).toBe(stats.total.toLocaleString('en-US'))
        expect(cells[2]).toBe(`${((stats.success_rate ?? 0) * 100).toFixed(1)} %`)
        expect(cells[3]).not.toBe('–')
        expect(cells[4]).not.toBe('–')
        expect(cells[6]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC (SUCCEEDED|FAILED|QUEUED|RUNNING|CANCELLED)$/)
      }
      expect(await page.$eval('[data-stat="total"]', (el) => el.textContent)).toBe((await admin.executions.stats()).total.toLocaleString('en-US'))
      await page.screenshot({ path: '/tmp/dashboard-overview.png', fullPage: true })
      expect(problems).toEqual([])
    })

    it.skipIf(!hasChromium)('narrows the overview to the job picked in the form and to runs after "from"', async () => {
      const { page, problems } = await open('/')
      const job = jobs[1]!
      await page.select('select[name="job"]', job.id)
      await Promise.all([page.waitForNavigation(), page.click('form.filters button[type="submit"]')])
      expect(new URL(page.url()).searchParams.get('job')).toBe(job.id)
      expect(await rowAttributes(page, 'jobs', 'data-job')).toEqual([job.name])

      // After every run: each job is listed with no runs.
      await page.goto(`${server.url}/?from=2030-01-01T00:00`, { waitUntil: 'load' })
      const runs = await page.$$eval('table#jobs tbody tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent))
      expect(runs).toEqual(jobs.map(() => '0'))
      expect(await page.$eval('input[name="from"]', (input) => input.getAttribute('value'))).toBe('2030-01-01T00:00')
      expect(problems).toEqual([])
    })

    it.skipIf(!hasChromium)('draws the timeline with one point per listed execution, coloured by status', async () => {
      const { page, problems } = await open('/dashboard/runs')
      await page.waitForSelector('#timeline-chart[data-points]')
      const statuses = await rowAttributes(page, 'executions', 'data-status')
      const expected = (await admin.executions.list({ limit: 200 })).items
      expect(statuses).toEqual(expected.map((execution) => execution.status))
      expect(Number(await page.$eval('#timeline-chart', (el) => el.getAttribute('data-points')))).toBe(expected.length)
      expect(await page.$$eval('#timeline-chart canvas', (canvases) => canvases.length)).toBeGreaterThan(0)
      const legend = await page.$$eval('#timeline-chart .u-legend .u-series th', (ths) => ths.map((th) => th.textContent?.trim()))
      expect(legend).toEqual(expect.arrayContaining([...new Set(statuses)]))
      await page.screenshot({ path: '/tmp/dashboard-timeline.png', fullPage: true })
      expect(problems).toEqual([])
    })

    it.skipIf(!hasChromium)('narrows the timeline by status, environment, job and time range, each in the URL', async () => {
      const { page, problems } = await open('/dashboard/runs?status=FAILED')
      const failed = await everyExecution({ column: 'status', operator: '==', value: 'FAILED' })
      expect(failed.length).toBeGreaterThan(0)
      expect(await rowAttributes(page, 'executions', 'data-status')).toEqual(failed.map(() => 'FAILED'))
      await page.waitForSelector('#timeline-chart[data-points]')
      expect(Number(await page.$eval('#timeline-chart', (el) => el.getAttribute('data-points')))).toBe(failed.length)

      await page.goto(`${server.url}/dashboard/runs?environment=DEV`, { waitUntil: 'load' })
      expect(await rowAttributes(page, 'executions', 'data-environment')).toEqual(['DEV', 'DEV', 'DEV'])

      const job = jobs[2]!
      await page.goto(`${server.url}/dashboard/runs?job=${job.id}&limit=1000`, { waitUntil: 'load' })
      const ofJob = await everyExecution({ column: 'job_id', operator: '==', value: job.id })
      const shownJobs = await rowAttributes(page, 'executions', 'data-job')
      expect(shownJobs).toHaveLength(ofJob.length)
      expect(new Set(shownJobs)).toEqual(new Set([job.name]))

      // Two hours of the simulated day: only the runs queued in them.
      const from = '2026-03-09T06:00'
      const to = '2026-03-09T08:00'
      await page.goto(`${server.url}/dashboard/runs?from=${from}&to=${to}`, { waitUntil: 'load' })
      const inRange = (await everyExecution()).filter((execution) => execution.queued_at >= new Date(`${from}Z`) && execution.queued_at < new Date(`${to}Z`))
      expect(inRange.length).toBeGreaterThan(0)
      const times = await page.$$eval('table#executions tbody tr td:first-child', (tds) => tds.map((td) => td.textContent?.trim()))
      expect(times).toEqual(inRange.map((execution) => `${execution.queued_at.toISOString().slice(0, 19).replace('T', ' ')} UTC`))
      expect(problems).toEqual([])
    })

    it.skipIf(!hasChromium)('shows a retried run with its attempts, component bars and events', async () => {
      const retried = (await everyExecution()).find((execution) => execution.attempt_count > 1 && execution.status === 'SUCCEEDED')
      expect(retried).toBeDefined()
      const detail = await admin.executions.get(retried!.id, { include: { attempts: true, componentRuns: true, events: true } })
      const { page, problems } = await open(`/dashboard/runs/${retried!.id}`)
      expect(await rowAttributes(page, 'attempts', 'data-status')).toEqual(detail.attempts!.map((attempt) => attempt.status))
      const sections = await page.$$('section.components')
      expect(sections).toHaveLength(detail.attempts!.length)
      const last = detail.attempts!.at(-1)!
      const lastRuns = detail.component_runs!.filter((run) => run.attempt_id === last.id)
      const bars = await page.$$eval(`section.components[data-attempt="${last.attempt_number}"] .duration-bars svg`, (svgs) =>
        svgs.map((svg) => ({ component: svg.getAttribute('data-component'), width: Number(svg.querySelector('rect.bar-duration')?.getAttribute('width')) })),
      )
      expect(bars.map((bar) => bar.component).sort()).toEqual(lastRuns.map((run) => run.component_name).sort())
      expect(bars.every((bar) => bar.width > 0 && bar.width <= 100)).toBe(true)
      expect(Math.max(...bars.map((bar) => bar.width))).toBe(100)
      const lineBars = await page.$$eval(`section.components[data-attempt="${last.attempt_number}"] .line-bars svg rect.bar-forwarded`, (rects) => rects.length)
      expect(lineBars).toBe(lastRuns.length)
      expect(await rowAttributes(page, 'events', 'data-level')).toEqual(detail.events!.map((event) => event.level))
      await page.screenshot({ path: '/tmp/dashboard-run.png', fullPage: true })
      expect(problems).toEqual([])
    })

    it.skipIf(!hasChromium)('lists failures with their errors, markup shown as text, and narrows them by environment', async () => {
      const { page, problems } = await open('/dashboard/failures?limit=1000')
      const failed = await everyExecution({ column: 'status', operator: '==', value: 'FAILED' })
      const errors = await page.$$eval('table#failures tbody tr .error-text', (pres) => pres.map((pre) => pre.textContent))
      expect(errors).toEqual(failed.map((execution) => execution.error?.message))
      expect(errors).toContain(HOSTILE)
      expect(await page.$('#injected')).toBeNull()
      expect(await page.evaluate('window.injected')).toBeUndefined()

      await page.goto(`${server.url}/dashboard/failures?environment=DEV`, { waitUntil: 'load' })
      expect(await rowAttributes(page, 'failures', 'data-environment')).toEqual(['DEV'])
      expect(await page.$eval('table#failures a', (a) => a.getAttribute('href'))).toBe(`/dashboard/runs/${dev.failed}`)
      await page.screenshot({ path: '/tmp/dashboard-failures.png', fullPage: true })
      expect(problems).toEqual([])
    })

    it.skipIf(!hasChromium)('fits a 390 px phone screen on every page, without sideways scrolling', async () => {
      const retried = (await everyExecution()).find((execution) => execution.attempt_count > 1)!
      for (const [name, path] of [
        ['overview', '/'],
        ['timeline', '/dashboard/runs'],
        ['run', `/dashboard/runs/${retried.id}`],
        ['failures', '/dashboard/failures'],
        ['sign-in', '/dashboard/sign-in'],
      ] as const) {
        const { page, problems } = await open(path, 390)
        const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')
        await page.screenshot({ path: `/tmp/dashboard-phone-${name}.png` })
        expect({ name, overflow }).toEqual({ name, overflow: 0 })
        expect(problems).toEqual([])
        await page.close()
      }
    })

    it.skipIf(!hasChromium)('answers a bad filter with a page naming the query field', async () => {
      const watched = await watchedPage(browser)
      const response = await watched.page.goto(`${server.url}/dashboard/runs?status=DONE&from=yesterday`)
      expect(response?.status()).toBe(422)
      const issues = await watched.page.$$eval('#problem li code', (codes) => codes.map((code) => code.textContent))
      expect(issues.sort()).toEqual(['query.from', 'query.status'])
    })

    it.skipIf(!hasChromium)('sends a browser without a token to sign in, and signs in with a real token to where it was going', async () => {
      const { token } = await admin.tokens.create({ principal: { id: 'ana', roles: ['viewer'] }, name: 'dashboard test' })
      const { page, problems } = await watchedPage(browser)
      const first = await page.goto(`${guarded.url}/dashboard/runs?status=FAILED`, { waitUntil: 'load' })
      const signIn = new URL(page.url())
      expect(
        first
          ?.request()
          .redirectChain()
          .map((request) => request.response()?.status()),
      ).toEqual([303])
      expect(signIn.pathname).toBe('/dashboard/sign-in')
      expect(signIn.searchParams.get('next')).toBe('/dashboard/runs?status=FAILED')
      expect(await page.$('#anonymous-notice')).toBeNull()

      await page.type('input[name="token"]', token)
      await Promise.all([page.waitForNavigation(), page.click('form.sign-in button[type="submit"]')])
      expect(page.url()).toBe(`${guarded.url}/dashboard/runs?status=FAILED`)
      expect(await rowAttributes(page, 'executions', 'data-status')).toEqual([
        ...(await everyExecution({ column: 'status', operator: '==', value: 'FAILED' })).map(() => 'FAILED'),
      ])
      const [cookie] = await page.cookies()
      expect(cookie).toMatchObject({ name: 'etlp_token', value: token, httpOnly: true, sameSite: 'Strict', path: '/' })

      await Promise.all([page.waitForNavigation(), page.click('form.sign-out button[type="submit"]')])
      expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in')
      expect(await page.cookies()).toEqual([])
      expect(problems).toEqual([])
    })

    it.skipIf(!hasChromium)('refuses an unknown token, and drops a cookie whose token was revoked', async () => {
      const { page } = await watchedPage(browser)
      await page.goto(`${guarded.url}/dashboard/sign-in`, { waitUntil: 'load' })
      await page.type('input[name="token"]', 'etlp_not_a_real_token')
      const [answer] = await Promise.all([page.waitForNavigation(), page.click('form.sign-in button[type="submit"]')])
      expect(answer?.status()).toBe(401)
      expect(await page.$eval('#sign-in-error', (el) => el.textContent)).toMatch(/unknown or revoked/)
      expect(await page.cookies()).toEqual([])

      const { id, token } = await admin.tokens.create({ principal: { id: 'bob', roles: ['viewer'] } })
      await page.setCookie({ name: 'etlp_token', value: token, url: guarded.url })
      expect((await page.goto(`${guarded.url}/`, { waitUntil: 'load' }))?.status()).toBe(200)
      await admin.tokens.revoke(id)
      await page.goto(`${guarded.url}/`, { waitUntil: 'load' })
      expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in')
      expect(await page.$('form.sign-in')).not.toBeNull()
      expect(await page.cookies()).toEqual([])
    })

    it("reads as the token's principal: one without executions:read gets a 403 page", async () => {
      const { token } = await admin.tokens.create({ principal: { id: 'nobody', roles: [] } })
      const response = await fetch(`${guarded.url}/dashboard/runs`, { headers: { cookie: `etlp_token=${token}` } })
      expect(response.status).toBe(403)
      expect(response.headers.get('content-type')).toMatch(/^text\/html/)
      expect(await response.text()).toMatch(/id="problem" data-status="403"/)
    })

    it('serves uPlot and the styles without a token, and pages only with one', async () => {
      for (const asset of [
        '/dashboard/assets/uPlot.iife.min.js',
        '/dashboard/assets/uPlot.min.css',
        '/dashboard/assets/dashboard.css',
        '/dashboard/assets/charts.js',
      ]) {
        const response = await fetch(guarded.url + asset)
        expect({ asset, status: response.status }).toEqual({ asset, status: 200 })
      }
      expect(await (await fetch(`${guarded.url}/dashboard/assets/uPlot.iife.min.js`)).text()).toMatch(/uPlot/)
      const page = await fetch(`${guarded.url}/dashboard/failures`, { redirect: 'manual' })
      expect(page.status).toBe(303)
      expect(page.headers.get('location')).toBe('/dashboard/sign-in?next=%2Fdashboard%2Ffailures')
      const signIn = await fetch(`${guarded.url}/dashboard/sign-in`)
      expect(signIn.status).toBe(200)
      expect(signIn.headers.get('content-security-policy')).toMatch(/script-src 'self'/)
    })

    it('answers an unknown run with a 404 page and a malformed id with its path', async () => {
      const unknown = await fetch(`${server.url}/dashboard/runs/01a23b0f-3846-717d-844f-000000000000`)
      expect(unknown.status).toBe(404)
      expect(await unknown.text()).toMatch(/<h1>Not found<\/h1>/)
      const malformed = await fetch(`${server.url}/dashboard/runs/not-a-uuid`)
      expect(malformed.status).toBe(422)
      expect(await malformed.text()).toContain('<code>params.id</code>')
    })

    it('keeps the dashboard out of the OpenAPI document', async () => {
      const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, unknown> }
      expect(Object.keys(document.paths).length).toBeGreaterThan(0)
      expect(Object.keys(document.paths).filter((path) => path === '/' || path.startsWith('/dashboard'))).toEqual([])
    })

    it('signs in only to a path on this server', async () => {
      const response = await fetch(`${guarded.url}/dashboard/sign-in?next=//evil.example/`)
      const markup = await response.text()
      expect(markup).toContain('name="next" value="/"')
    })
  },
  ['sqlite'],
)
