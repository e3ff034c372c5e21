import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/jobs/', import.meta.url))

/** The committed example job files, parsed. */
export function exampleJobs(): Array<{ file: string; config: Record<string, unknown> }> {
  return readdirSync(EXAMPLES_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ file, config: JSON.parse(readFileSync(`${EXAMPLES_DIR}${file}`, 'utf8')) as Record<string, unknown> }))
}

/**
 * A job of `2 * pairs` components and `2 * pairs + chained` links: each reader feeds two
 * writers, and the first `chained` writers pass what they wrote on to the next one.
 */
export function largeJob(name: string, pairs = 250, chained = 100): Record<string, unknown> {
  const components: Record<string, unknown>[] = []
  for (let i = 0; i < pairs; i++) {
    components.push({
      comp_type: 'read_csv',
      name: `read_${i}`,
      filepath: `in/${i}.csv`,
      routes: { out: [`write_${i}`, { to: `write_${(i + 1) % pairs}`, in_port: 'in' }] },
      layout: { x_coord: i, y_coord: 0 },
    })
  }
  for (let i = 0; i < pairs; i++) {
    components.push({
      comp_type: 'write_csv',
      name: `write_${i}`,
      filepath: `out/${i}.csv`,
      ...(i < chained ? { routes: { out: [`write_${i + 1}`] } } : {}),
      layout: { x_coord: i, y_coord: 100 },
    })
  }
  return { name, strategy_type: 'bulk', components }
}
