import fc from 'fast-check'
import { FILTER_OPERATORS } from '../../src/query/index.js'
import { anyValue, hostileString, jsonish, mutate, mutation } from './hostile-inputs.js'

/** Generators of valid inputs, then broken by 0–3 random mutations (see `mutate`). */

const SOURCES = ['read_csv', 'read_json'] as const
const SINKS = ['write_csv', 'write_json'] as const

/** A valid job: a chain source → schema_mapping… → sink, with random optional fields. */
export const validJob = fc
  .record({
    middle: fc.integer({ min: 0, max: 4 }),
    source: fc.constantFrom(...SOURCES),
    sink: fc.constantFrom(...SINKS),
    description: fc.option(hostileString, { nil: undefined }),
    strategy_type: fc.constantFrom('row', 'bulk', 'bigdata'),
    num_of_retries: fc.integer({ min: 0, max: 5 }),
    tags: fc.option(
      fc.array(
        hostileString.filter((tag) => tag.length > 0 && tag.length <= 100),
        { maxLength: 3 },
      ),
      { nil: undefined },
    ),
    filepath: hostileString.filter((path) => path.length > 0 && path.length <= 4096),
    x: fc.integer({ min: -5000, max: 5000 }),
  })
  .map(({ middle, source, sink, description, strategy_type, num_of_retries, tags, filepath, x }) => {
    const names = Array.from({ length: middle + 2 }, (_, i) => `c${i}`)
    const components: Record<string, unknown>[] = [
      { comp_type: source, name: names[0], filepath, routes: { out: [names[1]] }, layout: { x_coord: x, y_coord: 0 } },
    ]
    for (let i = 1; i <= middle; i++) {
      components.push({
        comp_type: 'schema_mapping',
        name: names[i],
        extra_input_ports: ['in'],
        extra_output_ports: ['out'],
        rules_by_dest: { out: { a: { src_port: 'in', src_path: 'b' } } },
        routes: { out: [{ to: names[i + 1], in_port: 'in' }] },
      })
    }
    components.push({ comp_type: sink, name: names[middle + 1], filepath: 'out' })
    return {
      name: 'fuzz',
      strategy_type,
      num_of_retries,
      ...(description === undefined ? {} : { description }),
      ...(tags === undefined ? {} : { tags }),
      components,
    }
  })

export const jobInput = fc.tuple(validJob, fc.array(mutation, { maxLength: 3 })).map(([job, changes]) => mutate(job, changes))

/** The jobs entity's filterable columns and a value generator of each one's type. */
const JOB_COLUMNS: Readonly<Record<string, fc.Arbitrary<unknown>>> = {
  id: fc.uuid(),
  name: fc.oneof(fc.constantFrom('fuzz', 'c0'), hostileString),
  description: hostileString,
  strategy_type: fc.constantFrom('row', 'bulk', 'bigdata'),
  num_of_retries: fc.integer({ min: 0, max: 5 }),
  file_logging: fc.boolean(),
  current_version: fc.integer({ min: 0, max: 3 }),
  component_count: fc.integer({ min: 0, max: 10 }),
  created_at: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  updated_at: fc.constantFrom('2026-01-01T00:00:00Z', '2026-01-01', '2030-12-31T23:59:59.999+02:00'),
  created_by: hostileString,
}
const columnNames = Object.keys(JOB_COLUMNS)

/** A leaf whose value fits its column (and operator) most of the time. */
const typedLeaf = fc.constantFrom(...columnNames).chain((column) => {
  const value = JOB_COLUMNS[column] as fc.Arbitrary<unknown>
  return fc.oneof(
    fc.record({ column: fc.constant(column), operator: fc.constantFrom('==', '!=', '>', '<', '>=', '<='), value }),
    fc.record({ column: fc.constant(column), operator: fc.constant('in'), value: fc.array(value, { maxLength: 4 }) }),
    fc.record({ column: fc.constant(column), operator: fc.constant('contains'), value: hostileString }),
    fc.record({ column: fc.constant(column), operator: fc.constant('is_null'), value: fc.boolean() }),
  )
})

