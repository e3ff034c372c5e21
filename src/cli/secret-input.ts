import { readFileSync } from 'node:fs'
import { ValidationError } from '../index.js'

/**
 * Reads a secret the way the CLI accepts one: from an environment variable, a file, or
 * standard input; never from an argument, which `ps` and shell history would show.
 */
export function readSecret(options: { env?: string; file?: string; stdin?: boolean }, path: string): string | undefined {
  const given = [options.env, options.file, options.stdin].filter((value) => value !== undefined && value !== false)
  if (given.length > 1) throw new ValidationError([{ path, message: 'Give the secret one way: an environment variable, a file or stdin' }])
  if (options.env !== undefined) {
    const value = process.env[options.env]
    if (value === undefined) throw new ValidationError([{ path, message: `The environment variable ${options.env} is not set` }])
    return value
  }
  if (options.file !== undefined) return readFileSync(options.file, 'utf8').replace(/\r?\n$/, '')
  if (options.stdin) return readFileSync(0, 'utf8').replace(/\r?\n$/, '')
  return undefined
}
