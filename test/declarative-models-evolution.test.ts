import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { ConflictError } from '../src/errors.js'
import { Store } from '../src/store.js'
import { describeEngines } from './helpers/engines.js'

const author = (extra: object[] = [], more: object = {}) => ({
  fields: [{ name: 'id', type: 'uuid', primary_key: true }, { name: 'name', type: 'string', max_length: 40, nullable: false }, ...extra],
  ...more,
})

const postFields = (title: number, extra: object[] = []) => [
  { name: 'id', type: 'integer', primary_key: true },
  { name: 'author_id', type: 'uuid', nullable: false, index: true, references: { model: 'author', on_delete: 'cascade' } },
  { name: 'title', type: 'string', max_length: title, nullable: false },
  ...extra,
]

const body = { name: 'body', type: 'text' }
const published = { name: 'published', type: 'boolean', nullable: false, default: false }
const tag = {
  table_name: 'tags',
  fields: [
    { name: 'id', type: 'integer', primary_key: true },
    { name: 'label', type: 'string', max_length: 30, unique: true, nullable: false },
    { name: 'post_id', type: 'integer', references: { model: 'post', on_delete: 'set_null' } },
  ],
}

/** Five declarations, each one step further; the last one is destructive. */
const STEPS = [
  { models: { author: author(), post: { table_name: 'posts', fields: postFields(50) } } },
  {
    models: {
      author: author(),
      post: { table_name: 'posts', fields: postFields(50, [body, published]), indexes: [{ fields: ['author_id', 'published'] }] },
    },
  },
  {
    models: {
      author: author(),
      post: { table_name: 'posts', fields: postFields(120, [body, published]), indexes: [{ fields: ['author_id', 'published'] }] },
      tag,
    },
  },
  {
    models: {
      author: author([{ name: 'email', type: 'string', max_length: 100 }], { unique: [['name']] }),
      post: { table_name: 'posts', fields: postFields(120, [body, published]), indexes: [{ fields: ['author_id', 'published'] }] },
      tag,
    },
  },
  {
    models: {
      author: author([{ name: 'email', type: 'string', max_length: 100 }], { unique: [['name']] }),
      post: { table_name: 'posts', fields: postFields(60, [published]), indexes: [{ fields: ['author_id', 'published'] }] },
    },
  },
]

async function versions(store: Store): Promise<Array<{ model: string; version: number }>> {
  const rows = await Store.context(store).db.selectFrom('model_definitions').select(['model', 'version']).orderBy('model').orderBy('version').execute()
  return rows.map((row) => ({ model: String(row.model), version: Number(row.version) }))
}

