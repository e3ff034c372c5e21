// Transactions per operation, counted from the SQL an implementation reports (the
// product's onQuery, the ORMs' loggers): an explicit transaction (BEGIN / START
// TRANSACTION … COMMIT or ROLLBACK) is one, and so is every statement run outside one
// (the database runs it as its own autocommit transaction). The workloads run one
// operation at a time, so one open/closed flag per implementation is enough.
const OPENS = /^\s*(begin|start\s+transaction)\b/i
const CLOSES = /^\s*(commit|rollback)\b/i
// Not transactions of their own: savepoints (they nest inside an open one), and session
// settings and pragmas (SQLite's WAL checkpoint after a commit, `set transaction …`).
const NESTED = /^\s*(savepoint|release|rollback\s+to|pragma|set)\b/i

export function transactionMeter() {
  let open = false
  let count = 0
  return {
    /** Counts the statement `sql` (call it for every statement, begin and commit included). */
    see(sql) {
      if (NESTED.test(sql)) return
      if (OPENS.test(sql)) {
        count++
        open = true
      } else if (CLOSES.test(sql)) {
        open = false
      } else if (!open) {
        count++
      }
    },
    count: () => count,
  }
}
