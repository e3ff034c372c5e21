/** How the dashboard writes numbers and times: short, and the same on every page. */

/** `850 ms`, `12.4 s`, `3 min 5 s`, `2 h 10 min`; `–` when there is none. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–'
  if (ms < 1000) return `${Math.round(ms)} ms`
  const seconds = ms / 1000
  if (seconds < 60) return `${seconds.toFixed(1)} s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

/** `2026-01-31 14:05:09 UTC`: one zone for everyone who shares a link. */
export function formatTime(at: Date | null | undefined): string {
  if (!at) return '–'
  return `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** `97.5 %`, or `–` before anything finished. */
export function formatRate(rate: number | null): string {
  return rate === null ? '–' : `${(rate * 100).toFixed(1)} %`
}

/** `12,345`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US')
}
