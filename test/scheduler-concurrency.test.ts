import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { nextOccurrence } from '../src/schedules/next-fire.js'
import { describeEngines } from './helpers/engines.js'
import { createJob, openSecretStore, writeKeyFile } from './helpers/secret-store.js'

const SCHEDULER = fileURLToPath(new URL('./fixtures/scheduler-loop.mjs', import.meta.url))
const DAY_START = new Date('2026-06-01T00:00:00.000Z')
const DAY_END = new Date('2026-06-02T00:00:00.000Z')
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata']

function runScheduler(configFile: string, stepMs: number): Promise<Array<[string, string]>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCHEDULER, configFile, DAY_START.toISOString(), DAY_END.toISOString(), String(stepMs)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(stdout) as Array<[string, string]>)
      else reject(new Error(`scheduler exited ${code}: ${stderr}`))
    })
  })
}

describeEngines('schedules.due() under two scheduler processes', (target) => {
  it('fires every occurrence of 100 cron schedules over a simulated day exactly once', async () => {
    const store = await openSecretStore(target(), writeKeyFile(target().dir).path)
    const jobId = await createJob(store, 'scheduled_job')
    const schedules = []
    for (let i = 0; i < 100; i++) {
      // Half hourly-ish at staggered minutes, half every 15 or 30 minutes in four time zones.
      const cron = i < 50 ? { expression: `${i} */${(i % 3) + 1} * * *` } : { expression: `*/${i % 2 === 0 ? 15 : 30} * * * *`, timezone: ZONES[i % 4] }
      schedules.push(await store.schedules.create({ name: `s${i}`, job_id: jobId, trigger: { cron } }, DAY_START))
    }
    const expected = new Set<string>()
    for (const schedule of schedules) {
      for (let at = schedule.next_fire_at; at !== null && at <= DAY_END; at = nextOccurrence(schedule.trigger, at)) {
        expected.add(`${schedule.id}@${at.toISOString()}`)
      }
    }
    const configFile = join(target().dir, 'scheduler-config.json')
    writeFileSync(configFile, JSON.stringify(target().config()))
    // The same simulated clock in both, so they ask for the same instants at once.
    const [first, second] = await Promise.all([runScheduler(configFile, 300_000), runScheduler(configFile, 300_000)])
    const counts = new Map<string, number>()
    for (const [id, at] of [...first, ...second]) counts.set(`${id}@${at}`, (counts.get(`${id}@${at}`) ?? 0) + 1)
    const duplicated = [...counts].filter(([, count]) => count > 1)
    expect(duplicated).toEqual([])
    expect(new Set(counts.keys())).toEqual(expected)
    // An independent count: 17 × 24 + 17 × 12 + 16 × 8 + 25 × 96 + 25 × 48 within the day,
    // plus the closing midnight for the 50 quarter/half-hourly ones and `0 */1 * * *`.
    expect(expected.size).toBe(17 * 24 + 17 * 12 + 16 * 8 + 25 * 96 + 25 * 48 + 51)
  }, 180_000)
})
