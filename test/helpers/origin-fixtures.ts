import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * Job files of our own in the origin's format (test/fixtures/origin-jobs/): together
 * they use every built-in component type and every field of the origin's component
 * model, as files and as the origin's API returns a job.
 */
export const ORIGIN_FIXTURES_DIR = fileURLToPath(new URL('../fixtures/origin-jobs/', import.meta.url))

export type JobJson = Record<string, any>

export function originFixtureNames(): string[] {
  return readdirSync(ORIGIN_FIXTURES_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
}

/** A fresh copy of one fixture, parsed. */
export function originFixture(file: string): JobJson {
  return JSON.parse(readFileSync(`${ORIGIN_FIXTURES_DIR}${file}`, 'utf8')) as JobJson
}

/** A copy of `file` changed by `change` (which may mutate it). */
export function changedFixture(file: string, change: (job: JobJson) => void): JobJson {
  const job = originFixture(file)
  change(job)
  return job
}

/** The component of that name. */
export function component(job: JobJson, name: string): JobJson {
  const found = (job.components as JobJson[]).find((candidate) => candidate.name === name)
  if (!found) throw new Error(`no component ${name}`)
  return found
}