const brokenLeaf = fc.record({
  column: fc.oneof(fc.constantFrom(...columnNames), hostileString),
  operator: fc.oneof(fc.constantFrom(...FILTER_OPERATORS), hostileString),
  value: anyValue,
})

/** Filter-rule trees over the jobs entity: mostly well-formed, with hostile columns, operators and values. */
export const filterRule: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: typedLeaf },
    {
      weight: 3,
      arbitrary: fc.record({ logical_operator: fc.constantFrom('AND', 'OR', 'NOT'), rules: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) }),
    },
    { weight: 1, arbitrary: brokenLeaf },
    {
      weight: 1,
      arbitrary: fc.record({ logical_operator: fc.oneof(fc.constantFrom('AND', 'OR', 'NOT'), hostileString), rules: fc.oneof(fc.constant([]), anyValue) }),
    },
  ),
})).rule

const orderEntry = fc.oneof(
  fc.constantFrom(...columnNames),
  fc.constantFrom(...columnNames).map((column) => `-${column}`),
  fc.record({ column: fc.constantFrom(...columnNames), direction: fc.constantFrom('asc', 'desc') }),
)

const validQuery = fc.record(
  {
    where: filterRule,
    order_by: fc.oneof(orderEntry, fc.uniqueArray(fc.constantFrom(...columnNames), { minLength: 1, maxLength: 3 })),
    limit: fc.integer({ min: 1, max: 1000 }),
    offset: fc.integer({ min: 0, max: 10 }),
    total: fc.boolean(),
  },
  { requiredKeys: [] },
)

export const listQueryInput = fc
  .tuple(
    validQuery,
    fc.array(mutation, { maxLength: 1 }),
    fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.oneof(hostileString, fc.base64String({ maxLength: 60 })) }),
  )
  .map(([query, changes, cursor]) => mutate(cursor === null ? query : { ...query, cursor }, changes))

const cronField = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 59 }) },
  { weight: 3, arbitrary: fc.constantFrom('*', '*/5', '1-3', '1,2,3', 'mon-fri', 'last', '0/15', '99', '*/0', 'jan', '2-1') },
  { weight: 1, arbitrary: fc.integer({ min: -1, max: 70 }) },
  { weight: 1, arbitrary: hostileString },
)
const instantText = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  },
  { weight: 1, arbitrary: fc.constantFrom('2026-02-30T00:00:00Z', '2026-01-01', '2026-01-01T00:00:00+14:00', 'tomorrow') },
  { weight: 1, arbitrary: hostileString },
)
const timezone = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe') },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom('Mars/Olympus', '+02:00'), hostileString) },
)
const unit = (max: number) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max }) },
    { weight: 1, arbitrary: fc.oneof(fc.integer({ min: -2, max: 0 }), fc.double({ min: 0, max: 2, noNaN: true }), anyValue) },
  )

/** Schedule triggers: interval, cron (fields or expression) and date, plus mutations. */
export const triggerInput = fc
  .oneof(
    {
      weight: 3,
      arbitrary: fc
        .record(
          {
            weeks: unit(3),
            days: unit(3),
            hours: unit(30),
            minutes: unit(90),
            seconds: unit(90),
            start_date: instantText,
            end_date: instantText,
            jitter: unit(600),
          },
          { requiredKeys: [] },
        )
        .map((interval) => ({ interval })),
    },
    {
      weight: 3,
      arbitrary: fc
        .record(
          { year: cronField, month: cronField, day: cronField, day_of_week: cronField, hour: cronField, minute: cronField, second: cronField, timezone },
          { requiredKeys: [] },
        )
        .map((cron) => ({ cron })),
    },
    {
      weight: 2,
      arbitrary: fc
        .record(
          { expression: fc.oneof(fc.constantFrom('*/5 * * * *', '0 2 * * 1-5', '0 0 0 * * *', '* * *', '61 * * * *', '@daily'), hostileString), timezone },
          { requiredKeys: ['expression'] },
        )
        .map((cron) => ({ cron })),
    },
    { weight: 2, arbitrary: fc.record({ run_date: instantText }).map((date) => ({ date })) },
    { weight: 1, arbitrary: anyValue },
  )
  .chain((trigger) => fc.tuple(fc.constant(trigger), fc.array(mutation, { maxLength: 1 })))
  .map(([trigger, changes]) => mutate(trigger, changes))

