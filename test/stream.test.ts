/**
 * Speed layer on the real services: events with duplicates, late events, every dead-letter reason and unknown
 * customers go through the streaming workflow; the totals read back from the index equal an independent count
 * of what was produced; dead letters carry their reasons; commands are Updates (a bad one is rejected).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WorkflowUpdateFailedError, type Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { createPostgresProfilesStore } from '../adapters/profiles/postgres.js';
import { createSearchSink } from '../adapters/search/index.js';
import { createCheckpointStore, createKafka } from '../lib/clients.js';
import { generateProfile } from '../lib/generate/profiles.js';
import { speedTotals } from '../lib/stream/totals.js';
import { connectTemporal } from '../lib/temporal.js';
import { streamViewership } from '../workflows/stream.js';
import { startWorkers } from '../workers/run.js';
import { streamStart, streamStatus } from '../cli/stream.js';
import { testConfig, uniqueName } from './helpers.js';
import { isolatedStreamEnv } from './stream-env.js';
import { expectedTotals, KNOWN_CUSTOMERS, makeEvents, type Ev, FUTURE_FIXTURES } from './stream-fixtures.js';
import { pauseUpdate, resumeUpdate, setIntervalUpdate, stopUpdate, streamStatusQuery } from '../common/stream-api.js';

const { id, env, cfg, create, remove } = isolatedStreamEnv('st');
const kafka = createKafka(cfg.kafka, '-stream-test');
const T0 = Date.parse('2031-06-01T10:00:00Z');

const good: Ev[] = makeEvents(id, 1500, T0);
const BAD: [string, string][] = [
  ['{not json', 'not_json'],
  ['[1]', 'not_object'],
  [JSON.stringify({ ...good[0], event_id: '' }), 'bad_event_id'],
  [JSON.stringify({ ...good[0], customer_id: 5 }), 'bad_customer_id'],
  [JSON.stringify({ ...good[0], event_time: 'noon' }), 'bad_event_time'],
  [JSON.stringify({ ...good[0], event_type: '' }), 'bad_event_type'],
  [JSON.stringify({ ...good[0], http_status: 42 }), 'bad_optional_field'],
  [JSON.stringify({ ...good[0], pad: 'x'.repeat(70_000) }), 'too_large'],
];

describe('speed layer: streaming workflow', () => {
  let client: Client;
  let workers: Awaited<ReturnType<typeof startWorkers>>;
  let handle: WorkflowHandleWithFirstExecutionRunId<typeof streamViewership>;
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const admin = kafka.admin();
  const send = (values: { key: string; value: string }[]) =>
    producer.send({ topic: env.KAFKA_TOPIC_EVENTS, messages: values });
  const status = () => handle.query(streamStatusQuery);
  const caughtUp = (minEvents: number) =>
    vi.waitFor(
      async () => {
        const s = await status();
        if (s.lastBatch?.lag === 0 && s.totals.events + s.totals.duplicates + s.totals.late >= minEvents) return s;
        throw new Error(`not caught up with ${minEvents} events: ${JSON.stringify(s)}`);
      },
      { timeout: 90_000, interval: 250 },
    );

  beforeAll(async () => {
    await admin.connect();
    await create(admin);
    const store = createPostgresProfilesStore(
      (cfg.profiles as Extract<typeof cfg.profiles, { store: 'postgres' }>).postgres,
    );
    await store.upsert(Array.from({ length: 40 }, (_, i) => generateProfile(i + 1, 1)));
    await store.close();
    await producer.connect();
    client = await connectTemporal(cfg.temporal);
    workers = await startWorkers(cfg, ['stream']);
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

  it('counts every event exactly once: duplicates removed, late and bad events dead-lettered with reasons', async () => {
    const first = good.slice(0, 1000);
    await send(first.map((e) => ({ key: e.customer_id, value: JSON.stringify(e) })));
    await send(first.slice(0, 60).map((e) => ({ key: e.customer_id, value: JSON.stringify(e) }))); // re-sent: duplicates
    await send(BAD.map(([value], i) => ({ key: `bad${i}`, value })));
    handle = await client.workflow.start(streamViewership, {
      taskQueue: env.TASK_QUEUE_STREAM,
      workflowId: uniqueName('stream-test'),
      args: [{ settings: { intervalMs: 500, ...FUTURE_FIXTURES }, continueAsNewAfterBatches: 1 }],
    });
    await caughtUp(1060);
    // Second wave: new on-time events plus events far behind the watermark (late).
    const late = good
      .slice(0, 25)
      .map((e) => ({ ...e, event_id: `${e.event_id}-late`, event_time: new Date(T0 - 600_000).toISOString() }));
    const rest = good.slice(1000);
    await send([...rest, ...late].map((e) => ({ key: e.customer_id, value: JSON.stringify(e) })));
    const s = await caughtUp(1060 + rest.length + late.length);
    expect(s.totals).toMatchObject({ events: 1500, duplicates: 60, late: 25, deadLettered: BAD.length });
    // Continue-as-new was forced after every batch: the chain moved on and carried its state and offsets.
    expect((await client.workflow.getHandle(handle.workflowId).describe()).runId).not.toBe(handle.firstExecutionRunId);

    const sink = createSearchSink(cfg.search);
    await sink.refresh(`${id}-speed-*`); // every view the totals read, the customer sketches too
    // Dead letters without a usable event time count at their Kafka timestamp (now), so the range spans both.
    const from = new Date(Date.now() - 3_600_000);
    const totals = await speedTotals(sink, id, from, new Date(T0 + 3_600_000));
    await sink.close();
    expect(totals).toEqual({
      from: from.toISOString(),
      to: new Date(T0 + 3_600_000).toISOString(),
      ...expectedTotals(good, KNOWN_CUSTOMERS),
      late: 25,
      deadLettered: BAD.length,
      duplicates: 60,
    });

    // Dead letters: original bytes with the reason in a header.
    const consumer = kafka.consumer({ groupId: uniqueName('dlq-check') });
    await consumer.connect();
    await consumer.subscribe({ topic: env.KAFKA_TOPIC_DLQ, fromBeginning: true });
    const reasons: string[] = [];
    await new Promise<void>(
      (resolve) =>
        void consumer.run({
          eachMessage: async ({ message }) => {
            reasons.push(String(message.headers?.reason));
            if (reasons.length === BAD.length + 25) resolve();
          },
        }),
    );
    await consumer.disconnect();
    expect(reasons.filter((r) => r === 'late')).toHaveLength(25);
    expect(reasons.filter((r) => r !== 'late').sort()).toEqual(BAD.map(([, r]) => r).sort());

    // Output topic (update mode, published from the workers' state): per (cell, partition) the latest `cube` value
    // is that partition's current total of the cell, so the latest values summed over all keys equal the accepted
    // totals; per (window, partition) a `window` value carries the window's events and distinct customers.
    const out = kafka.consumer({ groupId: uniqueName('out-check') });
    await out.connect();
    await out.subscribe({ topic: env.KAFKA_TOPIC_AGGREGATES, fromBeginning: true });
    type Agg = {
      kind: 'cube' | 'window';
      events: number;
      watchMs: number;
      unknownCustomerEvents: number;
      uniqueCustomers: number;
    };
    const latest = new Map<string, Agg>();
    const end = (await admin.fetchTopicOffsets(env.KAFKA_TOPIC_AGGREGATES)).reduce((n, p) => n + Number(p.high), 0);
    let seen = 0;
    await new Promise<void>(
      (resolve) =>
        void out.run({
          eachMessage: async ({ message }) => {
            latest.set(String(message.key), JSON.parse(String(message.value)));
            if (++seen >= end) resolve();
          },
        }),
    );
    await out.disconnect();
    const cubes = [...latest.values()].filter((v) => v.kind === 'cube');
    const windows = [...latest.values()].filter((v) => v.kind === 'window');
    const sum = (vs: Agg[], k: 'events' | 'watchMs' | 'unknownCustomerEvents') => vs.reduce((n, v) => n + v[k], 0);
    const want = expectedTotals(good, KNOWN_CUSTOMERS);
    expect({
      events: sum(cubes, 'events'),
      watchMs: sum(cubes, 'watchMs'),
      unknown: sum(cubes, 'unknownCustomerEvents'),
    }).toEqual({ events: want.events, watchMs: want.watchMs, unknown: want.unknownCustomerEvents });
    expect(sum(windows, 'events')).toBe(want.events);
    for (const v of windows) expect(v.uniqueCustomers).toBeGreaterThan(0);
    for (const v of windows) expect(v.uniqueCustomers).toBeLessThanOrEqual(v.events);
  });

  it('takes commands as Updates and rejects a bad one with an error', async () => {
    await handle.executeUpdate(setIntervalUpdate, { args: [2000] });
    expect((await status()).settings.intervalMs).toBe(2000);
    const err = await handle.executeUpdate(setIntervalUpdate, { args: [5] }).then(
      () => undefined,
      (e) => e,
    );
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    await handle.executeUpdate(pauseUpdate);
    expect((await status()).paused).toBe(true);
    await handle.executeUpdate(resumeUpdate);
    expect((await status()).paused).toBe(false);
    const d = await handle.describe();
    expect(d.searchAttributes.Pipeline).toEqual(['stream']);
  });

  it('stream status of a stopped stream says stopped with its checkpoint, with no worker running', async () => {
    await handle.executeUpdate(stopUpdate);
    const final = await handle.result();
    await workers.stop(); // nobody could answer a query now
    const s = await streamStatus(testConfig({ ...env, STREAM_WORKFLOW_ID: handle.workflowId }));
    expect(s).toMatchObject({ running: false, state: 'stopped', offsets: final.offsets, totals: { events: 1500 } });
    expect(Object.values(s.offsets!).reduce((a, b) => a + b, 0)).toBe(1060 + BAD.length + 500 + 25);
  });

  it('stream start resumes a stopped stream from its checkpoint, and refuses when its state checkpoints are gone', async () => {
    const c = testConfig({ ...env, STREAM_WORKFLOW_ID: handle.workflowId });
    const before = await streamStatus(c);
    const again = await startWorkers(cfg, ['stream']);
    try {
      await streamStart(c, {});
      const resumed = client.workflow.getHandle<typeof streamViewership>(handle.workflowId);
      const s = await resumed.query(streamStatusQuery);
      expect({ offsets: s.offsets, events: s.totals.events }).toEqual({ offsets: before.offsets, events: 1500 });
      await resumed.executeUpdate(stopUpdate);
      await resumed.result();
    } finally {
      await again.stop();
    }
    const store = createCheckpointStore(c);
    await store.clear(handle.workflowId).finally(() => store.close());
    await expect(streamStart(c, {})).rejects.toThrow(/cannot be resumed: no checkpoint .* --from-scratch/);
  });
});
