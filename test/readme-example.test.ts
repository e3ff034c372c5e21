import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const README = fileURLToPath(new URL('../README.md', import.meta.url))
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url))

/** The README's library example, exactly as written, pointed at the built package. */
function libraryExample(): string {
  const text = readFileSync(README, 'utf8')
  const match = /<!-- example:library[^>]*-->\s*```ts\n([\s\S]*?)```\s*<!-- \/example:library -->/.exec(text)
  if (!match?.[1]) throw new Error('README.md has no <!-- example:library --> block')
  return match[1].replace("from 'etl-persistence'", `from ${JSON.stringify(DIST)}`)
}

describe('README', () => {
  it('runs the library example as written and prints the failure it recorded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'etlp-readme-'))
    const file = join(dir, 'example.mjs')
    writeFileSync(file, libraryExample())
    const output = execFileSync(process.execPath, [file], {
      cwd: dir,
      env: { ...process.env, ETLP_DATABASE_URL: '', ETLP_CONFIG: '' },
      encoding: 'utf8',
    })
    expect(output.trim()).toBe('orders_daily 2 disk full')
  })

  it('gives the two-command quick start', () => {
    const text = readFileSync(README, 'utf8')
    expect(text).toMatch(/npm start/)
    expect(text).toMatch(/npm test/)
  })
})
