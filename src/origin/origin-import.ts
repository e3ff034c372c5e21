import { AccessDeniedError, ConnectionError, ValidationError, isPersistenceError } from '../errors.js'
import type { AccessPolicy, Principal } from '../security/access-policy.js'
import { appendAuditEntry } from '../security/audit-chain.js'
import { MissingMasterKeyError } from '../security/secret-errors.js'
import type { StoreContext } from '../store-context.js'
import { OriginDatabase, groupRows, type OriginRow } from './origin-database.js'
import { importContext, importCredential } from './origin-environment-import.js'
import { ImportLedger, type OriginImportReport, type UnitTally } from './origin-import-report.js'
import { importJob } from './origin-job-import.js'
import { OriginRowError, type OriginTable } from './origin-row-error.js'
import { isOriginTimeZone } from './origin-time.js'
import { OriginUnitErrors, type UnitOptions } from './origin-unit.js'

export interface OriginImportOptions {
  /**
   * The zone etl-core's naive times were written in: `local` (this machine's zone, the
   * default: etl-core writes `datetime.now()`), `UTC`, or an IANA name.
   */
  readonly timeZone?: string
  /**
   * Secrets etl-core kept outside its database, by its secret-store key:
   * `<credentials id>/password` and `<context id>/<parameter key>`. Those not given
   * are reported in `missing_secrets`; a later run with them fills them in.
   */
  readonly secrets?: Readonly<Record<string, string>>
  /**
   * Names are unique here, not in etl-core: a job, context, credentials or schedule
   * whose name is taken is an error unless this is set; then it is imported as
   * `name (first 8 characters of its id)` and the rename is a warning.
   */
  readonly renameDuplicates?: boolean
  /** Called after each credential, context and job (with its schedules and executions). */
  readonly onProgress?: (progress: OriginImportProgress) => void
}

export interface OriginImportProgress {
  /** Rows of credentialstable, contexttable, jobtable, scheduletable and executiontable handled so far. */
  readonly done: number
  readonly total: number
  readonly table: OriginTable
  readonly id: string
}

/** Everything an import writes needs these, in every environment. */
const PERMISSIONS = ['credentials:write', 'contexts:write', 'jobs:write', 'schedules:write', 'executions:write'] as const

/**
 * Copies an etl-core database (SQLite) into the store: credentials, contexts, then each
 * job with its schedules, executions and attempts, ids and times kept. Each credential,
 * context and job is one transaction; a row that cannot be taken is an `OriginRowError`
 * in the report (naming its table and id) and keeps its unit out, nothing of it
 * written. Rows an earlier run imported are left as they are, so a second run imports
 * nothing twice (and adds what etl-core recorded since). The origin file is only read.
 * @internal use `store.importOrigin`
 */
