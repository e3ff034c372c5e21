import { beforeAll, expect, it } from 'vitest'
import { ValidationError } from '../src/errors.js'
import type { Store } from '../src/store.js'
import { describeEngines } from './helpers/engines.js'
import { changedFixture, component, originFixture, originFixtureNames } from './helpers/origin-fixtures.js'
import { rejectedIssues } from './helpers/validation.js'

// Our own job files in the origin's format, through a real store on every engine:
// saved, exported back equal, saved again under the same hash; and refused, with the
// paths, where they break the origin's rules.

describeEngines('origin job files', (target) => {
  let store: Store
  let strict: Store

  beforeAll(async () => {
    store = await target().open()
    await store.migrate()
    strict = await target().open({ jobs: { strict: true } })
  })

  it('imports every fixture and exports it back equal, with the same hash on re-import', async () => {
    for (const file of originFixtureNames()) {
      const config = originFixture(file)
      const job = await store.jobs.create(config)
      expect(await store.jobs.export(job.id), file).toEqual(config)
      const again = await store.jobs.create(await store.jobs.export(job.id))
      expect(again.content_hash, file).toBe(job.content_hash)
      expect((await store.jobs.update(job.id, config)).current_version, file).toBe(1)
    }
  })

  it('stores the graph: payloads as given, layouts from either spelling, links of extra ports', async () => {
    const job = await store.jobs.create(originFixture('file-components.json'))
    const { components, links } = await store.jobs.get(job.id, { include: { components: true, links: true } })
    expect(components?.[0]).toMatchObject({
      name: 'read_tabs',
      comp_type: 'read_csv',
      description: 'Tab-separated drop',
      layout: { x_coord: 10, y_coord: -20 },
    })
    expect(components?.[0]?.payload).toMatchObject({
      filepath: 'in/people.tsv',
      separator: '\t',
      context_id: null,
      metadata_: { timestamp: '2025-03-14', user_id: 3 },
    })
    expect(components?.[1]?.layout).toEqual({ x_coord: 200, y_coord: 0 })
    expect(components?.[2]?.layout).toBeNull()
    expect(links?.map((l) => `${l.src}.${l.out_port}→${l.dst}.${l.in_port}`)).toEqual([
      'read_tabs.out→write_semicolons.in',
      'write_semicolons.out→write_all_json.in',
      'read_lines.out→write_sheet.in',
      'read_sheet.out→write_records.in',
      'read_feed.out→write_all_json.in',
    ])
    const operations = await store.jobs.create(originFixture('data-operations.json'))
    const joined = await store.jobs.get(operations.id, { include: { links: true } })
    expect(
      joined.links
        ?.filter((l) => l.dst === 'join_customers')
        .map((l) => l.in_port)
        .sort(),
    ).toEqual(['customers', 'orders'])
  })

  it('imports jobs that share a name, as the origin’s own files do', async () => {
    const first = await store.jobs.create(originFixture('origin-api-output.json'))
    const second = await store.jobs.create({ ...originFixture('origin-api-output.json'), strategy_type: 'bulk' })
    expect(first.name).toBe(second.name)
    expect(second.id).not.toBe(first.id)
  })

  it('keeps unknown keys, returns them as warnings, and refuses them when strict', async () => {
    const config = originFixture('unknown-keys.json')
    const job = await store.jobs.create(config)
    expect(job.warnings.map((warning) => warning.path)).toContain('components[0].seperator')
    expect(job.warnings.find((warning) => warning.path === 'components[0].seperator')?.message).toContain('did you mean `separator`?')
    expect(await store.jobs.export(job.id)).toEqual(config)
    expect((await store.jobs.update(job.id, config)).warnings).toEqual(job.warnings)
    const refused = await rejectedIssues(strict.jobs.create(config))
    expect(refused.map((issue) => issue.path)).toEqual(job.warnings.map((warning) => warning.path))
    expect((await strict.jobs.create(originFixture('data-operations.json'))).warnings).toEqual([])
  })

  it('refuses a bad enum value, a missing required field and unknown ports with their exact paths', async () => {
    const cases: Array<[unknown, string[]]> = [
      [changedFixture('file-components.json', (j) => (component(j, 'write_semicolons').separator = '|')), ['components[1].separator']],
      [changedFixture('database-components.json', (j) => delete component(j, 'write_mssql').entity_name), ['components[5].entity_name']],
      [changedFixture('data-operations.json', (j) => (component(j, 'orders').routes.sideways = ['rejects'])), ['components[0].routes.sideways']],
      [
        changedFixture('data-operations.json', (j) => (component(j, 'join_customers').join_plan.steps[1].right_port = 'suppliers')),
        ['components[7].join_plan.steps[1].right_port'],
      ],
    ]
    for (const [config, expected] of cases) {
      expect((await rejectedIssues(store.jobs.create(config))).map((issue) => issue.path)).toEqual(expected)
    }
  })

  it('reports three problems in three places as three issues of one validation_error', async () => {
    const config = changedFixture('database-components.json', (j) => {
      j.num_of_retries = -1
      component(j, 'read_maria').comp_type = 'read_maria'
      component(j, 'read_pg').routes.out.push('write_everywhere')
    })
    const error = await store.jobs.create(config).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual(['num_of_retries', 'components[2].comp_type', 'components[0].routes.out[1]'])
    expect((error as ValidationError).toJSON().persistence_error.issues).toHaveLength(3)
  })
})
