import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { NotFoundError, ValidationError } from '../src/errors.js'
import { resolveModelConfig } from '../src/models/model-definition.js'
import { describeEngines } from './helpers/engines.js'
import { validationIssues } from './helpers/validation.js'

/** The seed's own model configuration example, as it is. */
const SEED_MODELS = {
  models: {
    component: {
      table_name: 'components',
      fields: [
        { name: 'id', type: 'integer', primary_key: true },
        { name: 'name', type: 'string', nullable: false },
        { name: 'type', type: 'string', nullable: false },
      ],
    },
    job: {
      table_name: 'jobs',
      fields: [
        { name: 'id', type: 'integer', primary_key: true },
        { name: 'name', type: 'string', nullable: false },
        { name: 'status', type: 'string', nullable: false },
      ],
    },
  },
}

describe('model configuration validation', () => {
  const model = (fields: unknown[], extra: Record<string, unknown> = {}) => ({ models: { check: { table_name: 'checks', fields, ...extra } } })
  const id = { name: 'id', type: 'integer', primary_key: true }

  it('accepts the seed example beside the prefixed core tables', () => {
    const models = resolveModelConfig(SEED_MODELS, 'etl_')
    expect(models.map((m) => m.table)).toEqual(['components', 'jobs'])
  })

  it('rejects an unknown field type with its path', () => {
    const issues = validationIssues(() => resolveModelConfig(model([id, { name: 'x', type: 'varchar' }]), 'etl_'))
    expect(issues[0]?.path).toBe('models.check.fields[1].type')
  })

  it('rejects a duplicate field with its path', () => {
    const issues = validationIssues(() => resolveModelConfig(model([id, { name: 'rule', type: 'text' }, { name: 'Rule', type: 'text' }]), 'etl_'))
    expect(issues).toEqual([expect.objectContaining({ path: 'models.check.fields[2].name' })])
  })

  it('rejects a reference to an unknown model with its path', () => {
    const issues = validationIssues(() => resolveModelConfig(model([id, { name: 'owner_id', type: 'uuid', references: { model: 'nobody' } }]), 'etl_'))
    expect(issues).toEqual([expect.objectContaining({ path: 'models.check.fields[1].references.model' })])
  })

  it('rejects identifiers with a quote or a space', () => {
    expect(validationIssues(() => resolveModelConfig(model([id, { name: 'a"b', type: 'text' }]), 'etl_'))[0]?.path).toBe('models.check.fields[1].name')
    expect(validationIssues(() => resolveModelConfig(model([id, { name: "x'; drop table etl_jobs; --", type: 'text' }]), 'etl_'))[0]?.path).toBe(
      'models.check.fields[1].name',
    )
    expect(validationIssues(() => resolveModelConfig({ models: { 'bad name': { fields: [id] } } }, 'etl_'))[0]?.path).toBe('models.bad name')
    expect(validationIssues(() => resolveModelConfig(model([id], { table_name: 'my table' }), 'etl_'))[0]?.path).toBe('models.check.table_name')
  })

  it('rejects the name of a core table', () => {
    expect(validationIssues(() => resolveModelConfig(model([id], { table_name: 'etl_jobs' }), 'etl_'))[0]?.path).toBe('models.check.table_name')
    expect(validationIssues(() => resolveModelConfig(model([id], { table_name: 'ETL_anything' }), 'etl_'))[0]?.path).toBe('models.check.table_name')
    expect(validationIssues(() => resolveModelConfig(model([id], { table_name: 'jobs' }), ''))[0]?.path).toBe('models.check.table_name')
  })

  it('answers any generated declaration with a result or a validation error with paths, never anything else', () => {
    const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('id', 'job', 'etl_jobs', 'a b', "x'y", 'components', ''))
    const field = fc.record(
      {
        name: text,
        type: fc.oneof(fc.constantFrom('integer', 'bigint', 'float', 'decimal', 'string', 'text', 'boolean', 'date', 'datetime', 'uuid', 'json'), text),
        primary_key: fc.boolean(),
        nullable: fc.boolean(),
        unique: fc.boolean(),
        index: fc.boolean(),
        default: fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.double()),
        max_length: fc.integer({ min: -5, max: 5000 }),
        references: fc.record({ model: text, on_delete: fc.constantFrom('cascade', 'set_null', 'nope') }, { requiredKeys: ['model'] }),
      },
      { requiredKeys: ['name', 'type'] },
    )
    const models = fc.dictionary(text, fc.record({ table_name: text, fields: fc.array(field, { maxLength: 5 }) }, { requiredKeys: ['fields'] }), { maxKeys: 3 })
    const input = fc.oneof(fc.record({ models }), fc.anything())
    fc.assert(
      fc.property(input, (value) => {
        try {
          resolveModelConfig(value, 'etl_')
          return true
        } catch (error) {
          return error instanceof ValidationError && error.issues.length > 0
        }
      }),
      { numRuns: 500 },
    )
  })

  it('rejects a model without exactly one primary key, and a string default with a quote', () => {
    expect(validationIssues(() => resolveModelConfig(model([{ name: 'a', type: 'text' }]), 'etl_'))[0]?.path).toBe('models.check.fields')
    const issues = validationIssues(() => resolveModelConfig(model([id, { name: 's', type: 'string', default: "x' or 1=1" }]), 'etl_'))
    expect(issues[0]?.path).toBe('models.check.fields[1].default')
  })
})

