import { beforeAll, afterAll, expect, it } from 'vitest'
import { runDemo } from '../src/demo/demo-run.js'
import type { ListedExecution } from '../src/repositories/execution-list.js'
import { demoClock, seedDevRuns } from './helpers/dashboard-browser.js'
import { describeEngines } from './helpers/engines.js'
import { startTestServer, type TestServer } from './helpers/http-server.js'

/** The value of `attribute` on each row of the table with this id, read from the markup. */
function rowsOf(markup: string, table: string, attribute: string): string[] {
  const body = new RegExp(`<table class="rows" id="${table}">[\\s\\S]*?<tbody>([\\s\\S]*?)</tbody>`).exec(markup)?.[1] ?? ''
  return [...body.matchAll(new RegExp(`<tr[^>]* ${attribute}="([^"]*)"`, 'g'))].map((match) => match[1] ?? '')
}

describeEngines(
  'dashboard pages over the data queries',
  (target) => {
    let server: TestServer
    let jobs: Array<{ id: string; name: string }>

    beforeAll(async () => {
      const clock = demoClock()
      server = await startTestServer(target(), {}, { clock: clock.now })
      await runDemo({ store: server.store, clock })
      jobs = (await server.store.jobs.list({ order_by: 'name' })).items.map(({ id, name }) => ({ id, name }))
      await seedDevRuns(server.store, jobs[0]!.id, 'disk <full>')
    }, 300_000)

    afterAll(async () => {
      await server?.server.close()
    })

    const pageOf = async (path: string) => {
      const response = await server.http(path)
      expect({ path, status: response.status }).toEqual({ path, status: 200 })
      return response.text()
    }
    const listed = async (where?: unknown): Promise<ListedExecution[]> =>
      (await server.store.executions.list({ ...(where ? { where } : {}), limit: 1000 })).items

    it('aggregates each job with executions.stats, also from a start time', async () => {
      const overview = await pageOf('/')
      expect(rowsOf(overview, 'jobs', 'data-job')).toEqual(jobs.map((job) => job.name))
      for (const job of jobs) {
        const stats = await server.store.executions.stats({ jobId: job.id })
        expect(overview).toContain(
          `<a href="/dashboard/runs?job=${job.id}">${job.name}</a></td>\n        <td class="num" data-label="Runs">${stats.total}</td>`,
        )
      }
      const late = await pageOf('/?from=2026-03-09T20:00')
      const since = await server.store.executions.stats({ since: new Date('2026-03-09T20:00:00Z') })
      expect(since.total).toBeGreaterThan(0)
      expect(late).toContain(`<dd data-stat="total">${since.total}</dd>`)
    })

    it('narrows the overview by environment, status and end time, as executions.stats does', async () => {
      const cases: Array<[string, Parameters<typeof server.store.executions.stats>[0]]> = [
        ['?environment=DEV', { environment: 'DEV' }],
        ['?status=FAILED', { status: 'FAILED' }],
        ['?to=2026-03-09T12:00', { until: new Date('2026-03-09T12:00:00Z') }],
      ]
      const totals = new Set<number>()
      for (const [query, scope] of cases) {
        const stats = await server.store.executions.stats(scope)
        totals.add(stats.total)
        expect(await pageOf(`/${query}`), query).toContain(`<dd data-stat="total">${stats.total}</dd>`)
      }
      // The demo's data tells these filters apart: each case counts something else.
      expect(totals.size).toBe(cases.length)
    })

    it('lists the timeline by each filter as executions.list does', async () => {
      const job = jobs[1]!
      const cases: Array<[string, unknown]> = [
        ['', undefined],
        ['?status=SUCCEEDED', { column: 'status', operator: '==', value: 'SUCCEEDED' }],
        ['?environment=DEV', { column: 'environment', operator: '==', value: 'DEV' }],
        [`?job=${job.id}`, { column: 'job_id', operator: '==', value: job.id }],
        [
          '?from=2026-03-09T06:00&to=2026-03-09T12:00',
          {
            logical_operator: 'AND',
            rules: [
              { column: 'queued_at', operator: '>=', value: '2026-03-09T06:00:00.000Z' },
              { column: 'queued_at', operator: '<', value: '2026-03-09T12:00:00.000Z' },
            ],
          },
        ],
      ]
      for (const [query, where] of cases) {
        const markup = await pageOf(`/dashboard/runs${query}${query === '' ? '?' : '&'}limit=1000`)
        const expected = await listed(where)
        expect(expected.length).toBeGreaterThan(0)
        expect({ query, statuses: rowsOf(markup, 'executions', 'data-status') }).toEqual({ query, statuses: expected.map((execution) => execution.status) })
      }
      expect(rowsOf(await pageOf('/dashboard/runs?environment=DEV'), 'executions', 'data-environment')).toEqual(['DEV', 'DEV', 'DEV'])
    })

    it('shows a run with a bar per component run and its events', async () => {
      const [run] = (await listed()).filter((execution) => execution.environment === 'PROD' && execution.attempt_count > 0)
      const detail = await server.store.executions.get(run!.id, { include: { attempts: true, componentRuns: true, events: true } })
      const markup = await pageOf(`/dashboard/runs/${run!.id}`)
      expect(rowsOf(markup, 'attempts', 'data-status')).toEqual(detail.attempts!.map((attempt) => attempt.status))
      expect(markup.match(/<rect class="bar-duration"/g)).toHaveLength(detail.component_runs!.length)
      expect(rowsOf(markup, 'events', 'data-level')).toEqual(detail.events!.map((event) => event.level))
    })

    it('lists the failures with their escaped errors', async () => {
      const markup = await pageOf('/dashboard/failures?environment=DEV')
      expect(rowsOf(markup, 'failures', 'data-environment')).toEqual(['DEV'])
      expect(markup).toContain('<pre class="error-text">disk &lt;full&gt;</pre>')
    })
  },
  ['postgres'],
)
