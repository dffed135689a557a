/**
 * Exactly-once under crashes: a stream worker process is SIGKILLed several times while micro-batches run and
 * restarted; the totals read back from the index still equal an independent count of the produced events.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Client } from '@temporalio/client';
import { createSearchSink } from '../adapters/search/index.js';
import type { StreamState } from '../common/stream.js';
import { createKafka } from '../lib/clients.js';
import { customerId } from '../lib/generate/random.js';
import { speedTotals } from '../lib/stream/totals.js';
import { connectTemporal } from '../lib/temporal.js';
import { uniqueName } from './helpers.js';
import { isolatedStreamEnv } from './stream-env.js';
import { killHard as kill, spawnStreamWorker, FUTURE_FIXTURES } from './stream-fixtures.js';
import { stopUpdate, streamStatusQuery } from '../common/stream-api.js';
import { streamViewership } from '../workflows/stream.js';

const { id, env, cfg, create, remove } = isolatedStreamEnv('sc');
const kafka = createKafka(cfg.kafka, '-crash-test');
const T0 = Date.parse('2031-07-01T10:00:00Z');
const N = 48_000;

describe('speed layer: exactly once under worker crashes', () => {
  let client: Client;
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  let worker: ReturnType<typeof spawnStreamWorker> | undefined;

  beforeAll(async () => {
    await admin.connect();
    await create(admin);
    await producer.connect();
    client = await connectTemporal(cfg.temporal);
  });

  afterAll(async () => {
    if (worker) await kill(worker.child);
    await producer.disconnect();
    await remove(admin);
    await admin.disconnect();
    await client?.connection.close();
  });

  // Each kill costs the 10 s heartbeat timeout before the batch is retried elsewhere, hence the longer budget.
  it('totals equal the produced events after repeated SIGKILLs mid-run', { timeout: 300_000 }, async () => {
    const events = Array.from({ length: N }, (_, i) => ({
      event_id: `${id}-${i}`,
      customer_id: customerId(1 + (i % 97)),
      event_time: new Date(T0 + i * 20).toISOString(),
      event_type: i % 2 ? 'play' : 'view',
      watch_ms: i % 10,
    }));
    const produce = async (from: number, to: number) => {
      for (let i = from; i < to; i += 1000) {
        await producer.send({
          topic: env.KAFKA_TOPIC_EVENTS,
          messages: events
            .slice(i, Math.min(to, i + 1000))
            .map((e) => ({ key: e.customer_id, value: JSON.stringify(e) })),
        });
      }
    };
    const handle = await client.workflow.start(streamViewership, {
      taskQueue: env.TASK_QUEUE_STREAM,
      workflowId: uniqueName('stream-crash'),
      args: [{ settings: { intervalMs: 200, maxMessagesPerBatch: 200, ...FUTURE_FIXTURES } }],
    });
    // Queries need a live worker; right after a kill the server may still route to the dead worker's sticky queue.
    const status = async (): Promise<StreamState> => {
      for (let i = 0; ; i++) {
        try {
          return await handle.query(streamStatusQuery);
        } catch (err) {
          if (i >= 30) throw err;
          await sleep(1000);
        }
      }
    };
    const chunk = N / 4;
    let kills = 0;
    for (let round = 0; round < 3; round++) {
      await produce(round * chunk, (round + 1) * chunk);
      // Progress is read from the memo (no worker needed), so no query waits on a dead worker's sticky queue.
      const memoEvents = async () =>
        ((await handle.describe()).memo as { totals?: { events: number } } | undefined)?.totals?.events ?? 0;
      const before = await memoEvents();
      worker = spawnStreamWorker(env);
      await worker.ready;
      // Kill without warning as soon as this worker has made progress, while work remains (mid-run, usually mid-batch).
      const now = await vi.waitFor(
        async () => {
          const events = await memoEvents();
          expect(events, `events in the memo (${before} before this worker)`).toBeGreaterThan(before);
          return events;
        },
        { timeout: 60_000, interval: 100 },
      );
      expect(now).toBeLessThan((round + 1) * chunk);
      await kill(worker.child);
      kills++;
    }
    await produce(3 * chunk, N);
    worker = spawnStreamWorker(env);
    await worker.ready;
    const s = await vi.waitFor(
      async () => {
        const st = await status();
        if (st.lastBatch?.lag === 0 && st.totals.events >= N) return st;
        throw new Error(`not caught up with ${N} events: ${JSON.stringify(st.totals)}`);
      },
      { timeout: 150_000, interval: 500 },
    );
    expect(kills).toBe(3);
    expect(s.totals).toMatchObject({ events: N, late: 0, duplicates: 0, deadLettered: 0 });
    const sink = createSearchSink(cfg.search);
    await sink.refresh(`${id}-speed-*`); // every view the totals read, the customer sketches too
    const t = await speedTotals(sink, id, new Date(T0 - 60_000), new Date(T0 + 3_600_000));
    await sink.close();
    expect({
      events: t.events,
      watchMs: t.watchMs,
      duplicates: t.duplicates,
      byEventType: t.byEventType,
      uniqueCustomers: t.uniqueCustomers,
    }).toEqual({
      events: N,
      watchMs: events.reduce((n, e) => n + e.watch_ms, 0),
      duplicates: 0,
      byEventType: { play: N / 2, view: N / 2 },
      uniqueCustomers: 97,
    });
    await handle.executeUpdate(stopUpdate);
    await handle.result();
  });
});
