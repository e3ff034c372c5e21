import { beforeAll, describe, expect, it } from 'vitest'
import { AccessDeniedError, ValidationError } from '../src/errors.js'
import { JobRepository } from '../src/repositories/job-repository.js'
import { ExecutionRepository } from '../src/repositories/execution-repository.js'
import { JobStateRepository } from '../src/repositories/job-state-repository.js'
import { CredentialRepository } from '../src/repositories/credential-repository.js'
import { ContextRepository } from '../src/repositories/context-repository.js'
import { ScheduleRepository } from '../src/repositories/schedule-repository.js'
import { ApiTokenRepository } from '../src/security/api-token-repository.js'
import { KeyManager } from '../src/security/key-manager.js'
import { ModelRepository } from '../src/models/model-repository.js'
import { RecordRepository } from '../src/models/record-repository.js'
import { AuditRepository } from '../src/security/audit-repository.js'
import { OPERATIONS } from '../src/security/operation-table.js'
import type { Store } from '../src/store.js'
import { describeEngines } from './helpers/engines.js'
import { MASKED_SECRET } from '../src/schema/credential-schema.js'
import { openSecretStore, writeKeyFile } from './helpers/secret-store.js'

describe('operation table', () => {
  const repositories: Record<keyof typeof OPERATIONS, { prototype: object }> = {
    jobs: JobRepository,
    executions: ExecutionRepository,
    state: JobStateRepository,
    credentials: CredentialRepository,
    contexts: ContextRepository,
    schedules: ScheduleRepository,
    keys: KeyManager,
    models: ModelRepository,
    records: RecordRepository,
    audit: AuditRepository,
    tokens: ApiTokenRepository,
  }

  it('names every public repository method, and nothing that does not exist', () => {
    for (const key of Object.keys(repositories) as (keyof typeof OPERATIONS)[]) {
      const repository = repositories[key]
      const methods = Object.getOwnPropertyNames(repository.prototype)
        .filter((name) => name !== 'constructor')
        .filter((name) => typeof Object.getOwnPropertyDescriptor(repository.prototype, name)?.value === 'function')
        .sort()
      expect(Object.keys(OPERATIONS[key]).sort(), key).toEqual(methods)
    }
  })
})

const job = (name: string) => ({
  name,
  strategy_type: 'row',
  components: [
    { comp_type: 'read_csv', name: 'read', filepath: 'in.csv', routes: { out: ['write'] } },
    { comp_type: 'write_csv', name: 'write', filepath: 'out.csv' },
  ],
})

type Role = 'viewer' | 'operator' | 'editor' | 'admin'
const ROLES: readonly Role[] = ['viewer', 'operator', 'editor', 'admin']

