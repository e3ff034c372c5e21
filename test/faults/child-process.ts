import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url))

/** A child `node` process whose stdout lines are collected as they arrive. */
export interface Child {
  readonly process: ChildProcess
  readonly lines: string[]
  /** Resolves with the first line that satisfies `match`, rejects if the child exits first. */
  waitFor(match: (line: string) => boolean): Promise<string>
  /** Resolves with the exit code (or the signal name) once the child is gone. */
  readonly exited: Promise<number | string>
  stderr(): string
}

export function spawnFixture(script: string, args: readonly string[], nodeOptions: readonly string[] = []): Child {
  const child = spawn(process.execPath, [...nodeOptions, `${FIXTURES}${script}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  const waiters: Array<{ match: (line: string) => boolean; resolve: (line: string) => void; reject: (error: Error) => void }> = []
  let pending = ''
  let errors = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    pending += chunk
    const parts = pending.split('\n')
    pending = parts.pop() ?? ''
    for (const line of parts) {
      lines.push(line)
      for (const waiter of [...waiters]) {
        if (waiter.match(line)) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve(line)
        }
      }
    }
  })
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => {
    errors = (errors + chunk).slice(-8000)
  })
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      for (const waiter of waiters.splice(0)) {
        waiter.reject(new Error(`${script} exited (${signal ?? code}) before the awaited line; stderr: ${errors}`))
      }
      resolve(signal ?? code ?? -1)
    })
  })
  return {
    process: child,
    lines,
    exited,
    stderr: () => errors,
    waitFor: (match) => {
      const found = lines.find(match)
      if (found !== undefined) return Promise.resolve(found)
      if (child.exitCode !== null || child.signalCode !== null) {
        return Promise.reject(new Error(`${script} already exited; stderr: ${errors}`))
      }
      return new Promise((resolve, reject) => waiters.push({ match, resolve, reject }))
    },
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
