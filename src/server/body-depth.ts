/** Deeper than any job config, context or record needs; far below what recursion survives. */
export const MAX_BODY_DEPTH = 100

/**
 * The path of the first value nested deeper than `maxDepth` in a parsed body, or
 * undefined. Walks with its own stack: the point is to refuse what recursive code
 * (validation, canonical JSON) would overflow on.
 */
export function pathBeyondDepth(value: unknown, maxDepth: number): string | undefined {
  const pending: Array<{ value: unknown; depth: number; path: string }> = [{ value, depth: 0, path: 'body' }]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.value === null || typeof next.value !== 'object') continue
    if (next.depth >= maxDepth) return next.path
    for (const [key, child] of Object.entries(next.value)) {
      pending.push({ value: child, depth: next.depth + 1, path: Array.isArray(next.value) ? `${next.path}[${key}]` : `${next.path}.${key}` })
    }
  }
  return undefined
}
