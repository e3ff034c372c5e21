import type { Component, ComponentLink } from './job-rows.js'

export interface CachedGraph {
  readonly components: readonly Component[]
  readonly links: readonly ComponentLink[]
}

const DEFAULT_CAPACITY = 256

/**
 * An LRU of loaded job graphs keyed by job id, version and content hash. A read always
 * fetches the job's header first, so a version committed by another process changes
 * the key and is never served stale; this process's own writes also drop the job's
 * entries. Cached graphs are frozen: callers share them.
 * @internal
 */
export class JobGraphCache {
  readonly #entries = new Map<string, CachedGraph>()
  readonly #capacity: number

  constructor(capacity = DEFAULT_CAPACITY) {
    this.#capacity = capacity
  }

  get(jobId: string, version: number, hash: string): CachedGraph | undefined {
    const key = cacheKey(jobId, version, hash)
    const entry = this.#entries.get(key)
    if (entry) {
      this.#entries.delete(key)
      this.#entries.set(key, entry)
    }
    return entry
  }

  set(jobId: string, version: number, hash: string, graph: CachedGraph): CachedGraph {
    const frozen = deepFreeze(graph)
    this.#entries.delete(cacheKey(jobId, version, hash))
    this.#entries.set(cacheKey(jobId, version, hash), frozen)
    while (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value
      if (oldest === undefined) break
      this.#entries.delete(oldest)
    }
    return frozen
  }

  invalidate(jobId: string): void {
    for (const key of [...this.#entries.keys()]) if (key.startsWith(`${jobId}\0`)) this.#entries.delete(key)
  }

  get size(): number {
    return this.#entries.size
  }
}

const caches = new WeakMap<object, JobGraphCache>()

/** One cache per opened store (keyed by its resolved config, which every transaction shares). @internal */
export function cacheFor(owner: object): JobGraphCache {
  let cache = caches.get(owner)
  if (!cache) {
    cache = new JobGraphCache()
    caches.set(owner, cache)
  }
  return cache
}

function cacheKey(jobId: string, version: number, hash: string): string {
  return `${jobId}\0${version}\0${hash}`
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value) && !(value instanceof Date)) {
    for (const member of Object.values(value)) deepFreeze(member)
    Object.freeze(value)
  }
  return value
}
