#!/usr/bin/env node
// Imports the origin's (bidiac-de/etl-core) job files and checks the round trip: each
// file is saved into a fresh in-memory SQLite store, exported back and compared with
// the file as JSON values (key order and whitespace aside), then saved again and the
// content hashes compared. Runs against dist/ (npm run build first).
//
//   node scripts/check-origin-jobs.mjs [directory]
//
// With a directory: every *.json file under it. Without: the origin's job files
// (tests/combinations_jobs/**/*.json and cli_examples_mongo/job_mongo_test.json) read
// with `git show` from a fetched copy of the origin, ORIGIN_GIT_DIR (by default
// /work/.mirror/bidiac-de+etl-core/repo). Exits 1 unless every file passes.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { openStore } from '../dist/index.js'

const ORIGIN_JOB_FILE = /^(tests\/combinations_jobs\/.*\.json|cli_examples_mongo\/job_mongo_test\.json)$/

function filesFromDirectory(root) {
  const found = []
  const walk = (dir) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry)
      if (statSync(path).isDirectory()) walk(path)
      else if (entry.endsWith('.json')) found.push({ name: relative(root, path), text: () => readFileSync(path, 'utf8') })
    }
  }
  walk(root)
  return found
}

function filesFromGit(gitDir) {
  const git = (...args) => execFileSync('git', ['-C', gitDir, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  return git('ls-tree', '-r', '--name-only', 'HEAD')
    .split('\n')
    .filter((path) => ORIGIN_JOB_FILE.test(path))
    .sort()
    .map((path) => ({ name: path, text: () => git('show', `HEAD:${path}`) }))
}

async function check(file) {
  const config = JSON.parse(file.text())
  const store = await openStore({ database: { url: 'sqlite://:memory:' } })
  try {
    await store.migrate()
    const job = await store.jobs.create(config)
    const exported = await store.jobs.export(job.id)
    // As JSON values: the file parsed, the export through the same JSON round trip.
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(exported)), config)) return { ok: false, reason: 'the export differs from the file', job }
    const again = await store.jobs.create(exported)
    if (again.content_hash !== job.content_hash) return { ok: false, reason: `re-import hash ${again.content_hash} ≠ ${job.content_hash}`, job }
    return { ok: true, job }
  } finally {
    await store.close()
  }
}

const directory = process.argv[2]
const files = directory ? filesFromDirectory(directory) : filesFromGit(process.env.ORIGIN_GIT_DIR ?? '/work/.mirror/bidiac-de+etl-core/repo')
let passed = 0
for (const file of files) {
  try {
    const { ok, reason, job } = await check(file)
    if (ok) passed++
    const warnings = job.warnings.length === 0 ? '' : ` (${job.warnings.length} warning${job.warnings.length === 1 ? '' : 's'})`
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${file.name}${ok ? warnings : `: ${reason}`}`)
    for (const warning of job.warnings) console.log(`       warning ${warning.path}: ${warning.message}`)
  } catch (error) {
    console.log(`FAIL ${file.name}: ${error?.message ?? error}`)
    for (const issue of error?.issues ?? []) console.log(`       ${issue.path}: ${issue.message}`)
  }
}
console.log(`${passed} of ${files.length} import and round-trip`)
process.exitCode = passed === files.length && files.length > 0 ? 0 : 1