export async function importOriginDatabase(
  context: StoreContext,
  path: string,
  options: OriginImportOptions = {},
  access: { readonly principal: Principal; readonly policy: AccessPolicy },
): Promise<OriginImportReport> {
  const started = performance.now()
  const zone = options.timeZone ?? 'local'
  if (!isOriginTimeZone(zone))
    throw new ValidationError([{ path: 'timeZone', message: `Unknown time zone ${JSON.stringify(zone)}: use local, UTC or an IANA name` }])
  const secrets = secretMap(options.secrets)
  await checkAccess(context, access, path)

  const unit: UnitOptions = {
    zone,
    secrets,
    renameDuplicates: options.renameDuplicates === true,
    audit: async (tx, entityType, id, after) => {
      await appendAuditEntry(tx, { actor: access.principal.id, action: 'origin.import', entityType, entityId: id, outcome: 'ok', before: null, after })
    },
  }
  const db = OriginDatabase.open(path)
  try {
    const ledger = new ImportLedger()
    const total = (['credentialstable', 'contexttable', 'jobtable', 'scheduletable', 'executiontable'] as const).reduce(
      (sum, table) => sum + db.count(table),
      0,
    )
    let done = 0
    const step = (table: OriginTable, id: string, rows: number) => {
      done += rows
      options.onProgress?.({ done, total, table, id })
    }
    const run = async (table: OriginTable, row: OriginRow, work: () => Promise<UnitTally>, rows = 1) => {
      try {
        ledger.commit(await work())
      } catch (error) {
        ledger.fail(rowErrors(error, table, String(row.id)))
      }
      step(table, String(row.id), rows)
    }

    for (const { table, row, parent, column } of db.orphans()) {
      ledger.fail([
        new OriginRowError(table, String(row.id), [
          { path: column, message: `No ${parent} row ${JSON.stringify(row[column])}: the row it belongs to is missing` },
        ]),
      ])
    }
    for (const row of db.rows('credentialstable')) {
      await run('credentialstable', row, () => context.transaction((tx) => importCredential(tx, row, unit)))
    }
    const parameters = groupRows(db.rows('contextparametertable'), 'context_id')
    const maps = groupRows(db.rows('contextcredentialsmaptable'), 'context_id')
    for (const row of db.rows('contexttable')) {
      const id = String(row.id)
      await run('contexttable', row, () => context.transaction((tx) => importContext(tx, row, parameters.get(id) ?? [], maps.get(id) ?? [], unit)))
    }
    for (const row of db.rows('jobtable')) {
      const rows = db.jobRows(row)
      await run('jobtable', row, () => importJob(context, rows, unit), 1 + rows.schedules.length + rows.executions.length)
    }
    // Rows of orphaned executions and schedules belong to no job: the bar ends at 100% all the same.
    if (done < total) options.onProgress?.({ done: total, total, table: 'executiontable', id: '' })
    return ledger.report(path, (table) => db.count(table), Math.round(performance.now() - started))
  } finally {
    db.close()
  }
}

/**
 * An import writes into every environment: each permission is needed without an
 * environment limit (the built-in `admin` has them). A refusal is audited like any other.
 */
async function checkAccess(context: StoreContext, access: { principal: Principal; policy: AccessPolicy }, path: string): Promise<void> {
  const missing = PERMISSIONS.filter((permission) => !access.policy.allows(access.principal, permission))
  if (missing.length === 0) return
  await context.transaction((tx) =>
    appendAuditEntry(tx, {
      actor: access.principal.id,
      action: 'origin.import',
      entityType: 'store',
      entityId: null,
      outcome: 'denied',
      before: null,
      after: { permissions: missing, file: path },
    }),
  )
  throw new AccessDeniedError(
    `${access.principal.id} (${access.principal.roles.join(', ') || 'no roles'}) lacks ${missing.join(', ')} in every environment, which an import of etl-core needs`,
    missing[0] as string,
  )
}

/**
 * The errors a failed unit reports. Problems that would stop every other unit too (a
 * lost connection, no master key for the secrets given) end the import instead.
 */
function rowErrors(error: unknown, table: OriginTable, id: string): OriginRowError[] {
  if (error instanceof OriginUnitErrors) return [...error.errors]
  if (error instanceof OriginRowError) return [error]
  if (error instanceof ConnectionError || error instanceof MissingMasterKeyError || error instanceof AccessDeniedError) throw error
  if (isPersistenceError(error)) {
    const issues = error instanceof ValidationError ? error.issues : [{ path: '', message: `${error.error_type}: ${error.message}` }]
    return [new OriginRowError(table, id, issues, { cause: error })]
  }
  throw error
}

function secretMap(secrets: OriginImportOptions['secrets']): ReadonlyMap<string, string> {
  if (secrets === undefined) return new Map()
  if (secrets === null || typeof secrets !== 'object' || Array.isArray(secrets)) {
    throw new ValidationError([{ path: 'secrets', message: 'Expected an object: etl-core secret key → value' }])
  }
  const map = new Map<string, string>()
  for (const [key, value] of Object.entries(secrets)) {
    if (typeof value !== 'string') throw new ValidationError([{ path: `secrets.${key}`, message: 'Expected a string' }])
    map.set(key, value)
  }
  return map
}
