import { clearFigures, figuresTable, readFigures } from './fault-figures.js'

/** Global setup of `npm run test:faults`: starts with no figures, prints the table at the end. */
export function setup(): () => void {
  clearFigures()
  return () => {
    const rows = readFigures()
    console.log(`\nFault-injection summary (${rows.length} scenario runs)\n${figuresTable(rows)}\n`)
  }
}
