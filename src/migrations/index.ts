import type { Migration } from './migration.js'
import { storeInfo } from './0001-store-info.js'
import { jobConfiguration } from './0002-job-configuration.js'
import { executionMetadata } from './0003-execution-metadata.js'
import { secretsAndSchedules } from './0004-secrets-and-schedules.js'
import { declarativeModels } from './0005-declarative-models.js'
import { auditTrail } from './0006-audit-trail.js'
import { executionJobStatusIndex } from './0007-execution-job-status-index.js'
import { jobNamesNotUnique } from './0008-job-names-not-unique.js'
import { apiTokens } from './0009-api-tokens.js'

/** Every core migration, in order. Append only: an applied migration is never edited. */
export const coreMigrations: readonly Migration[] = [
  storeInfo,
  jobConfiguration,
  executionMetadata,
  secretsAndSchedules,
  declarativeModels,
  auditTrail,
  executionJobStatusIndex,
  jobNamesNotUnique,
  apiTokens,
]
