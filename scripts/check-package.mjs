#!/usr/bin/env node
// The package as a user gets it. Packs the tarball as `npm publish` would (its `prepack`
// builds dist/ from the sources, in a staging copy so this checkout's dist/ is left
// alone), checks what it holds, installs it into an empty project with nothing else, and
// there runs `npx etlp demo` and `npx etlp doctor` on SQLite, `etlp serve` (its health,
// dashboard and API reference answer from the installed files), imports the library from
// an ESM file and type-checks a TypeScript file against its declarations with `strict`.
//
//   node scripts/check-package.mjs [--keep]
//
// Needs the npm registry (the install builds better-sqlite3 from source where no
// prebuilt binary can be downloaded: a minute or two). Exits 1 on the first failure.
import { execFileSync, spawn } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const keep = process.argv.includes('--keep')
const work = mkdtempSync(join(tmpdir(), 'etlp-package-'))
const repoPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

/** What the tarball must hold, and what it must never hold. */
const REQUIRED = [
  'package.json',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
  'dist/index.js',
  'dist/index.d.ts',
  'dist/cli/main.js',
  'examples/jobs/orders-daily-csv-to-db.json',
]
const FORBIDDEN = [
  [/^(test|bench|scripts|src|\.ci)\//, 'tests, benchmark, scripts or sources'],
  [/(?<!\.d)\.ts$/, 'a TypeScript source (only declarations belong in the package)'],
  [/\.map$/, 'a source map pointing at sources the package does not ship'],
  [/(^|\/)\.etlp\//, 'a local database'],
]

function step(title) {
  console.log(`[package] ${title}`)
}

function run(command, args, cwd, env = {}) {
  return execFileSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
}

function fail(message) {
  console.error(`[package] FAILED: ${message}`)
  process.exit(1)
}

/** A copy of what `npm pack` reads, with this checkout's node_modules for the build. */
function stage() {
  const dir = join(work, 'stage')
  // What the build needs, and every plain entry of package.json's `files` (dist/ is built).
  const shipped = repoPackage.files.filter((entry) => !/[*]/.test(entry))
  for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', ...shipped]) {
    mkdirSync(dirname(join(dir, entry)), { recursive: true })
    cpSync(join(root, entry), join(dir, entry), { recursive: true })
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir')
  return dir
}

function pack(stageDir) {
  step('npm pack (prepack builds dist/ from the sources)')
  const output = run('npm', ['pack', '--json', '--pack-destination', work], stageDir)
  const [report] = JSON.parse(output.slice(output.indexOf('[')))
  const paths = report.files.map((file) => file.path)
  for (const path of REQUIRED) if (!paths.includes(path)) fail(`the tarball lacks ${path}`)
  // The README is the package's front page on the registry: every file it links to ships.
  for (const [, link] of readFileSync(join(root, 'README.md'), 'utf8').matchAll(/\]\((?!https?:|#|mailto:)([^)#\s]+)/g)) {
    if (!paths.includes(link)) fail(`README.md links to ${link}, which the tarball lacks`)
  }
  for (const path of paths) {
    for (const [pattern, what] of FORBIDDEN) if (pattern.test(path)) fail(`the tarball holds ${what}: ${path}`)
  }
  console.log(`[package] ${report.filename}: ${report.entryCount} files, ${report.size} bytes packed, ${report.unpackedSize} unpacked`)
  return join(work, report.filename)
}

function install(tarball) {
  step('npm install <tarball> into an empty project')
  const dir = join(work, 'project')
  cpSync(tarball, join(dir, 'etl-persistence.tgz'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'etlp-package-check', private: true, type: 'module' }, null, 2))
  const typescript = repoPackage.devDependencies.typescript
  const nodeTypes = repoPackage.devDependencies['@types/node']
  run('npm', ['install', '--no-audit', '--no-fund', './etl-persistence.tgz', `typescript@${typescript}`, `@types/node@${nodeTypes}`], dir)
  return dir
}

function runCli(project) {
  step('npx etlp demo (the embedded SQLite default)')
  const demo = run('npx', ['--no-install', 'etlp', 'demo'], project, { NO_COLOR: '1' })
  if (!/orders_daily/.test(demo)) fail(`etlp demo did not show the example jobs:\n${demo}`)
  step('npx etlp doctor')
  const doctor = JSON.parse(run('npx', ['--no-install', 'etlp', 'doctor', '--json'], project))
  if (doctor.ok !== true) fail(`etlp doctor reported problems: ${JSON.stringify(doctor)}`)
}

/** `npx etlp serve` on the demo's store: health, the dashboard and /docs answer from the installed files. */
async function serveFromPackage(project) {
  step('npx etlp serve: /health, the dashboard, /openapi.json and /docs')
  // The installed bin itself, not through npx, so that SIGTERM reaches the server.
  const child = spawn(
    join(project, 'node_modules', '.bin', 'etlp'),
    ['serve', '--port', '0', '--log-level', 'silent', '--anonymous', '{"id":"check","roles":["viewer"]}'],
    { cwd: project, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  const exited = new Promise((resolve) => child.once('exit', resolve))
  try {
    const url = await new Promise((resolve, reject) => {
      let stderr = ''
      child.stderr.on('data', (chunk) => {
        stderr += chunk
        const found = /listening on (http:\/\/\S+)/.exec(stderr)
        if (found) resolve(found[1])
      })
      child.once('exit', (code) => reject(new Error(`etlp serve exited ${code}: ${stderr}`)))
    })
    for (const path of ['/health', '/', '/dashboard/assets/uPlot.iife.min.js', '/openapi.json', '/docs']) {
      const response = await fetch(url + path, { redirect: 'follow' })
      if (response.status !== 200) fail(`GET ${path} answered ${response.status}: ${(await response.text()).slice(0, 300)}`)
    }
  } finally {
    child.kill('SIGTERM')
    await exited
  }
}

const ESM_USE = `import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { openStore, ValidationError } from 'etl-persistence'

const require = createRequire(import.meta.url)
const examples = require.resolve('etl-persistence/package.json').replace(/package\\.json$/, 'examples/jobs/')
const store = await openStore({ database: { url: 'sqlite::memory:' } })
await store.migrate()
const job = await store.jobs.create(JSON.parse(readFileSync(examples + 'orders-daily-csv-to-db.json', 'utf8')))
const execution = await store.executions.start({ jobId: job.id, environment: 'DEV', trigger: 'api' })
let refused = false
try { await store.jobs.create({ name: '' }) } catch (error) { refused = error instanceof ValidationError }
await store.close()
console.log(JSON.stringify({ job: job.name, status: execution.status, refused }))
`

const TS_USE = `import { openStore, isPersistenceError, type JobConfig, type Store, type Execution } from 'etl-persistence'

async function queue(store: Store, config: JobConfig): Promise<Execution> {
  const job = await store.jobs.create(config)
  return store.executions.start({ jobId: job.id, environment: 'DEV', trigger: 'api' })
}

const store: Store = await openStore({ database: { url: 'sqlite::memory:' } })
try {
  const execution = await queue(store, { name: 'typed', components: [] })
  const queuedAt: Date = execution.queued_at
  console.log(execution.id, queuedAt.toISOString())
} catch (error) {
  if (isPersistenceError(error)) console.error(error.error_type)
} finally {
  await store.close()
}
`

function useLibrary(project) {
  step('import the library from an ESM file')
  writeFileSync(join(project, 'use.mjs'), ESM_USE)
  const used = JSON.parse(run('node', ['use.mjs'], project))
  if (used.job !== 'orders_daily' || used.status !== 'QUEUED' || used.refused !== true) fail(`the ESM use gave ${JSON.stringify(used)}`)
  step('tsc --noEmit --strict against the declarations')
  writeFileSync(join(project, 'use.ts'), TS_USE)
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'] },
        files: ['use.ts'],
      },
      null,
      2,
    ),
  )
  try {
    run('npx', ['--no-install', 'tsc', '-p', '.'], project)
  } catch (error) {
    fail(`the type check failed:\n${error.stdout}${error.stderr}`)
  }
}

try {
  const tarball = pack(stage())
  const project = install(tarball)
  runCli(project)
  await serveFromPackage(project)
  useLibrary(project)
  console.log('[package] the packed tarball installs and works')
} catch (error) {
  fail(`${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`)
} finally {
  if (keep) console.log(`[package] kept ${work}`)
  else rmSync(work, { recursive: true, force: true })
}
