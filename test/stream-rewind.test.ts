/**
 * Replay and enrichment on the real services: `rewind` to a time inside the topic, and to before its start,
 * gives totals identical to the independent count (nothing counted twice, nothing lost); a rewind to the future
 * is rejected; a profile changed in PostgreSQL shows in enrichment after the next cache refresh.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { createPostgresProfilesStore } from '../adapters/profiles/postgres.js';
import { createSearchSink } from '../adapters/search/index.js';
import { createKafka } from '../lib/clients.js';
import { generateProfile } from '../lib/generate/profiles.js';
import { customerId } from '../lib/generate/random.js';
import { speedTotals } from '../lib/stream/totals.js';
import { connectTemporal } from '../lib/temporal.js';
import { startWorkers } from '../workers/run.js';
import { uniqueName } from './helpers.js';
import {
  expectedTotals,
  KNOWN_CUSTOMERS,
  makeEvents,
  waitCaughtUp,
  type Ev,
  FUTURE_FIXTURES,
} from './stream-fixtures.js';
import { isolatedStreamEnv } from './stream-env.js';
import { pauseUpdate, resumeUpdate, rewindUpdate, stopUpdate } from '../common/stream-api.js';
import { streamViewership } from '../workflows/stream.js';
import { refreshProfileCaches } from '../workflows/profile-cache.js';

const { id, env, cfg, create, remove } = isolatedStreamEnv('rw');
const kafka = createKafka(cfg.kafka, '-rewind-test');
const T0 = Date.parse('2031-08-01T10:00:00Z');
const pg = () =>
  createPostgresProfilesStore((cfg.profiles as Extract<typeof cfg.profiles, { store: 'postgres' }>).postgres);

describe('speed layer: rewind and enrichment', () => {
  let client: Client;
  let workers: Awaited<ReturnType<typeof startWorkers>>;
  let handle: WorkflowHandle;
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const admin = kafka.admin();
  let produced = 0;
  const send = async (events: (Ev | string)[]) => {
    for (let i = 0; i < events.length; i += 500) {
      const part = events.slice(i, i + 500);
      await producer.send({
        topic: env.KAFKA_TOPIC_EVENTS,
        messages: part.map((e, k) =>
          typeof e === 'string' ? { key: `bad${k}`, value: e } : { key: e.customer_id, value: JSON.stringify(e) },
        ),
      });
    }
    produced += events.length;
  };
  const totals = async () => {
    const sink = createSearchSink(cfg.search);
    try {
      // Every view the totals read (cube, counters and the customer sketches), or a read may miss the last writes.
      await sink.refresh(`${id}-speed-*`);
      return await speedTotals(sink, id, new Date(Date.now() - 3_600_000), new Date(T0 + 3_600_000));
    } finally {
      await sink.close();
    }
  };

  beforeAll(async () => {
    await admin.connect();
    await create(admin);
    const store = pg();
    await store.upsert(Array.from({ length: 40 }, (_, i) => generateProfile(i + 1, 1)));
    await store.close();
    await producer.connect();
    client = await connectTemporal(cfg.temporal);
    workers = await startWorkers(cfg, ['stream']);
    handle = await client.workflow.start(streamViewership, {
      taskQueue: env.TASK_QUEUE_STREAM,
      workflowId: uniqueName('stream-rewind'),
      args: [{ settings: { intervalMs: 300, maxMessagesPerBatch: 900, ...FUTURE_FIXTURES } }],
    });
  });

  afterAll(async () => {
    await handle?.executeUpdate(stopUpdate).catch(() => undefined);
    await handle?.result().catch(() => undefined);
    await workers?.stop();
    await producer.disconnect();
    await remove(admin);
    await admin.disconnect();
    await client?.connection.close();
  });

  it('rewind to a time inside the topic, then to before it, recomputes totals equal to the independent count', async () => {
    const events = makeEvents(id, 3000, T0);
    // Wave A: 1,500 events, 50 recent ones re-sent (duplicates within the lateness horizon) and 2 dead letters,
    // read by several micro-batches.
    await send([...events.slice(0, 1500), ...events.slice(1440, 1490), '{oops', '[1]']);
    await waitCaughtUp(handle, produced);
    // Wave B is read while the rewind point falls inside one micro-batch: paused, the stream gets B1, then (after
    // the rewind point, by Kafka record time) B2, and reads both together when resumed.
    await handle.executeUpdate(pauseUpdate);
    await send(events.slice(1500, 1600));
    await sleep(1100);
    const mid = Date.now();
    await sleep(1100);
    const b2Start = Object.fromEntries(
      (await admin.fetchTopicOffsets(env.KAFKA_TOPIC_EVENTS)).map((o) => [o.partition, Number(o.high)]),
    );
    // B2: the rest of wave B, then 70 of its recent events again (duplicates), 1 dead letter.
    await send([...events.slice(1600), ...events.slice(2900, 2970), 'not json']);
    await handle.executeUpdate(resumeUpdate);
    await waitCaughtUp(handle, produced);
    const want = { ...expectedTotals(events, KNOWN_CUSTOMERS), late: 0, deadLettered: 3, duplicates: 120 };
    expect(await totals()).toMatchObject(want);

    // Rewind into the middle: each partition restarts from the start of the micro-batch holding its first
    // record after `mid` (that batch also read B1), and only the documents from that batch on are recomputed.
    const r = await handle.executeUpdate(rewindUpdate, { args: [mid] });
    expect(Object.keys(r.partitions).sort()).toEqual(['0', '1', '2']);
    for (const [p, x] of Object.entries(r.partitions)) {
      expect(x.offset).toBeLessThan(b2Start[p]!); // the batch began with B1, before the rewind point
      expect(x.offset).toBeGreaterThan(0); // wave A's batches of this partition are kept
      expect(x.deleted).toBeGreaterThan(0);
    }
    await waitCaughtUp(handle, produced);
    expect(await totals()).toMatchObject(want);

    // Rewind to before the first record: everything is recomputed, still counted once.
    const all = await handle.executeUpdate(rewindUpdate, { args: [0] });
    expect(Object.values(all.partitions).map((x) => x.offset)).toEqual([0, 0, 0]);
    await waitCaughtUp(handle, produced);
    expect(await totals()).toMatchObject(want);

    const future = await handle.executeUpdate(rewindUpdate, { args: [Date.now() + 3_600_000] }).then(
      () => undefined,
      (e) => e,
    );
    expect(future).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String(((future as Error).cause as Error | undefined)?.message)).toContain('in the future');
  });

  it('a profile changed in PostgreSQL shows in enrichment after the next cache refresh', async () => {
    const who = customerId(7);
    const old = generateProfile(7, 1);
    const T1 = T0 + 1_800_000; // a window range of its own
    const ev = (i: number, t: number): Ev => ({
      event_id: `${id}-p${i}`,
      customer_id: who,
      event_time: new Date(t).toISOString(),
      event_type: 'play',
    });
    const byCountry = async () => {
      const sink = createSearchSink(cfg.search);
      await sink.refresh(`${id}-speed-windows`);
      const r = await sink.search(`${id}-speed-windows`, {
        size: 0,
        query: { range: { window_start: { gte: T1, lt: T1 + 600_000 } } },
        aggs: { c: { terms: { field: 'country' }, aggs: { n: { sum: { field: 'events' } } } } },
      });
      await sink.close();
      return Object.fromEntries(
        (r.aggregations!.c as { buckets: { key: string; n: { value: number } }[] }).buckets.map((b) => [
          b.key,
          b.n.value,
        ]),
      );
    };
    await send(Array.from({ length: 5 }, (_, i) => ev(i, T1 + i * 1000)));
    await waitCaughtUp(handle, produced);
    expect(await byCountry()).toEqual({ [old.country]: 5 });

    const moved = old.country === 'ZZ' ? 'ZY' : 'ZZ';
    const store = pg();
    await store.upsert([{ ...old, country: moved }]);
    await store.close();
    await client.workflow.execute(refreshProfileCaches, {
      taskQueue: env.TASK_QUEUE_STREAM,
      workflowId: uniqueName('refresh'),
      args: [{ fullReloadEveryMs: 3_600_000 }],
    });
    expect(workers.profileCache.get(who)?.country).toBe(moved);
    await send(Array.from({ length: 3 }, (_, i) => ev(10 + i, T1 + 60_000 + i * 1000)));
    await waitCaughtUp(handle, produced);
    expect(await byCountry()).toEqual({ [old.country]: 5, [moved]: 3 });
    const restore = pg();
    await restore.upsert([old]); // other test files share the profiles table
    await restore.close();
  });
});