/** What the built-in policy promises, written out by hand (not derived from the code). */
const MATRIX: ReadonlyArray<{ operation: string; allowed: readonly Role[]; run: (store: Store, ids: Ids, tag: string) => Promise<unknown> }> = [
  { operation: 'jobs.list', allowed: ROLES, run: (s) => s.jobs.list() },
  { operation: 'jobs.create', allowed: ['editor', 'admin'], run: (s, _ids, tag) => s.jobs.create(job(`made-${tag}`)) },
  { operation: 'jobs.update', allowed: ['editor', 'admin'], run: (s, ids, tag) => s.jobs.update(ids.jobId, job(`renamed-${tag}`)) },
  { operation: 'executions.list', allowed: ROLES, run: (s) => s.executions.list() },
  {
    operation: 'executions.stream',
    allowed: ROLES,
    run: async (s) => {
      for await (const _execution of s.executions.stream({ limit: 1 })) break
    },
  },
  {
    operation: 'executions.start DEV',
    allowed: ['operator', 'editor', 'admin'],
    run: (s, ids) => s.executions.start({ jobId: ids.jobId, environment: 'DEV' }),
  },
  { operation: 'executions.start PROD', allowed: ['operator', 'admin'], run: (s, ids) => s.executions.start({ jobId: ids.jobId, environment: 'PROD' }) },
  { operation: 'executions.purge', allowed: ['operator', 'admin'], run: (s) => s.executions.purge({ olderThan: new Date(0) }) },
  { operation: 'credentials.list', allowed: ROLES, run: (s) => s.credentials.list() },
  { operation: 'credentials.create', allowed: ['editor', 'admin'], run: (s, _ids, tag) => s.credentials.create({ name: `cred-${tag}`, password: 'x' }) },
  { operation: 'credentials.reveal', allowed: ['admin'], run: (s, ids) => s.credentials.reveal(ids.credentialId) },
  { operation: 'contexts.upsert DEV', allowed: ['editor', 'admin'], run: (s, _ids, tag) => s.contexts.upsert({ name: `dev-${tag}`, environment: 'DEV' }) },
  { operation: 'contexts.upsert PROD', allowed: ['admin'], run: (s, _ids, tag) => s.contexts.upsert({ name: `prod-${tag}`, environment: 'PROD' }) },
  {
    operation: 'schedules.create',
    allowed: ['operator', 'editor', 'admin'],
    run: (s, ids, tag) => s.schedules.create({ name: `sched-${tag}`, job_id: ids.jobId, trigger: { interval: { hours: 1 } } }),
  },
  { operation: 'state.set', allowed: ['operator', 'editor', 'admin'], run: (s, ids, tag) => s.state.set(ids.jobId, `k-${tag}`, 1) },
  { operation: 'models.list', allowed: ROLES, run: (s) => s.models.list() },
  { operation: 'audit.list', allowed: ['admin'], run: (s) => s.audit.list() },
  { operation: 'audit.verify', allowed: ['admin'], run: (s) => s.audit.verify() },
  { operation: 'keys.list', allowed: ['admin'], run: (s) => s.keys.list() },
  { operation: 'keys.rotate', allowed: ['admin'], run: (s) => s.keys.rotate() },
  { operation: 'contexts.list', allowed: ROLES, run: (s) => s.contexts.list() },
  { operation: 'schedules.list', allowed: ROLES, run: (s) => s.schedules.list() },
  { operation: 'state.get', allowed: ROLES, run: (s, ids) => s.state.get(ids.jobId, 'k') },
  { operation: 'executions.stats', allowed: ROLES, run: (s) => s.executions.stats() },
  { operation: 'models.define', allowed: ['editor', 'admin'], run: (s) => s.models.define(MODELS) },
  { operation: 'records.find', allowed: ROLES, run: (s) => s.models.records('matrix_note').find() },
  {
    operation: 'records.insert',
    allowed: ['editor', 'admin'],
    run: (s, _ids, tag) => s.models.records('matrix_note').insert({ body: tag }),
  },
]

/** One declared model, defined by the system principal first; defining it again changes nothing. */
const MODELS = {
  models: {
    matrix_note: {
      table_name: 'matrix_notes',
      fields: [
        { name: 'id', type: 'integer', primary_key: true },
        { name: 'body', type: 'string', max_length: 200 },
      ],
    },
  },
}

interface Ids {
  readonly jobId: string
  readonly credentialId: string
}

