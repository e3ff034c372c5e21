import { expect, it } from 'vitest'
import { runCli } from './helpers/cli.js'
import { describeEngines } from './helpers/engines.js'

interface Report {
  day: { day: string; executions: number; attempts: number; failedAttempts: number; componentRuns: number }
  imported: string[]
  jobs: Array<{ name: string; stats: { total: number } }>
  overall: { total: number; by_status: Record<string, number>; slowest_components: unknown[]; duration_ms: { p50: number | null } }
}

describeEngines(
  'etlp demo (npm start)',
  (target) => {
    it('imports the example jobs, simulates a day, reports it, and adds a day when run again', async () => {
      const config = target().configFile()
      const first = await runCli(['--config', config, '--json', 'demo'])
      expect(first.code, first.stderr).toBe(0)
      const day1 = JSON.parse(first.stdout) as Report
      expect(day1.imported).toHaveLength(3)
      expect(day1.jobs.map((job) => job.name).sort()).toEqual(['customers_split_merge', 'orders_daily', 'sales_by_region'])
      expect(day1.day.executions).toBeGreaterThan(20)
      expect(day1.day.componentRuns).toBeGreaterThan(day1.day.executions)
      expect(day1.overall.total).toBe(day1.day.executions)
      expect(day1.overall.slowest_components.length).toBeGreaterThan(0)
      expect(day1.overall.duration_ms.p50).toBeGreaterThan(1000)

      const second = await runCli(['--config', config, '--json', 'demo'])
      expect(second.code, second.stderr).toBe(0)
      const day2 = JSON.parse(second.stdout) as Report
      expect(day2.imported).toEqual([])
      expect(Date.parse(day2.day.day) - Date.parse(day1.day.day)).toBe(86_400_000)
      expect(day2.overall.total).toBe(day1.day.executions + day2.day.executions)

      const human = await runCli(['--config', config, 'demo'])
      expect(human.code, human.stderr).toBe(0)
      expect(human.stdout).toMatch(/Executions by status/)
      expect(human.stdout).toMatch(/Try next/)
    })
  },
  ['sqlite', 'postgres'],
)
