import { ORIGIN_TABLES, type OriginRowError, type OriginTable } from './origin-row-error.js'

/** What became of one origin table's rows: `found = imported + already_present + not_imported`. */
export interface OriginTableCount {
  readonly table: OriginTable
  readonly found: number
  readonly imported: number
  /** Imported by an earlier run (same id): left as they are. */
  readonly already_present: number
  /** Held back by an error (see `errors`), or belonging to a job that was. */
  readonly not_imported: number
}

/** A secret etl-core kept outside its database (memory or the OS keyring) and the import was not given. */
export interface MissingSecret {
  readonly origin_table: 'credentialstable' | 'contextparametertable'
  readonly origin_id: string
  /** Its key in etl-core's secret store (`<credentials id>/password`, `<context id>/<key>`): the key of `secrets`. */
  readonly secret_key: string
  /** Where it belongs here: the credentials' password, or the context's parameter. */
  readonly owner: { readonly kind: 'credentials' | 'context'; readonly id: string; readonly name: string; readonly key: string }
}

/** Something imported differently from how etl-core had it, or not at all, that is not an error. */
export interface OriginImportWarning {
  readonly origin_table: OriginTable
  readonly origin_id: string
  readonly message: string
}

export interface OriginImportReport {
  readonly file: string
  /** One entry per etl-core table, in the order the import takes them. */
  readonly tables: readonly OriginTableCount[]
  /** The rows the import could not take, each naming its table and id. */
  readonly errors: readonly OriginRowError[]
  readonly missing_secrets: readonly MissingSecret[]
  /** Secrets given in `secrets` that filled a gap left by an earlier run. */
  readonly secrets_filled: number
  readonly warnings: readonly OriginImportWarning[]
  readonly duration_ms: number
}

/** What one unit (a credential, a context, a job with its history) did once it committed. @internal */
export class UnitTally {
  readonly imported = new Map<OriginTable, number>()
  readonly present = new Map<OriginTable, number>()
  readonly warnings: OriginImportWarning[] = []
  readonly missingSecrets: MissingSecret[] = []
  secretsFilled = 0

  add(kind: 'imported' | 'present', table: OriginTable, count = 1): void {
    const map = kind === 'imported' ? this.imported : this.present
    map.set(table, (map.get(table) ?? 0) + count)
  }

  warn(table: OriginTable, id: string, message: string): void {
    this.warnings.push({ origin_table: table, origin_id: id, message })
  }
}

/** Gathers the tallies of committed units and the errors of failed ones into the report. @internal */
export class ImportLedger {
  readonly #imported = new Map<OriginTable, number>()
  readonly #present = new Map<OriginTable, number>()
  readonly #errors: OriginRowError[] = []
  readonly #warnings: OriginImportWarning[] = []
  readonly #missing: MissingSecret[] = []
  #filled = 0

  commit(tally: UnitTally): void {
    for (const [table, n] of tally.imported) this.#imported.set(table, (this.#imported.get(table) ?? 0) + n)
    for (const [table, n] of tally.present) this.#present.set(table, (this.#present.get(table) ?? 0) + n)
    this.#warnings.push(...tally.warnings)
    this.#missing.push(...tally.missingSecrets)
    this.#filled += tally.secretsFilled
  }

  fail(errors: readonly OriginRowError[]): void {
    this.#errors.push(...errors)
  }

  report(file: string, found: (table: OriginTable) => number, durationMs: number): OriginImportReport {
    const tables = ORIGIN_TABLES.map((table) => {
      const imported = this.#imported.get(table) ?? 0
      const present = this.#present.get(table) ?? 0
      const total = found(table)
      return { table, found: total, imported, already_present: present, not_imported: Math.max(0, total - imported - present) }
    })
    return {
      file,
      tables,
      errors: this.#errors,
      missing_secrets: this.#missing,
      secrets_filled: this.#filled,
      warnings: this.#warnings,
      duration_ms: durationMs,
    }
  }
}
