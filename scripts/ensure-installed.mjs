// Makes `npm start` and `npm test` work on a fresh clone: installs the dependencies
// when they are missing or broken, and builds `dist/` when it is missing or stale.
// Uses nothing but Node itself, since it runs before anything is installed.
import { execSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

function run(command) {
  console.error(`[setup] ${command}`)
  execSync(command, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
}

function dependenciesWork() {
  if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) return false
  try {
    const require = createRequire(join(root, 'package.json'))
    const Database = require('better-sqlite3')
    new Database(':memory:').close()
    // The dependencies and the dev tools `npm test` and .ci/run use; a clone that predates
    // one of them (the linter, the formatter) gets it installed here.
    const packages = ['kysely', 'pg', 'mysql2', 'zod', 'commander', 'fastify', 'uplot', 'typescript', 'vitest', 'fast-check', 'puppeteer-core']
    const tools = ['eslint', '@eslint/js', 'typescript-eslint', 'eslint-config-prettier', 'globals', 'prettier']
    for (const name of [...packages, ...tools]) require.resolve(name)
    return true
  } catch {
    return false
  }
}

function newestMtime(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)
  }
  return newest
}

function buildIsCurrent() {
  const built = join(root, 'dist', 'cli', 'main.js')
  if (!existsSync(built)) return false
  const sources = Math.max(newestMtime(join(root, 'src')), statSync(join(root, 'package.json')).mtimeMs)
  return statSync(built).mtimeMs >= sources
}

if (!dependenciesWork()) {
  run('npm ci --no-audit --no-fund')
  if (!dependenciesWork()) run('npm rebuild better-sqlite3')
}
if (!buildIsCurrent()) run('npm run build')
