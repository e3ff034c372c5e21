import { describeFuzzSuite } from './faults/fuzz-suite.js'

// The quick subset of fault scenario 5: a few dozen generated inputs per engine (the
// full 10,000 run in test/faults/fuzz.fault.ts). Each ends in a validation error with
// paths or in a stored object that reads back equal.
describeFuzzSuite(
  'fuzzed inputs',
  (engine) => (engine === 'sqlite' ? 40 : 15),
  (runs) => runs,
)
