import type { DialectAdapter } from '../db/dialect-adapter.js'
import { compileRowDecoder } from '../db/speed/row-decoder.js'
import type { SomeTable } from '../db/table-declaration.js'
import type { Attempt, ComponentRun, ErrorInfo, Execution, ExecutionEvent, ListedExecution } from '../schema/execution-schemas.js'
import { componentRunsTable, executionAttemptsTable, executionEventsTable, executionsTable } from '../tables/execution-tables.js'

// The execution family's rows as the repository returns them: decoded by decoders
// generated from the table declarations (src/tables/execution-tables.ts), then reshaped
// to the public types (src/schema/execution-schemas.ts), which the compiler checks the
// result against. The decoders sit on the list and stream paths: see row-decoder.ts.

/** The columns of `table` but `excluded`, in declaration order. */
function columnsExcept<T extends SomeTable, const E extends T['columnNames'][number]>(
  table: T,
  excluded: readonly E[],
): Exclude<T['columnNames'][number], E>[] {
  return table.columnNames.filter((name): name is Exclude<T['columnNames'][number], E> => !(excluded as readonly string[]).includes(name))
}

/**
 * The execution header's columns: the payload (params, error details) lives in its own
 * table, and the lease length and the update time are the store's own.
 */
export const EXECUTION_COLUMNS = columnsExcept(executionsTable, ['lease_ms', 'updated_at'])

type Row = Readonly<Record<string, unknown>>

/** Compiles only when `Decoded` has exactly the fields of `Public`: no column left out, none leaked. */
type SameFields<Public, Decoded extends Public> = Exclude<keyof Decoded, keyof Public> extends never ? Decoded : never

const decodeExecution = compileRowDecoder(executionsTable, columnsExcept(executionsTable, ['lease_ms', 'updated_at', 'error_type', 'error_message']))
const decodeAttempt = compileRowDecoder(executionAttemptsTable, columnsExcept(executionAttemptsTable, ['error_type', 'error_message', 'error_details']))
const decodeComponentRun = compileRowDecoder(componentRunsTable, componentRunsTable.columnNames)
const decodeEvent = compileRowDecoder(executionEventsTable, executionEventsTable.columnNames)

function errorFrom(row: Row, details: unknown): Execution['error'] {
  if (row.error_type === null || row.error_type === undefined) return null
  return { type: String(row.error_type), message: String(row.error_message ?? ''), details: details ?? null }
}

export function executionFromRow(adapter: DialectAdapter, row: Row, errorDetails: unknown = null): Execution {
  const header: SameFields<Omit<Execution, 'error'>, ReturnType<typeof decodeExecution>> = decodeExecution(adapter, row)
  // Set on the decoded object: a second object per row would double the allocation.
  const execution = header as Execution
  execution.error = errorFrom(row, errorDetails)
  return execution
}

/** A list or stream row: the header and `job_name`, its job's name. */
export function listedExecutionFromRow(adapter: DialectAdapter, row: Row): ListedExecution {
  // Set on the decoded object: spreading it into a new one cost more than decoding it.
  const execution = executionFromRow(adapter, row) as ListedExecution
  execution.job_name = String(row.job_name ?? '')
  return execution
}

export function attemptFromRow(adapter: DialectAdapter, row: Row): Attempt {
  const header: SameFields<Omit<Attempt, 'error'>, ReturnType<typeof decodeAttempt>> = decodeAttempt(adapter, row)
  const attempt = header as Attempt
  attempt.error = errorFrom(row, adapter.decodeJson(row.error_details))
  return attempt
}

export function componentRunFromRow(adapter: DialectAdapter, row: Row): ComponentRun {
  const run: SameFields<ComponentRun, ReturnType<typeof decodeComponentRun>> = decodeComponentRun(adapter, row)
  return run
}

export function eventFromRow(adapter: DialectAdapter, row: Row): ExecutionEvent {
  const event: SameFields<ExecutionEvent, ReturnType<typeof decodeEvent>> = decodeEvent(adapter, row)
  return event
}

/** The header keeps a bounded message; the full error goes to the payload table. */
export function errorColumns(error: ErrorInfo | undefined): { error_type: string | null; error_message: string | null } {
  if (!error) return { error_type: null, error_message: null }
  return { error_type: error.type, error_message: error.message.slice(0, 1000) }
}
