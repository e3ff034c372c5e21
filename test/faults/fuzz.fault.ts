import { describeFuzzSuite } from './fuzz-suite.js'

// Fault scenario 5, full: 10,000 generated inputs on SQLite (2,500 each of job configs,
// filter queries, schedule triggers and model declarations) plus model records, and a
// smaller share on PostgreSQL and MariaDB, where the SQL and the stored types differ.
describeFuzzSuite(
  'fuzzed inputs (10,000)',
  (engine) => Number(process.env.ETLP_FUZZ_RUNS ?? (engine === 'sqlite' ? 2500 : 500)),
  (runs) => Math.ceil(runs / 2),
)