describeEngines('declarative models', (target) => {
  it('applies the seed example as is and its models insert, find, update and delete rows', async () => {
    const store = await target().open()
    await store.migrate()
    const result = await store.models.define(SEED_MODELS)
    expect(result.versions).toEqual([
      { model: 'component', version: 1, dropped: false },
      { model: 'job', version: 1, dropped: false },
    ])
    const jobs = store.models.records('job')
    const first = await jobs.insert({ name: 'orders_daily', status: 'active' })
    const second = await jobs.insert({ name: 'users "hourly"; drop table jobs; --', status: "it's paused" })
    expect(first).toEqual({ id: expect.any(Number), name: 'orders_daily', status: 'active' })
    expect(await jobs.get(second.id)).toEqual(second)
    const found = await jobs.find({ where: { column: 'status', operator: '==', value: "it's paused" } })
    expect(found.items).toEqual([second])
    expect(await jobs.update(first.id, { status: 'paused' })).toEqual({ ...first, status: 'paused' })
    expect(await jobs.count({ where: { column: 'status', operator: 'contains', value: 'paused' } })).toBe(2)
    await jobs.delete(first.id)
    await expect(jobs.get(first.id)).rejects.toBeInstanceOf(NotFoundError)
    await expect(jobs.delete(first.id)).rejects.toBeInstanceOf(NotFoundError)
    await expect(jobs.insert({ name: 'x' })).rejects.toMatchObject({ error_type: 'validation_error', issues: [{ path: 'status' }] })
    // The core jobs table is untouched beside the user's `jobs`.
    expect(await store.models.records('component').count()).toBe(0)
    // Defining the same thing again changes nothing and records no version.
    expect(await store.models.define(SEED_MODELS)).toMatchObject({ sql: [], versions: [] })
    await expect(store.transaction((tx) => tx.models.define(SEED_MODELS))).rejects.toMatchObject({ error_type: 'conflict' })
  })
})

describeEngines('declarative models example file', (target) => {
  it('applies examples/models/quality-checks.json beside the core tables', async () => {
    const store = await target().open()
    await store.migrate()
    const config = JSON.parse(readFileSync(new URL('../examples/models/quality-checks.json', import.meta.url), 'utf8')) as unknown
    const plan = await store.models.plan(config)
    expect(plan.changes.map((change) => change.kind)).toEqual(['create_model', 'create_model'])
    expect((await store.models.define(config)).sql).toEqual(plan.sql)
    const day = await store.models.records('business_day').insert({ day: '2024-12-24', note: 'Christmas Eve' })
    expect(day).toEqual({ id: expect.any(Number), day: '2024-12-24', open: true, note: 'Christmas Eve' })
    expect((await store.models.list()).map((model) => model.table)).toEqual(['business_calendar', 'quality_checks'])
  })
})

describeEngines('declarative models before migrate', (target) => {
  it('says to migrate first instead of failing on a missing table', async () => {
    const store = await target().open()
    await expect(store.models.plan(SEED_MODELS)).rejects.toMatchObject({ error_type: 'migration_error', migration: '0005_declarative_models' })
    await expect(store.models.records('job').count()).rejects.toMatchObject({ error_type: 'migration_error' })
  })
})
