import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { describeEngines, exec } from './helpers/engines.js'

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

function run(
  script: string,
  args: string[],
  onLine?: (line: string, kill: () => void) => void,
): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture(script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      for (const line of chunk.toString().split('\n')) if (line) onLine?.(line, () => child.kill('SIGKILL'))
    })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout }))
  })
}

describeEngines('job saves across processes', (target) => {
  it('lets exactly one of two processes updating from the same version win; the other gets conflict', async () => {
    const store = await target().open()
    await store.migrate()
    const job = await store.jobs.create({
      name: 'contended',
      components: [
        { comp_type: 'read_csv', name: 'read', filepath: 'in.csv', routes: { out: ['write'] } },
        { comp_type: 'write_csv', name: 'write', filepath: 'v1.csv' },
      ],
    })
    const config = target().configFile()
    const startAt = String(Date.now() + 1500)
    const results = await Promise.all(
      ['a.csv', 'b.csv'].map((file) =>
        run('job-update-once.mjs', [config, job.id, '1', file, startAt]).then(
          (r) => JSON.parse(r.stdout) as { ok: boolean; version?: number; error_type?: string },
        ),
      ),
    )
    expect(results.filter((r) => r.ok)).toEqual([{ ok: true, version: 2 }])
    expect(results.filter((r) => !r.ok)).toMatchObject([{ ok: false, error_type: 'conflict' }])
    const winner = results[0]!.ok ? 'a.csv' : 'b.csv'
    const saved = await store.jobs.get(job.id, { include: { components: true, links: true } })
    expect(saved.current_version).toBe(2)
    expect(saved.components?.map((c) => c.payload.filepath)).toEqual(['in.csv', winner])
    expect((await store.jobs.getVersion(job.id, 2)).config).toMatchObject({ components: [{}, { filepath: winner }] })
    expect(await store.jobs.versions(job.id)).toHaveLength(2)
  }, 180_000)

  it('applies both of two updates without expectedVersion, one after the other', async () => {
    const store = await target().open()
    await store.migrate()
    const job = await store.jobs.create({
      name: 'last_writer_wins',
      components: [
        { comp_type: 'read_csv', name: 'read', filepath: 'in.csv', routes: { out: ['write'] } },
        { comp_type: 'write_csv', name: 'write', filepath: 'v1.csv' },
      ],
    })
    const startAt = String(Date.now() + 1500)
    const results = await Promise.all(
      ['c.csv', 'd.csv'].map((file) =>
        run('job-update-once.mjs', [target().configFile(), job.id, 'none', file, startAt]).then(
          (r) => JSON.parse(r.stdout) as { ok: boolean; version?: number; error_type?: string },
        ),
      ),
    )
    expect(
      results.map((r) => r.error_type),
      JSON.stringify(results),
    ).toEqual([undefined, undefined])
    expect(results.map((r) => r.version).sort()).toEqual([job.current_version + 1, job.current_version + 2])
    const versions = await Promise.all([1, 2].map((n) => store.jobs.getVersion(job.id, job.current_version + n)))
    const files = versions.map((v) => (v.config.components as Array<{ filepath: string }>)[1]!.filepath).sort()
    expect(files).toEqual(['c.csv', 'd.csv'])
  }, 180_000)

  it('leaves nothing of a job whose saving process is killed mid-transaction, and the job saves afterwards', async () => {
    const store = await target().open()
    await store.migrate()
    const count = async (table: string) => Number(((await exec(target().raw().db, `select count(*) as n from ${table}`))[0] as { n: unknown }).n)
    const before = await count('etl_components')
    const versionsBefore = await count('etl_job_versions')
    const result = await run('job-save-stalled.mjs', [target().configFile(), 'killed_mid_save', '1500'], (line, kill) => {
      if (line === 'stalled') kill()
    })
    expect(result.signal).toBe('SIGKILL')
    expect(result.stdout).not.toContain('saved')
    const { db } = target().raw()
    expect(await exec(db, "select id from etl_jobs where name = 'killed_mid_save'")).toEqual([])
    expect(await count('etl_components')).toBe(before)
    expect(await count('etl_job_versions')).toBe(versionsBefore)
    const components = Array.from({ length: 10 }, (_, i) =>
      i < 5
        ? { comp_type: 'read_csv', name: `r${i}`, filepath: 'in.csv', routes: { out: [`w${i}`] } }
        : { comp_type: 'write_csv', name: `w${i - 5}`, filepath: 'out.csv' },
    )
    const saved = await store.jobs.create({ name: 'killed_mid_save', components })
    expect(saved.component_count).toBe(10)
  }, 180_000)
})
