/**
 * One progress bar for every long CLI operation: redrawn in place on stderr when it is
 * a terminal; otherwise (pipes, CI logs) a plain line at each tenth, so logs stay short.
 *
 * @example
 * const bar = progressBar('executions purged')
 * bar.update(40, 100)
 * bar.done()
 */
export interface ProgressBar {
  update(done: number, total: number, label?: string): void
  done(): void
}

const WIDTH = 30

export function progressBar(unit: string, stream: NodeJS.WriteStream = process.stderr, quiet = false): ProgressBar {
  let lastTenth = -1
  let drawn = false
  return {
    update(done, total, label = '') {
      if (quiet) return
      const ratio = total <= 0 ? 1 : Math.min(1, done / total)
      const filled = Math.round(ratio * WIDTH)
      const line = `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${Math.round(ratio * 100)}% ${done.toLocaleString('en')}/${total.toLocaleString('en')} ${unit}${label ? ` ${label}` : ''}`
      if (stream.isTTY) {
        stream.write(`\r${line.padEnd(90)}`)
        drawn = true
        return
      }
      const tenth = Math.floor(ratio * 10)
      if (tenth !== lastTenth) {
        lastTenth = tenth
        stream.write(`${line}\n`)
      }
    },
    done() {
      if (drawn) stream.write('\n')
      drawn = false
    },
  }
}
