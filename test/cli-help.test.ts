import type { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { buildProgram } from '../src/cli/program.js'
import { runCli } from './helpers/cli.js'

/** Every command of the built program, as the words that reach it (`['jobs', 'import']`). */
function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands
    .filter((child) => child.name() !== 'help')
    .flatMap((child) => [[...prefix, child.name()], ...commandPaths(child, [...prefix, child.name()])])
}

function helpOf(path: readonly string[]): string {
  let command = buildProgram()
  for (const name of path) command = command.commands.find((child) => child.name() === name) as Command
  let text = ''
  command.configureOutput({ writeOut: (chunk) => (text += chunk), writeErr: (chunk) => (text += chunk) })
  command.outputHelp()
  // addHelpText('after', …) is printed on the help event, which outputHelp emits.
  return text
}

describe('etlp commands', () => {
  const paths = commandPaths(buildProgram())

  it('covers every command group of the product', () => {
    const groups = new Set(paths.map((path) => path[0]))
    for (const group of ['migrate', 'jobs', 'executions', 'contexts', 'credentials', 'schedules', 'models', 'records', 'audit', 'keys', 'doctor', 'demo']) {
      expect(groups, group).toContain(group)
    }
  })

  it.each(paths.map((path) => [path.join(' ')]))('etlp %s --help shows a description and examples', (joined) => {
    const path = joined.split(' ')
    const help = helpOf(path)
    expect(help).toMatch(/Usage: etlp/)
    // Every command, or the group it belongs to, shows examples.
    expect(help.includes('Examples:') || helpOf(path.slice(0, 1)).includes('Examples:'), joined).toBe(true)
  })

  it('exits 2 with a usage message on an unknown option of any group', async () => {
    for (const group of ['jobs', 'executions', 'audit']) {
      const result = await runCli([group, 'list', '--no-such-option'])
      expect(result.code, group).toBe(2)
      expect(result.stderr).toMatch(/unknown option/)
    }
  })
})
