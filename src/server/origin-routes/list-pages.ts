import { MAX_LIMIT, type ListQuery, type ListResult } from '../../query/index.js'

/**
 * Every item of a list, page by page on its keyset cursor: the origin's list routes
 * (`GET /contexts/`, `GET /schedules/`) answer everything at once, without paging.
 */
export async function everyItem<T>(list: (page: ListQuery) => Promise<ListResult<T>>): Promise<T[]> {
  const items: T[] = []
  let cursor: string | null = null
  do {
    const page: ListResult<T> = await list({ limit: MAX_LIMIT, ...(cursor === null ? {} : { cursor }) })
    items.push(...page.items)
    cursor = page.next_cursor
  } while (cursor !== null)
  return items
}
