/**
 * Profile cache on the real services: a change made in PostgreSQL reaches a stream worker's in-memory cache
 * through the `refreshProfileCaches` workflow (the one the every-minute Schedule starts); deletes are seen by
 * the periodic full reload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { createPostgresProfilesStore } from '../adapters/profiles/postgres.js';
import type { ProfilesStore } from '../adapters/profiles/types.js';
import { connectTemporal } from '../lib/temporal.js';
import { applySchedules, deleteSchedules } from '../cli/schedule.js';
import { startWorkers, workerIdentity } from '../workers/run.js';
import { testConfig, uniqueName } from './helpers.js';
import { refreshProfileCaches } from '../workflows/profile-cache.js';

const queue = uniqueName('stream-test');
// Own Schedule ids: applying them never repoints the real Schedules at this test's task queue.
const cfg = testConfig({
  TASK_QUEUE_STREAM: queue,
  SCHEDULE_ID_BATCH: `${queue}-batch-daily`,
  SCHEDULE_ID_PROFILE_CACHE: `${queue}-profile-cache`,
});
const id = uniqueName('Ccache');

describe('profile cache refresh', () => {
  let client: Client;
  let store: ProfilesStore;
  let workers: Awaited<ReturnType<typeof startWorkers>>;

  const refresh = (fullReloadEveryMs: number) =>
    client.workflow.execute(refreshProfileCaches, {
      taskQueue: queue,
      workflowId: uniqueName('profile-cache-refresh'),
      args: [{ fullReloadEveryMs }],
    });

  beforeAll(async () => {
    client = await connectTemporal(cfg.temporal);
    store = createPostgresProfilesStore((cfg.profiles as Extract<typeof cfg.profiles, { store: 'postgres' }>).postgres);
    workers = await startWorkers(cfg, ['stream']);
  });

  afterAll(async () => {
    await store.deleteMany([id]);
    await workers.stop();
    await store.close();
    await client.connection.close();
  });

  it('loads the profiles when the worker starts', async () => {
    expect(workers.profileCache.size).toBe(await store.count());
  });

  it('a profile inserted, then changed, in PostgreSQL shows in the worker cache after the next refresh', async () => {
    await store.upsert([
      { customerId: id, name: 'Cache Test', email: null, country: 'FR', plan: 'free', signupDate: null },
    ]);
    expect(workers.profileCache.get(id)).toBeUndefined();
    const first = await refresh(3_600_000);
    expect(first.unreachable).toEqual([]);
    expect(first.workers).toHaveLength(1);
    expect(first.workers[0]).toMatchObject({ identity: workerIdentity(), mode: 'incremental' });
    expect(first.workers[0]!.changed).toBeGreaterThanOrEqual(1);
    expect(workers.profileCache.get(id)).toEqual({ country: 'FR', plan: 'free' });

    await store.upsert([
      { customerId: id, name: 'Cache Test', email: null, country: 'FR', plan: 'premium', signupDate: null },
    ]);
    await refresh(3_600_000);
    expect(workers.profileCache.get(id)).toEqual({ country: 'FR', plan: 'premium' });
  });

  it('a deleted profile leaves the cache at the next full reload', async () => {
    await store.deleteMany([id]);
    await refresh(3_600_000); // incremental: a delete leaves no row to read
    expect(workers.profileCache.get(id)).toBeDefined();
    const full = await refresh(0);
    expect(full.workers[0]).toMatchObject({ mode: 'full', removed: 1 });
    expect(workers.profileCache.get(id)).toBeUndefined();
  });

  it('each run shows in Temporal with what changed, and the every-minute Schedule exists after apply', async () => {
    const wid = uniqueName('profile-cache-refresh');
    await client.workflow.execute(refreshProfileCaches, {
      taskQueue: queue,
      workflowId: wid,
      args: [{ fullReloadEveryMs: 3_600_000 }],
    });
    const d = await client.workflow.getHandle(wid).describe();
    expect(d.searchAttributes.Pipeline).toEqual(['profile-cache']);
    expect(d.memo).toMatchObject({ changed: expect.any(Number), workers: [expect.stringContaining(workerIdentity())] });
    try {
      await applySchedules(cfg);
      const s = await client.schedule.getHandle(cfg.temporal.schedules.profileCache).describe();
      expect(s.spec.intervals?.[0]?.every).toBe(60_000);
      expect(s.action).toMatchObject({ workflowType: refreshProfileCaches.name, taskQueue: queue });
    } finally {
      await deleteSchedules(cfg);
    }
  });
});