const FIELD_TYPES = ['integer', 'bigint', 'float', 'decimal', 'string', 'text', 'boolean', 'date', 'datetime', 'uuid', 'json'] as const
const identifier = fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/)

const validField = fc.record(
  {
    name: identifier,
    type: fc.constantFrom(...FIELD_TYPES),
    nullable: fc.boolean(),
    unique: fc.boolean(),
    index: fc.boolean(),
    description: hostileString.filter((text) => text.length <= 1000),
  },
  { requiredKeys: ['name', 'type'] },
)

const brokenField = fc.record(
  {
    name: fc.oneof(identifier, hostileString),
    type: fc.oneof(fc.constantFrom(...FIELD_TYPES), hostileString),
    max_length: fc.integer({ min: -1, max: 5000 }),
    default: fc.oneof(hostileString, fc.integer(), fc.boolean(), anyValue),
    references: fc.record({
      model: fc.oneof(fc.constantFrom('job', 'execution', 'component'), identifier),
      on_delete: fc.constantFrom('cascade', 'set_null', 'restrict', 'explode'),
    }),
    primary_key: fc.boolean(),
  },
  { requiredKeys: ['name', 'type'] },
)

/** Declarative model configurations (the seed's JSON shape), plus mutations. */
export const modelInput = fc
  .record({
    model: fc.oneof({ weight: 4, arbitrary: identifier }, { weight: 1, arbitrary: hostileString }),
    table: fc.option(fc.oneof({ weight: 4, arbitrary: identifier }, { weight: 1, arbitrary: hostileString }), { nil: undefined }),
    fields: fc.array(fc.oneof({ weight: 5, arbitrary: validField }, { weight: 1, arbitrary: brokenField }), { minLength: 1, maxLength: 5 }),
  })
  .map(({ model, table, fields }) => ({
    models: { [model]: { ...(table === undefined ? {} : { table_name: table }), fields: [{ name: 'id', type: 'integer', primary_key: true }, ...fields] } },
  }))
  .chain((config) => fc.tuple(fc.constant(config), fc.array(mutation, { maxLength: 1 })))
  .map(([config, changes]) => mutate(config, changes))

/** Records of the fuzz model (see FUZZ_MODEL), mostly valid, with hostile strings and mutations. */
export const recordInput = fc
  .record(
    {
      label: hostileString.filter((text) => text.length <= 100),
      notes: fc.option(hostileString, { nil: null }),
      count: fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }),
      amount: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }),
      flag: fc.boolean(),
      day: fc.constantFrom('2026-01-31', '2024-02-29', '2026-02-29', '31-01-2026'),
      at: fc.date({ min: new Date('1971-01-01T00:00:00Z'), max: new Date('2037-12-31T00:00:00Z'), noInvalidDate: true }),
      data: jsonish,
    },
    { requiredKeys: ['label'] },
  )
  .chain((record) => fc.tuple(fc.constant(record), fc.array(mutation, { maxLength: 2 })))
  .map(([record, changes]) => mutate(record, changes))

export const FUZZ_MODEL = {
  models: {
    fuzz_record: {
      fields: [
        { name: 'id', type: 'uuid', primary_key: true },
        { name: 'label', type: 'string', max_length: 100, nullable: false, index: true },
        { name: 'notes', type: 'text', nullable: true },
        { name: 'count', type: 'integer', nullable: true },
        { name: 'amount', type: 'float', nullable: true },
        { name: 'flag', type: 'boolean', nullable: false, default: false },
        { name: 'day', type: 'date', nullable: true },
        { name: 'at', type: 'datetime', nullable: true },
        { name: 'data', type: 'json', nullable: true },
      ],
    },
  },
}
