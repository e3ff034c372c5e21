import type { EngineTarget } from '../helpers/engines.js'
import { openExecutionStore } from '../helpers/execution-store.js'
import { spawnFixture } from './child-process.js'
import type { ScenarioFigures } from './fault-figures.js'

export const LIMIT_CASES = ['payload-10mb', 'job-10k', 'batch-100k', 'metrics-10mb'] as const
export type LimitCase = (typeof LIMIT_CASES)[number]

/** The heap a limit case may use: the child dies (and the case fails) beyond it. */
export const HEAP_LIMIT_MB = 512

export interface LimitOutcome {
  readonly case: LimitCase
  readonly outcome: 'stored' | 'refused' | 'untyped'
  readonly verified?: boolean
  readonly error_type?: string
  readonly message?: string
  readonly ms: number
  readonly maxRssMb: number
}

/**
 * Scenario 6: each limit case runs in its own process with a bounded heap
 * (`--max-old-space-size`): it must be stored and read back complete, or refused with a
 * typed error; the process must not run out of memory.
 */
export async function limitsScenario(
  target: EngineTarget,
  cases: readonly LimitCase[],
): Promise<{ figures: ScenarioFigures; outcomes: LimitOutcome[]; crashes: string[] }> {
  const store = await openExecutionStore(target)
  const configFile = target.configFile()
  const outcomes: LimitOutcome[] = []
  const crashes: string[] = []
  for (const which of cases) {
    const child = spawnFixture('fault-limits.mjs', [configFile, which], [`--max-old-space-size=${HEAP_LIMIT_MB}`])
    const code = await child.exited
    const line = child.lines.find((text) => text.startsWith('{'))
    if (code !== 0 || line === undefined) crashes.push(`${which}: exited ${code}: ${child.stderr().slice(-1500)}`)
    else outcomes.push(JSON.parse(line) as LimitOutcome)
  }
  await store.close()
  const stored = outcomes.filter((outcome) => outcome.outcome === 'stored')
  return {
    outcomes,
    crashes,
    figures: {
      scenario: '6 limits',
      engine: target.engine,
      tries: cases.length,
      faults: cases.length,
      acknowledged: stored.length,
      lost: stored.filter((outcome) => outcome.verified !== true).length,
      duplicated: 0,
      partial: crashes.length,
      untyped: outcomes.filter((outcome) => outcome.outcome === 'untyped').length,
      note: outcomes
        .map(
          (outcome) =>
            `${outcome.case} ${outcome.outcome === 'stored' ? 'stored' : `${outcome.outcome} (${outcome.error_type ?? ''})`} ${(outcome.ms / 1000).toFixed(1)}s ${outcome.maxRssMb}MB RSS`,
        )
        .join('; ')
        .concat(`; heap limit ${HEAP_LIMIT_MB}MB`),
    },
  }
}
