import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import type { ExecutionStats } from '../src/repositories/execution-stats.js'
import { runCli } from './helpers/cli.js'
import { describeEngines } from './helpers/engines.js'
import { createJob, openExecutionStore } from './helpers/execution-store.js'

describeEngines('etlp executions', (target) => {
  const cli = (config: string, ...args: string[]) => runCli(['--config', config, ...args])

  it('lists, shows, summarises and purges executions', async () => {
    const store = await openExecutionStore(target())
    const jobId = await createJob(store)
    const job = await store.jobs.get(jobId)
    const ids: string[] = []
    for (const status of ['SUCCEEDED', 'FAILED', 'SUCCEEDED'] as const) {
      const execution = await store.executions.start({ jobId, environment: 'PROD' })
      const attempt = await store.executions.startAttempt(execution.id)
      await store.executions.recordComponentRuns(attempt.id, [{ component_name: 'read', lines_received: 5, lines_forwarded: 5 }])
      await store.executions.appendEvents(execution.id, [{ message: 'started' }])
      await store.executions.finishAttempt(attempt.id, { status, ...(status === 'FAILED' ? { error: { message: 'boom' } } : {}) })
      ids.push(execution.id)
    }
    const config = target().configFile()

    const listed = await cli(config, '--json', 'executions', 'list', '--job', job.name, '--status', 'failed', '--total')
    expect(listed.code, listed.stderr).toBe(0)
    const page = JSON.parse(listed.stdout) as { items: Array<{ id: string; job_name: string }>; total: number }
    expect(page.total).toBe(1)
    expect(page.items[0]).toMatchObject({ id: ids[1], job_name: job.name })
    const human = await cli(config, 'executions', 'list', '--since', '1h')
    expect(human.stdout).toContain(ids[0])

    const shown = await cli(config, '--json', 'executions', 'show', ids[1] ?? '', '--attempts', '--runs', '--events')
    expect(shown.code, shown.stderr).toBe(0)
    expect(JSON.parse(shown.stdout)).toMatchObject({ status: 'FAILED', error: { message: 'boom' }, events: [{ message: 'started' }] })

    const stats = await cli(config, '--json', 'executions', 'stats', '--job', jobId)
    expect((JSON.parse(stats.stdout) as ExecutionStats).by_status).toMatchObject({ SUCCEEDED: 2, FAILED: 1 })
    expect((await cli(config, 'executions', 'stats')).stdout).toContain('success rate')

    const future = new Date(Date.now() + 60_000).toISOString()
    const dry = await cli(config, '--json', 'executions', 'purge', '--older-than', future, '--dry-run')
    expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true, executions: 3, component_runs: 3, events: 3 })
    const purged = await cli(config, 'executions', 'purge', '--older-than', future, '--status', 'SUCCEEDED', '--batch-size', '1')
    expect(purged.code, purged.stderr).toBe(0)
    expect(purged.stdout).toContain('Deleted 2 executions')
    expect((await store.executions.list({ total: true })).total).toBe(1)
  })

  it('reports an unknown execution as not_found (exit 1) and a missing option as a usage error (exit 2)', async () => {
    await openExecutionStore(target())
    const config = target().configFile()
    const missing = await cli(config, 'executions', 'show', '01900000-0000-7000-8000-000000000000')
    expect(missing.code).toBe(1)
    expect(JSON.parse(missing.stderr).persistence_error.error_type).toBe('not_found')
    const usage = await cli(config, 'executions', 'purge', '--bogus')
    expect(usage.code, usage.stderr).toBe(2)
    const badAge = await cli(config, 'executions', 'purge', '--older-than', 'soon')
    expect(JSON.parse(badAge.stderr).persistence_error.issues[0].path).toBe('--older-than')
    const noAge = await cli(config, 'executions', 'purge')
    expect(JSON.parse(noAge.stderr).persistence_error.issues[0].path).toBe('options.olderThan')
  })

  it('exports executions as JSON Lines, newest first, to stdout or a file', async () => {
    const store = await openExecutionStore(target())
    const jobId = await createJob(store)
    const job = await store.jobs.get(jobId)
    for (const environment of ['DEV', 'PROD', 'PROD']) await store.executions.start({ jobId, environment })
    const config = target().configFile()

    const printed = await cli(config, 'executions', 'export', '--job', job.name, '--environment', 'PROD')
    expect(printed.code, printed.stderr).toBe(0)
    const lines = printed.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; job_name: string })
    const listed = await store.executions.list({
      where: {
        logical_operator: 'AND',
        rules: [
          { column: 'job_id', operator: '==', value: jobId },
          { column: 'environment', operator: '==', value: 'PROD' },
        ],
      },
    })
    expect(listed.items).toHaveLength(2)
    expect(lines.map((line) => line.id)).toEqual(listed.items.map((item) => item.id))
    expect(lines[0]?.job_name).toBe(job.name)

    const file = join(target().dir, 'executions.jsonl')
    const written = await cli(config, '--json', 'executions', 'export', '--limit', '2', '-o', file)
    expect(written.code, written.stderr).toBe(0)
    expect(JSON.parse(written.stdout)).toEqual({ exported: 2, file })
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(2)
  })
})