describeEngines('declarative model evolution', (target) => {
  it('applies five evolving declarations step by step, each running exactly the planned SQL', async () => {
    const store = await target().open()
    await store.migrate()
    for (const [i, step] of STEPS.slice(0, 4).entries()) {
      const plan = await store.models.plan(step)
      expect(plan.destructive, `step ${i + 1}`).toBe(false)
      const applied = await store.models.define(step)
      expect(applied.sql).toEqual(plan.sql)
      expect(applied.changes).toEqual(plan.changes)
      expect((await store.models.plan(step)).changes, `step ${i + 1} leaves nothing to do`).toEqual([])
    }
    expect(await versions(store)).toEqual([
      { model: 'author', version: 1 },
      { model: 'author', version: 2 },
      { model: 'post', version: 1 },
      { model: 'post', version: 2 },
      { model: 'post', version: 3 },
      { model: 'tag', version: 1 },
    ])

    const authors = store.models.records('author')
    const posts = store.models.records('post')
    const ada = await authors.insert({ name: 'Ada', email: 'ada@example.com' })
    const post = await posts.insert({ author_id: ada.id, title: 'x'.repeat(100), body: 'long' })
    expect(post).toMatchObject({ published: false, body: 'long' })
    await store.models.records('tag').insert({ label: 'intro', post_id: post.id })
    await expect(authors.insert({ name: 'Ada' })).rejects.toMatchObject({ error_type: 'constraint_error', constraint_kind: 'unique' })

    // Step 5 drops a field and a model and narrows a column: refused without allowDestructive.
    const plan = await store.models.plan(STEPS[4])
    expect(plan.destructive).toBe(true)
    expect(plan.changes.map((change) => change.kind).sort()).toEqual(['drop_field', 'drop_model', 'narrow_field'])
    const before = await versions(store)
    await expect(store.models.define(STEPS[4])).rejects.toBeInstanceOf(ConflictError)
    expect(await versions(store)).toEqual(before)
    expect(await store.models.records('tag').count()).toBe(1)
    expect((await posts.get(post.id)).body).toBe('long')

    // Allowed, but a stored title is longer than the new limit: checked first, nothing changes.
    await expect(store.models.define(STEPS[4], { allowDestructive: true })).rejects.toMatchObject({ error_type: 'conflict', table_name: 'posts' })
    expect(await versions(store)).toEqual(before)
    expect(await store.models.records('tag').count()).toBe(1)

    await posts.update(post.id, { title: 'short' })
    const applied = await store.models.define(STEPS[4], { allowDestructive: true })
    expect(applied.sql).toEqual(plan.sql)
    expect(applied.versions).toEqual([
      { model: 'post', version: 4, dropped: false },
      { model: 'tag', version: 2, dropped: true },
    ])
    expect(await posts.get(post.id)).toEqual({ id: post.id, author_id: ada.id, title: 'short', published: false })
    await expect(store.models.records('tag').count()).rejects.toMatchObject({ error_type: 'not_found' })
    await expect(posts.insert({ author_id: ada.id, title: 'y'.repeat(61) })).rejects.toMatchObject({ issues: [{ path: 'title' }] })
    expect((await store.models.plan(STEPS[4])).changes).toEqual([])

    // Deleting the author cascades to the posts.
    await authors.delete(ada.id)
    expect(await posts.count()).toBe(0)
  })

  it('refuses to take over a table that exists but was never declared', async () => {
    const store = await target().open()
    await store.migrate()
    await Store.context(store)
      .db.schema.createTable('legacy')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .execute()
    await expect(store.models.plan({ models: { legacy: { fields: [{ name: 'id', type: 'integer', primary_key: true }] } } })).rejects.toMatchObject({
      error_type: 'validation_error',
      issues: [{ path: 'models.legacy.table_name' }],
    })
  })
})

describeEngines('declarative model nullability', (target) => {
  const config = (nullable: boolean) => ({
    models: {
      event_note: {
        fields: [
          { name: 'id', type: 'integer', primary_key: true },
          { name: 'note', type: 'string', max_length: 50, nullable },
        ],
      },
    },
  })

  it('makes a column not null only with allowDestructive and only when no row holds null', async () => {
    const store = await target().open()
    await store.migrate()
    await store.models.define(config(true))
    const notes = store.models.records('event_note')
    const empty = await notes.insert({})
    if (target().engine === 'sqlite') {
      // SQLite cannot alter a column in place: refused up front, with the field's path.
      await expect(store.models.plan(config(false))).rejects.toMatchObject({ issues: [{ path: 'models.event_note.fields[1].nullable' }] })
      return
    }
    expect((await store.models.plan(config(false))).changes).toMatchObject([{ kind: 'set_not_null', destructive: true }])
    await expect(store.models.define(config(false))).rejects.toMatchObject({ error_type: 'conflict' })
    await expect(store.models.define(config(false), { allowDestructive: true })).rejects.toMatchObject({ error_type: 'conflict', table_name: 'event_note' })
    await notes.update(empty.id, { note: 'filled' })
    await store.models.define(config(false), { allowDestructive: true })
    await expect(notes.insert({})).rejects.toMatchObject({ error_type: 'validation_error', issues: [{ path: 'note' }] })
    expect((await store.models.plan(config(true))).changes).toMatchObject([{ kind: 'drop_not_null', destructive: false }])
  })
})

/**
 * Several stores in one process: on the servers each holds its own connections. SQLite's
 * lock is a `BEGIN IMMEDIATE` that a synchronous driver waits for by blocking its thread,
 * so concurrent SQLite writers must be separate processes (the core migrator's tests).
 */