describeEngines('access control', (target) => {
  let store: Store
  let ids: Ids
  let keyFile: string

  beforeAll(async () => {
    keyFile = writeKeyFile(target().dir).path
    store = await openSecretStore(target(), keyFile, {
      access_control: { roles: { dev_operator: { permissions: ['executions:*', 'jobs:read'], environments: ['DEV'] } } },
    })
    await store.models.define(MODELS)
    ids = {
      jobId: (await store.jobs.create(job('matrix'))).id,
      credentialId: (await store.credentials.create({ name: 'matrix-cred', password: 'secret' })).id,
    }
  })

  for (const role of ROLES) {
    it(`allows and refuses exactly what the policy says for ${role}`, async () => {
      const as = store.as({ id: `${role}-user`, roles: [role] })
      for (const { operation, allowed, run } of MATRIX) {
        const outcome = await run(as, ids, `${role}-${operation.replace(/\W/g, '-')}`).then(
          () => 'allowed',
          (error: unknown) => (error instanceof AccessDeniedError ? 'refused' : error),
        )
        expect(outcome, `${role} ${operation}`).toBe(allowed.includes(role) ? 'allowed' : 'refused')
      }
    })
  }

  it('names the permission in a refusal and changes nothing', async () => {
    const before = (await store.jobs.list({ total: true })).total
    const error = await store
      .as({ id: 'vic', roles: ['viewer'] })
      .jobs.create(job('nope'))
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(AccessDeniedError)
    expect(error).toMatchObject({ permission: 'jobs:write', error_type: 'access_denied' })
    expect((await store.jobs.list({ total: true })).total).toBe(before)
  })

  it('resolves a context masked with contexts:read, and reveals its secrets only with credentials:reveal', async () => {
    await store.contexts.upsert({
      name: 'reveal-check',
      environment: 'DEV',
      parameters: { token: { value: 'sealed-value', is_secure: true } },
      credentials: { DEV: 'matrix-cred' },
    })
    const viewer = store.as({ id: 'val', roles: ['viewer'] })
    const masked = await viewer.contexts.resolve('reveal-check', 'DEV')
    expect(masked.parameters.token).toBe(MASKED_SECRET)
    await expect(viewer.contexts.resolve('reveal-check', 'DEV', { reveal: true })).rejects.toMatchObject({
      error_type: 'access_denied',
      permission: 'credentials:reveal',
    })
    const denials = await store.audit.list({ where: { column: 'actor', operator: '==', value: 'val' } })
    expect(denials.items.map((entry) => [entry.outcome, entry.after])).toContainEqual(['denied', { permission: 'credentials:reveal', environment: null }])
    const admin = store.as({ id: 'adele', roles: ['admin'] })
    expect((await admin.contexts.resolve('reveal-check', 'DEV', { reveal: true })).credentials).toMatchObject({ password: 'secret' })
  })

  it('holds environment limits: an operator limited to DEV cannot start a PROD execution', async () => {
    const devOperator = store.as({ id: 'dora', roles: ['dev_operator'] })
    await expect(devOperator.executions.start({ jobId: ids.jobId, environment: 'DEV' })).resolves.toMatchObject({ environment: 'DEV' })
    await expect(devOperator.executions.start({ jobId: ids.jobId, environment: 'PROD' })).rejects.toMatchObject({
      error_type: 'access_denied',
      permission: 'executions:write',
    })
    const prod = await store.executions.start({ jobId: ids.jobId, environment: 'PROD' })
    await expect(devOperator.executions.startAttempt(prod.id)).rejects.toBeInstanceOf(AccessDeniedError)
  })

  it("keeps a store's roles as given to store.as: changing the object afterwards grants nothing", async () => {
    const given = { id: 'val', roles: ['viewer'] }
    const viewer = store.as(given)
    given.roles.push('admin')
    await expect(viewer.jobs.create(job('escalated'))).rejects.toBeInstanceOf(AccessDeniedError)
    expect(() => (viewer.principal.roles as string[]).push('admin')).toThrow(TypeError)
    await expect(viewer.jobs.create(job('escalated'))).rejects.toBeInstanceOf(AccessDeniedError)
  })

  it('refuses an unknown role and a malformed principal', () => {
    expect(() => store.as({ id: 'x', roles: ['superuser'] })).toThrow(ValidationError)
    expect(() => store.as({ id: '', roles: [] })).toThrow(ValidationError)
  })

  it('refuses every call without a principal when access control is enabled', async () => {
    const guarded = await openSecretStore(target(), keyFile, { access_control: { enabled: true } })
    await expect(guarded.jobs.list()).rejects.toBeInstanceOf(AccessDeniedError)
    await expect(guarded.as({ id: 'ana', roles: ['viewer'] }).jobs.list()).resolves.toBeDefined()
  })
})
