/**
 * `refreshProfileCaches`: started every minute by the `profile-cache-refresh` Schedule. Lists the live stream
 * workers and refreshes the in-memory profile cache of each one on its own task queue, so every worker that
 * enriches events sees a profile change within about a minute. The run's memo shows what changed per worker.
 */
import { proxyActivities, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { createProfileCacheActivities, createTemporalActivities } from '../activities/profile-cache.js';
import { cacheTaskQueue, type CacheRefreshSummary } from '../common/profile-cache.js';

const temporal = proxyActivities<ReturnType<typeof createTemporalActivities>>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

/** Refresh every live stream worker's cache; workers that do not answer within 20 s are reported, not fatal. */
export async function refreshProfileCaches(input: { fullReloadEveryMs: number }): Promise<CacheRefreshSummary> {
  upsertSearchAttributes({ Pipeline: ['profile-cache'] });
  const identities = await temporal.listStreamWorkers();
  const streamQueue = workflowInfo().taskQueue;
  const settled = await Promise.allSettled(
    identities.map((identity) =>
      proxyActivities<ReturnType<typeof createProfileCacheActivities>>({
        taskQueue: cacheTaskQueue(streamQueue, identity),
        scheduleToStartTimeout: '20 seconds',
        startToCloseTimeout: '5 minutes',
        retry: { maximumAttempts: 1 },
      }).refreshLocalProfileCache(input),
    ),
  );
  const summary: CacheRefreshSummary = { workers: [], unreachable: [] };
  settled.forEach((s, i) =>
    s.status === 'fulfilled' ? summary.workers.push(s.value) : summary.unreachable.push(identities[i]!),
  );
  upsertMemo({
    changed: summary.workers.reduce((n, w) => n + w.changed, 0),
    removed: summary.workers.reduce((n, w) => n + w.removed, 0),
    workers: summary.workers.map(
      (w) => `${w.identity}: ${w.mode}, ${w.changed} changed, ${w.removed} removed, ${w.size} cached`,
    ),
    unreachable: summary.unreachable,
  });
  return summary;
}