describeEngines(
  'declarative model locking',
  (target) => {
    it('applies a declaration once when several stores define it at the same time', async () => {
      const stores = [await target().open(), await target().open(), await target().open()]
      await stores[0]?.migrate()
      const concurrent = {
        models: {
          lock_probe: {
            fields: [
              { name: 'id', type: 'uuid', primary_key: true },
              { name: 'n', type: 'integer' },
            ],
          },
        },
      }
      const results = await Promise.all(stores.map((store) => store.models.define(concurrent)))
      expect(results.flatMap((result) => result.versions)).toEqual([{ model: 'lock_probe', version: 1, dropped: false }])
      expect(results.filter((result) => result.sql.length > 0)).toHaveLength(1)
    })
  },
  ['postgres', 'mysql'],
)

const DEFINE_ONCE = fileURLToPath(new URL('./fixtures/models-define-once.mjs', import.meta.url))

function runNode(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

describeEngines('declarative model locking across processes', (target) => {
  it('applies a declaration once when several processes define it at the same time', async () => {
    const store = await target().open()
    await store.migrate()
    const models = join(target().dir, 'probe-models.json')
    writeFileSync(
      models,
      JSON.stringify({
        models: {
          process_probe: {
            fields: [
              { name: 'id', type: 'integer', primary_key: true },
              { name: 'v', type: 'text' },
            ],
          },
        },
      }),
    )
    const config = target().configFile()
    const runs = await Promise.all([1, 2, 3].map(() => runNode([DEFINE_ONCE, config, models])))
    for (const run of runs) expect(run.code, run.stderr).toBe(0)
    const results = runs.map((run) => JSON.parse(run.stdout) as { sql: string[]; versions: unknown[] })
    expect(results.flatMap((result) => result.versions)).toEqual([{ model: 'process_probe', version: 1, dropped: false }])
    expect(results.filter((result) => result.sql.length > 0)).toHaveLength(1)
  }, 120_000)
})

describeEngines('declarative records across stores', (target) => {
  it('sees a field that another store added after this one cached the model', async () => {
    const first = await target().open()
    await first.migrate()
    const fields = [
      { name: 'id', type: 'integer', primary_key: true },
      { name: 'label', type: 'string', max_length: 20 },
    ]
    await first.models.define({ models: { shared_note: { fields } } })
    const notes = first.models.records('shared_note')
    await notes.insert({ label: 'before' })
    const second = await target().open()
    await second.models.define({ models: { shared_note: { fields: [...fields, { name: 'extra', type: 'integer' }] } } })
    expect(await notes.insert({ label: 'after', extra: 7 })).toMatchObject({ label: 'after', extra: 7 })
    await expect(notes.insert({ label: 'bad', nope: 1 })).rejects.toMatchObject({ error_type: 'validation_error' })
  })
})

describeEngines('declarative model type widening', (target) => {
  it('widens integer to bigint and string to text, keeping the values', async () => {
    const store = await target().open()
    await store.migrate()
    const config = (count: string, note: string) => ({
      models: {
        counter: {
          fields: [
            { name: 'id', type: 'integer', primary_key: true },
            { name: 'hits', type: count, nullable: false, default: 0 },
            { name: 'note', type: note, ...(note === 'string' ? { max_length: 20 } : {}) },
          ],
        },
      },
    })
    await store.models.define(config('integer', 'string'))
    const counters = store.models.records('counter')
    const row = await counters.insert({ hits: 2_000_000_000, note: 'short' })
    const plan = await store.models.plan(config('bigint', 'text'))
    expect(plan.changes.map((change) => [change.kind, change.field])).toEqual([
      ['widen_field', 'hits'],
      ['widen_field', 'note'],
    ])
    expect(plan.destructive).toBe(false)
    expect((await store.models.define(config('bigint', 'text'))).sql).toEqual(plan.sql)
    expect(await counters.update(row.id, { hits: 9_000_000_000_000, note: 'n'.repeat(500) })).toEqual({
      id: row.id,
      hits: 9_000_000_000_000,
      note: 'n'.repeat(500),
    })
    await expect(store.models.plan(config('integer', 'text'))).rejects.toMatchObject({ issues: [{ path: 'models.counter.fields[1].type' }] })
  })
})
