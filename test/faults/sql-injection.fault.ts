// Fault scenario 5, SQL-injection corpus: the whole corpus is quick, so npm test runs it as
// test/sql-injection.test.ts; the fault suite runs that same file for its summary table.
import '../sql-injection.test.js'
