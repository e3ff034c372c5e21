import { contextInputSchema, contextSchema, resolvedContextSchema } from '../../schema/context-schema.js'
import { credentialInputSchema, credentialPatchSchema, credentialSchema } from '../../schema/credential-schema.js'
import {
  attemptSchema,
  claimSchema,
  componentRunOutSchema,
  componentRunSchema,
  eventSchema,
  executionDetailSchema,
  executionEventSchema,
  executionSchema,
  finishResultSchema,
  listedExecutionSchema,
  startExecutionSchema,
} from '../../schema/execution-schemas.js'
import { jobConfigSchema } from '../../schema/job-config-schema.js'
import { componentLinkSchema, jobVersionSchema, jobVersionSummarySchema, storedComponentSchema, storedJobSchema } from '../../schema/stored-job-schemas.js'
import { modelConfigSchema } from '../../models/model-config-schema.js'
import { filterRuleSchema, listQuerySchema } from '../../query/query-schema.js'
import { dueFireSchema, scheduleInputSchema, schedulePatchSchema, scheduleSchema } from '../../schedules/schedule-schema.js'
import { named } from '../openapi-components.js'

/**
 * The library's own schemas, named as components of the OpenAPI document. Request
 * bodies appear as `<name>Input`, answers as `<name>`; names never end in "Input" so the
 * two cannot collide.
 */

named(filterRuleSchema, 'FilterRule', 'A leaf {column, operator, value} or a node {logical_operator, rules}')
export const listQueryBody = named(listQuerySchema, 'ListQuery', 'where, order_by, limit, offset or cursor, total')

export const jobConfigBody = named(jobConfigSchema, 'JobConfig', "A job in the origin's JSON format; each component's own fields are checked by its type")
export const jobOut = named(storedJobSchema.unwrap(), 'Job', 'A job header')
export const componentOut = named(storedComponentSchema, 'Component', "One component of a job's current graph")
export const componentLinkOut = named(componentLinkSchema, 'ComponentLink')
export const jobVersionSummaryOut = named(jobVersionSummarySchema, 'JobVersionSummary')
export const jobVersionOut = named(jobVersionSchema, 'JobVersion')

export const executionOut = named(executionSchema, 'Execution')
export const attemptOut = named(attemptSchema, 'Attempt')
export const componentRunOut = named(componentRunOutSchema, 'ComponentRun')
export const eventOut = named(executionEventSchema, 'ExecutionEvent')
export const listedExecutionOut = named(listedExecutionSchema, 'ListedExecution', 'An execution header with its job name')
export const executionDetailOut = named(executionDetailSchema, 'ExecutionDetail', 'The header, its params, and what include asked for')
export const startExecutionBody = named(startExecutionSchema, 'StartExecution')
export const finishBody = named(finishResultSchema, 'FinishResult')
export const componentRunBody = named(componentRunSchema, 'ComponentRunRecord')
export const eventBody = named(eventSchema, 'EventRecord')
export const claimBody = named(claimSchema, 'ClaimRequest')

export const credentialOut = named(credentialSchema, 'Credential', 'The password is masked (********) or null')
export const credentialCreateBody = named(credentialInputSchema, 'CredentialCreate')
export const credentialPatchBody = named(credentialPatchSchema, 'CredentialPatch', 'Only the given fields change; password: null removes it')

export const contextOut = named(contextSchema, 'Context', 'Secure parameter values are masked')
export const contextBody = named(contextInputSchema, 'ContextSave')
export const resolvedContextOut = named(resolvedContextSchema, 'ResolvedContext')

export const scheduleOut = named(scheduleSchema, 'Schedule')
export const scheduleCreateBody = named(scheduleInputSchema, 'ScheduleCreate')
export const schedulePatchBody = named(schedulePatchSchema, 'SchedulePatch')
export const dueFireOut = named(dueFireSchema, 'DueFire')

export const modelConfigBody = named(modelConfigSchema, 'ModelConfig', "The seed's model configuration: {models: {name: {table_name, fields, …}}}")
