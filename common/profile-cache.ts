/**
 * Names and result types of the profile-cache refresh (pure, workflow-safe). Every stream worker process
 * keeps the profiles in memory and also polls its own task queue, so the refresh workflow can reach each one.
 */

/** The per-process task queue a stream worker with `identity` polls for cache refreshes. */
export const cacheTaskQueue = (streamQueue: string, identity: string): string => `${streamQueue}-cache-${identity}`;

/** What one worker's refresh did. */
export interface CacheRefreshResult {
  identity: string;
  mode: 'incremental' | 'full';
  /** Profiles inserted or updated in the cache by this refresh. */
  changed: number;
  /** Profiles dropped (only a full reload sees deletes). */
  removed: number;
  /** Profiles cached after the refresh. */
  size: number;
  durationMs: number;
}

/** Summary of one scheduled refresh across all stream workers. */
export interface CacheRefreshSummary {
  workers: CacheRefreshResult[];
  /** Identities that did not answer (a worker that died since it last polled). */
  unreachable: string[];
}
