import { expect } from 'vitest'
import { ValidationError, type ValidationIssue } from '../../src/errors.js'

/** The issues of the `ValidationError` that `work` throws (fails the test if it throws anything else, or nothing). */
export function validationIssues(work: () => unknown): ValidationIssue[] {
  try {
    work()
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    return [...(error as ValidationError).issues]
  }
  throw new Error('expected a validation error')
}

/** The same for a promise that must reject with a `ValidationError`. */
export async function rejectedIssues(work: Promise<unknown>): Promise<ValidationIssue[]> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(ValidationError)
  return [...(error as ValidationError).issues]
}
