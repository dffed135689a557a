/**
 * Activities of the in-memory profile cache: refresh this worker's cache from the profiles store, and list
 * the live stream workers (from Temporal's own poller list) so a refresh can reach every one of them.
 */
import { Connection } from '@temporalio/client';
import type { TemporalConnectionOptions } from '../lib/security.js';
import type { ProfilesStore } from '../adapters/profiles/types.js';
import type { CacheRefreshResult } from '../common/profile-cache.js';
import { ServiceUnavailableError, toTemporalFailure } from '../lib/errors.js';
import type { ProfileCache } from '../lib/profile-cache.js';

/** Dependencies of the refresh activity of one worker process. */
export interface ProfileCacheActivityDeps {
  cache: ProfileCache;
  profiles: ProfilesStore;
  /** This worker's identity (its cache task queue derives from it). */
  identity: string;
}

/** Create the activity that refreshes this process's cache (registered on the per-process cache queue). */
export function createProfileCacheActivities({ cache, profiles, identity }: ProfileCacheActivityDeps) {
  return {
    /** Refresh the cache: changes since the watermark, or a full reload when one is due. */
    async refreshLocalProfileCache(input: { fullReloadEveryMs: number }): Promise<CacheRefreshResult> {
      const t0 = Date.now();
      try {
        const r = await cache.refresh(profiles, input.fullReloadEveryMs);
        return { identity, ...r, size: cache.size, durationMs: Date.now() - t0 };
      } catch (err) {
        throw toTemporalFailure(
          new ServiceUnavailableError(
            `profile cache refresh failed: ${(err as Error).message}`,
            { service: profiles.kind },
            { cause: err },
          ),
        );
      }
    },
  };
}

/** Dependencies of the Temporal-introspection activities. */
export interface TemporalActivityDeps {
  /** Connection options (address, TLS, API key: `temporalConnectionOptions` of the config). */
  connection: TemporalConnectionOptions;
  namespace: string;
  /** Task queue whose activity pollers are the stream workers. */
  streamQueue: string;
}

/** Create the activity listing live stream workers. */
export function createTemporalActivities(deps: TemporalActivityDeps) {
  let connection: Promise<Connection> | undefined;
  return {
    /** Identities of the workers polling the stream task queue for activities (seen within the last minutes). */
    async listStreamWorkers(): Promise<string[]> {
      try {
        connection ??= Connection.connect(deps.connection);
        const res = await (
          await connection
        ).workflowService.describeTaskQueue({
          namespace: deps.namespace,
          taskQueue: { name: deps.streamQueue, kind: 1 /* NORMAL */ },
          taskQueueType: 2 /* ACTIVITY */,
        });
        return [...new Set((res.pollers ?? []).map((p) => p.identity ?? '').filter(Boolean))].sort();
      } catch (err) {
        throw toTemporalFailure(
          new ServiceUnavailableError(
            `cannot list stream workers: ${(err as Error).message}`,
            { service: 'temporal' },
            { cause: err },
          ),
        );
      }
    },
  };
}
