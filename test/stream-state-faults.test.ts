/**
 * Faults of the stream state core on the real services: a worker SIGKILLed while it writes a checkpoint (a
 * failpoint fires mid-write) — another worker restores the state and the totals stay exact; then a checkpoint
 * corrupted in PostgreSQL — the stream stops with a typed, non-retryable error naming the partition, rather
 * than guessing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActivityFailure,
  ApplicationFailure,
  WorkflowFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import pg from 'pg';
import { createSearchSink } from '../adapters/search/index.js';
import { createKafka } from '../lib/clients.js';
import { customerId } from '../lib/generate/random.js';
import { speedTotals } from '../lib/stream/totals.js';
import { connectTemporal } from '../lib/temporal.js';
import { uniqueName } from './helpers.js';
import { isolatedStreamEnv } from './stream-env.js';
import { FUTURE_FIXTURES, killHard, spawnStreamWorker, waitCaughtUp } from './stream-fixtures.js';
import { streamViewership } from '../workflows/stream.js';

const { id, env, cfg, create, remove } = isolatedStreamEnv('sf');
const kafka = createKafka(cfg.kafka, '-state-faults');
const T0 = Date.parse('2031-11-01T10:00:00Z');
const ev = (i: number) => ({
  event_id: `${id}-${i}`,
  customer_id: customerId(1 + (i % 31)),
  event_time: new Date(T0 + i * 50).toISOString(),
  event_type: i % 2 ? 'play' : 'view',
  watch_ms: i % 10,
});

describe('stream state under faults', () => {
  let client: Client;
  let handle: WorkflowHandle;
  let worker: ReturnType<typeof spawnStreamWorker> | undefined;
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  let produced = 0;
  const send = async (from: number, to: number) => {
    for (let i = from; i < to; i += 1000) {
      await producer.send({
        topic: env.KAFKA_TOPIC_EVENTS,
        messages: Array.from({ length: Math.min(1000, to - i) }, (_, k) => ev(i + k)).map((e) => ({
          key: e.customer_id,
          value: JSON.stringify(e),
        })),
      });
    }
    produced = to;
  };

  beforeAll(async () => {
    await admin.connect();
    await create(admin);
    await producer.connect();
    client = await connectTemporal(cfg.temporal);
  });

  afterAll(async () => {
    if (worker) await killHard(worker.child);
    await handle?.terminate('test cleanup').catch(() => undefined);
    await producer.disconnect();
    await remove(admin);
    await admin.disconnect();
    await client?.connection.close();
  });

  it(
    'a worker killed while writing a checkpoint: another restores the state, totals exact',
    { timeout: 180_000 },
    async () => {
      await send(0, 6000);
      // The failpoint SIGKILLs the worker 2 ms after its 4th checkpoint write started.
      worker = spawnStreamWorker({ ...env, VIEWERSHIP_FAILPOINT: 'checkpoint-write@4' });
      await worker.ready;
      const died = new Promise<string | null>((r) => worker!.child.once('exit', (_c, sig) => r(sig)));
      handle = await client.workflow.start(streamViewership, {
        taskQueue: env.TASK_QUEUE_STREAM,
        workflowId: uniqueName('stream-state-faults'),
        args: [{ settings: { intervalMs: 200, maxMessagesPerBatch: 600, ...FUTURE_FIXTURES } }],
      });
      expect(await died).toBe('SIGKILL');
      worker = spawnStreamWorker(env);
      await worker.ready;
      const s = await waitCaughtUp(handle, produced, 120_000);
      expect(s.totals).toMatchObject({ events: 6000, duplicates: 0, late: 0, deadLettered: 0 });
      expect(s.restores).toBeGreaterThan(0); // the new worker rebuilt the partitions' state from the checkpoints
      const sink = createSearchSink(cfg.search);
      await sink.refresh(`${id}-speed-*`);
      const t = await speedTotals(sink, id, new Date(T0 - 60_000), new Date(T0 + 3_600_000));
      await sink.close();
      expect({ events: t.events, uniqueCustomers: t.uniqueCustomers, byEventType: t.byEventType }).toEqual({
        events: 6000,
        uniqueCustomers: 31,
        byEventType: { play: 3000, view: 3000 },
      });
    },
  );

  it(
    'a corrupt checkpoint stops the stream with a typed error naming the partition',
    { timeout: 120_000 },
    async () => {
      await killHard(worker!.child);
      // Alter the record the next restore of partition 0 starts from (its latest one).
      const pool = new pg.Pool({ ...cfg.stream.checkpoints.postgres });
      const r = await pool.query(
        `UPDATE stream_checkpoints SET payload = substring(payload from 1 for 30) WHERE seq = (SELECT max(seq) FROM stream_checkpoints WHERE stream_id = $1 AND partition = 0)`,
        [handle.workflowId],
      );
      await pool.end();
      expect(r.rowCount).toBe(1);
      await send(produced, produced + 600);
      worker = spawnStreamWorker(env);
      await worker.ready;
      const err = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const activity = (err as WorkflowFailedError).cause;
      expect(activity).toBeInstanceOf(ActivityFailure);
      const app = (activity as ActivityFailure).cause as ApplicationFailure;
      expect(app.type).toBe('CheckpointError');
      expect(app.nonRetryable).toBe(true);
      expect(app.message).toMatch(/partition 0 .* is unreadable/);
    },
  );
});
