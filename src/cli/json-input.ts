import { readFileSync } from 'node:fs'
import { ValidationError } from '../index.js'

/** Reads and parses a JSON file named on the command line; problems are validation errors naming it. */
export function readJsonFile(file: string, path = 'file'): unknown {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new ValidationError([{ path, message: `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}` }], { cause: error })
  }
  return parseJsonOption(text, path)
}

/** Parses a JSON option value (`--where '{"column": …}'`). */
export function parseJsonOption(text: string, path: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new ValidationError([{ path, message: `Not valid JSON: ${(error as Error).message}` }], { cause: error })
  }
}
