/**
 * `refreshLoyalty`: recompute customer loyalty (points, tier, segment, promotions) for the customers whose orders,
 * profile or activity changed since the last run, or for all with `full`. Started by the loyalty Schedule
 * (hourly by default, overlapping runs skipped) and by `viewership loyalty run`.
 */
import { ApplicationFailure, proxyActivities, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { createLoyaltyActivities, LoyaltyRefreshResult } from '../activities/loyalty.js';
import { FailureType, NON_RETRYABLE_FAILURE_TYPES } from '../common/failure-types.js';

const retry = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 5,
  nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
};
const loyalty = proxyActivities<ReturnType<typeof createLoyaltyActivities>>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '5 minutes',
  retry,
});

/** Refresh the loyalty table once. */
export async function refreshLoyalty(input: { full?: boolean } = {}): Promise<LoyaltyRefreshResult> {
  const full = (input as { full?: unknown } | undefined)?.full;
  if (full !== undefined && typeof full !== 'boolean') {
    throw ApplicationFailure.create({
      type: FailureType.BadInput,
      nonRetryable: true,
      message: `refreshLoyalty: full must be true or false (got ${JSON.stringify(full)})`,
    });
  }
  upsertSearchAttributes({ Pipeline: ['loyalty'] });
  const r = await loyalty.refreshLoyalty({ full: full === true });
  upsertMemo({ asOf: r.asOf, full: r.full, customers: r.customers, deleted: r.deleted, byTier: r.byTier });
  return r;
}
