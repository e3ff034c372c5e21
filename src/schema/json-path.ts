/** Formats a path the way users write it: `components[2].routes.out[0].to`. */
export function formatPath(segments: readonly PropertyKey[], root = ''): string {
  let out = root
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`
    else out += out === '' ? String(segment) : `.${String(segment)}`
  }
  return out
}
