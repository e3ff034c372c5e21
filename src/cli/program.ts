/** The `etlp` program: its commands, global options and exit codes. */
import { Command, CommanderError } from 'commander'
import { isPersistenceError } from '../index.js'
import { registerAuditCommand } from './audit-command.js'
import { registerContextsCommand } from './contexts-command.js'
import { registerCredentialsCommand } from './credentials-command.js'
import { registerDemoCommand } from './demo-command.js'
import { registerDoctorCommand } from './doctor-command.js'
import { writeCliError } from './error-output.js'
import { registerExecutionsCommand } from './executions-command.js'
import { registerImportCommand } from './import-command.js'
import { registerMigrateCommand } from './migrate-command.js'
import { registerJobsCommand } from './jobs-command.js'
import { registerKeysCommand } from './keys-command.js'
import { registerModelsCommand } from './models-command.js'
import { registerRecordsCommand } from './records-command.js'
import { registerSchedulesCommand } from './schedules-command.js'
import { registerServeCommand } from './serve-command.js'
import { registerTokensCommand } from './tokens-command.js'

/** Exit codes: 0 success, 1 a persistence error (on stderr: a line and its details on a terminal, its JSON otherwise), 2 a usage error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const

export function buildProgram(): Command {
  const program = new Command('etlp')
    .description('etl-persistence: job configurations and execution metadata in SQLite, PostgreSQL or MySQL')
    .option('--database-url <url>', 'database URL (overrides the config file and ETLP_DATABASE_URL)')
    .option('--config <file>', 'JSON config file ({"database": {"url": …}})')
    .option('--json', 'machine-readable JSON output')
    .option('--as <principal-json>', 'act as this principal, e.g. \'{"id":"ana","roles":["operator"]}\'')
    .showHelpAfterError()
    .exitOverride()
  registerMigrateCommand(program)
  registerJobsCommand(program)
  registerExecutionsCommand(program)
  registerCredentialsCommand(program)
  registerContextsCommand(program)
  registerSchedulesCommand(program)
  registerKeysCommand(program)
  registerDemoCommand(program)
  registerModelsCommand(program)
  registerRecordsCommand(program)
  registerAuditCommand(program)
  registerDoctorCommand(program)
  registerImportCommand(program)
  registerServeCommand(program)
  registerTokensCommand(program)
  for (const command of program.commands) applyExitOverride(command)
  return program
}

function applyExitOverride(command: Command): void {
  command.exitOverride()
  for (const child of command.commands) applyExitOverride(child)
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync([...argv], { from: 'user' })
    // A command may report a failure it printed itself (audit verify of a broken chain).
    return Number(process.exitCode ?? EXIT.ok)
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage
    if (isPersistenceError(error)) {
      writeCliError(error, { json: program.opts().json === true, stream: process.stderr })
      return EXIT.failure
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    return EXIT.failure
  }
}
