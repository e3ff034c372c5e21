/** The shared list/query language: see list-query.ts for usage. */
export { listQuery, checkListQuery, planStream, streamWindow, type ListSource, type StreamPlan } from './list-query.js'
export { checkFilter, filterExpression, type CompiledFilter } from './filter-compiler.js'
export { resolveColumn, type QueryColumn, type QueryEntity, type QueryValueType } from './query-entity.js'
export {
  listQuerySchema,
  filterRuleSchema,
  orderBySchema,
  FILTER_OPERATORS,
  LOGICAL_OPERATORS,
  DEFAULT_LIMIT,
  MAX_LIMIT,
  type FilterGroup,
  type FilterLeaf,
  type FilterOperator,
  type FilterRule,
  type ListQuery,
  type StreamQuery,
  type ListResult,
  type OrderBy,
  type OrderByEntry,
} from './query-schema.js'
