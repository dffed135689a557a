/**
 * `systemHealth`: a short workflow that asks a worker to check every external system it depends on
 * (Kafka, search engine, profiles store). Operators run it with `viewership doctor`; the smoke test
 * uses it to prove a real workflow → activity round trip through each task queue.
 */
import { proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { createKafkaActivities } from '../activities/kafka.js';
import type { createProfilesActivities } from '../activities/profiles.js';
import type { createSearchActivities } from '../activities/search.js';
import { NON_RETRYABLE_FAILURE_TYPES } from '../common/failure-types.js';
import { SA } from '../common/search-attributes.js';

type HealthActivities = ReturnType<typeof createKafkaActivities> &
  ReturnType<typeof createSearchActivities> &
  ReturnType<typeof createProfilesActivities>;

const acts = proxyActivities<HealthActivities>({
  startToCloseTimeout: '20 seconds',
  retry: { maximumAttempts: 3, initialInterval: '1 second', nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES },
});

/** What the health workflow reports. */
export interface SystemHealthReport {
  taskQueue: string;
  kafka: Awaited<ReturnType<HealthActivities['kafkaHealth']>>;
  search: Awaited<ReturnType<HealthActivities['searchHealth']>>;
  profiles: Awaited<ReturnType<HealthActivities['profilesHealth']>>;
}

/** Check Kafka, the search engine and the profiles store from the worker that picks this up. */
export async function systemHealth(): Promise<SystemHealthReport> {
  upsertSearchAttributes([{ key: SA.Pipeline, value: 'health' }]);
  const [kafka, search, profiles] = await Promise.all([acts.kafkaHealth(), acts.searchHealth(), acts.profilesHealth()]);
  return { taskQueue: workflowInfo().taskQueue, kafka, search, profiles };
}
