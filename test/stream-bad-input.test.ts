/**
 * The speed layer on bad input, on the real services: oversized dimensions and event times far ahead of their
 * Kafka timestamp are dead-lettered with their reasons (and a future event does not move the watermark, which
 * would make on-time events late); a document the search engine rejects stops the stream at once with a typed,
 * non-retryable failure naming the document; a micro-batch that wrote its documents and then failed, retried
 * after the profile cache changed, leaves nothing of the failed attempt behind.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Admin } from 'kafkajs';
import { createPostgresProfilesStore } from '../adapters/profiles/postgres.js';
import { createSearchSink } from '../adapters/search/index.js';
import { MAX_DIMENSION_BYTES } from '../common/events.js';
import { createKafka } from '../lib/clients.js';
import { generateProfile } from '../lib/generate/profiles.js';
import { customerId } from '../lib/generate/random.js';
import { speedIndices } from '../lib/search-templates.js';
import { speedTotals } from '../lib/stream/totals.js';
import { connectTemporal } from '../lib/temporal.js';
import { startWorkers } from '../workers/run.js';
import { testConfig, uniqueName } from './helpers.js';
import { isolatedStreamEnv } from './stream-env.js';
import { expectedTotals, KNOWN_CUSTOMERS, makeEvents, waitCaughtUp, type Ev } from './stream-fixtures.js';
import { stopUpdate, streamStatusQuery } from '../common/stream-api.js';
import { streamViewership } from '../workflows/stream.js';
import { refreshProfileCaches } from '../workflows/profile-cache.js';

const pg = () =>
  createPostgresProfilesStore(
    (testConfig().profiles as Extract<ReturnType<typeof testConfig>['profiles'], { store: 'postgres' }>).postgres,
  );

/** Highest attempt of the workflow's pending `runMicroBatch` activities (0 when none is pending). */
async function pendingAttempt(handle: WorkflowHandle): Promise<number> {
  const pending = (await handle.describe()).raw.pendingActivities ?? [];
  return Math.max(0, ...pending.filter((a) => a.activityType?.name === 'runMicroBatch').map((a) => a.attempt ?? 1));
}

/** Every error of a cause chain, outermost first. */
function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = err; e && out.length < 20; e = (e as { cause?: unknown }).cause) out.push(e);
  return out;
}

/** One isolated stream environment (own topics, index prefix, task queue), its clients and in-process workers. */
function streamEnv(prefix: string) {
  const iso = isolatedStreamEnv(prefix);
  const kafka = createKafka(iso.cfg.kafka, `-${prefix}-test`);
  const admin: Admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const handles: WorkflowHandle[] = [];
  let client: Client | undefined;
  let workers: Awaited<ReturnType<typeof startWorkers>> | undefined;
  let connected = false;
  return {
    ...iso,
    kafka,
    admin,
    get client() {
      return client!;
    },
    get workers() {
      return workers!;
    },
    /** Connect the clients; `topics` false leaves topic creation to the test. */
    async setup(topics = true) {
      await admin.connect();
      connected = true;
      if (topics) await iso.create(admin);
      await producer.connect();
      client = await connectTemporal(iso.cfg.temporal);
    },
    async startWorkers() {
      workers = await startWorkers(iso.cfg, ['stream']);
    },
    async send(messages: { value: string; key?: string; partition?: number }[]) {
      await producer.send({
        topic: iso.env.KAFKA_TOPIC_EVENTS,
        messages: messages.map((m) => ({ key: m.key ?? 'k', ...m })),
      });
    },
    async start(settings: Record<string, number>): Promise<WorkflowHandle> {
      const h = await client!.workflow.start(streamViewership, {
        taskQueue: iso.env.TASK_QUEUE_STREAM,
        workflowId: uniqueName(`stream-${prefix}`),
        args: [{ settings }],
      });
      handles.push(h);
      return h;
    },
    status: (h: WorkflowHandle) => h.query(streamStatusQuery),
    /** Stop (or, when it does not end within 10 s, terminate) the workflows, stop the workers, delete topics and indices. */
    async teardown() {
      for (const h of handles) {
        await h.executeUpdate(stopUpdate).catch(() => undefined);
        const ended = await Promise.race([
          h.result().then(
            () => true,
            () => true,
          ),
          sleep(10_000).then(() => false),
        ]);
        if (!ended) await h.terminate('test cleanup').catch(() => undefined);
      }
      await workers?.stop().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      if (connected) await iso.remove(admin).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
      await client?.connection.close().catch(() => undefined);
    },
  };
}

describe('speed layer: bad input', () => {
  const envs: ReturnType<typeof streamEnv>[] = [];
  const env = (prefix: string) => {
    const e = streamEnv(prefix);
    envs.push(e);
    return e;
  };

  beforeAll(async () => {
    const store = pg();
    await store.upsert(Array.from({ length: 40 }, (_, i) => generateProfile(i + 1, 1)));
    await store.close();
  });

  afterAll(async () => {
    for (const e of envs) await e.teardown();
  });

  it('dead-letters oversized dimensions and future event times; a future event does not move the watermark', async () => {
    const h = env('bi');
    await h.setup();
    await h.startWorkers();
    const now = Date.now();
    // Every message goes to partition 0: the stream's watermark is the minimum over partitions with events, so only
    // with a single partition would a future event that moved event time also move the watermark.
    const first = makeEvents(`${h.id}-a`, 30, now - 20_000);
    const base = first[1]!; // a known customer
    const at256: Ev = {
      ...base,
      event_id: `${h.id}-at256`,
      content_id: 'é'.repeat(MAX_DIMENSION_BYTES / 2),
      device: 'd'.repeat(MAX_DIMENSION_BYTES),
    };
    const oversized: Ev[] = [
      { ...base, event_id: `${h.id}-long-content`, content_id: 'é'.repeat(MAX_DIMENSION_BYTES / 2 + 1) }, // 258 bytes in 129 characters
      { ...base, event_id: `${h.id}-long-device`, device: 'd'.repeat(MAX_DIMENSION_BYTES + 1) },
      { ...base, event_id: `${h.id}-long-type`, event_type: 'p'.repeat(MAX_DIMENSION_BYTES + 1) },
    ];
    const future: Ev = { ...base, event_id: `${h.id}-future`, event_time: new Date(now + 3_600_000).toISOString() };
    const wave1 = [...first, at256, ...oversized, future];
    const toMsg = (e: Ev) => ({ key: e.customer_id, value: JSON.stringify(e), partition: 0 });
    await h.send(wave1.map(toMsg));
    const handle = await h.start({ intervalMs: 300 }); // default maxFutureMs (5 minutes)
    let s = await waitCaughtUp(handle, wave1.length, 60_000);
    const maxValid = Math.max(...[...first, at256].map((e) => Date.parse(e.event_time)));
    expect(s.maxEventMs).toEqual({ 0: maxValid }); // the future event did not move event time

    // Wave 2: older than wave 1 but within its allowed lateness (30 s): on time, unless the future event had moved
    // the watermark (to now + 1 h − 30 s), which would make every one of them late.
    const second = makeEvents(`${h.id}-b`, 20, now - 25_000);
    expect(Math.min(...second.map((e) => Date.parse(e.event_time)))).toBeGreaterThan(maxValid - 30_000);
    await h.send(second.map(toMsg));
    s = await waitCaughtUp(handle, wave1.length + second.length, 60_000);
    const accepted = [...first, at256, ...second];
    expect(s.totals).toMatchObject({ events: accepted.length, deadLettered: 4, late: 0, duplicates: 0 });
    expect((await h.status(handle)).watermarkMs).toBe(maxValid - 30_000);

    // Dead letters: one per rejected message, with its reason in a header.
    const dlqEnd = (await h.admin.fetchTopicOffsets(h.env.KAFKA_TOPIC_DLQ)).reduce((n, p) => n + Number(p.high), 0);
    expect(dlqEnd).toBe(4);
    const consumer = h.kafka.consumer({ groupId: uniqueName('dlq-check') });
    const reasons: string[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: h.env.KAFKA_TOPIC_DLQ, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void reasons.push(String(message.headers?.reason)) });
      await vi.waitFor(
        () => expect(reasons.length, `dead letters read back: ${reasons.join(', ')}`).toBeGreaterThanOrEqual(4),
        { timeout: 30_000, interval: 250 },
      );
    } finally {
      await consumer.disconnect();
    }
    expect(reasons.sort()).toEqual(['field_too_long', 'field_too_long', 'field_too_long', 'future_event_time']);

    // The speed view: exactly the accepted events (the 256-byte dimensions included), no late, 4 dead letters.
    const sink = createSearchSink(h.cfg.search);
    try {
      for (const index of speedIndices(h.id)) await sink.refresh(index);
      const from = new Date(now - 3_600_000);
      const to = new Date(now + 7_200_000);
      expect(await speedTotals(sink, h.id, from, to)).toEqual({
        from: from.toISOString(),
        to: to.toISOString(),
        ...expectedTotals(accepted, KNOWN_CUSTOMERS),
        late: 0,
        deadLettered: 4,
        duplicates: 0,
      });
      const longContent = await sink.search(`${h.id}-speed-content`, {
        size: 0,
        query: { term: { content_id: at256.content_id } },
        aggs: { n: { sum: { field: 'events' } } },
      });
      expect((longContent.aggregations!.n as { value: number }).value).toBe(1);
    } finally {
      await sink.close();
    }
  });

  it('a document the engine rejects with a 4xx is a non-retryable IndexRejectedError naming the document', async () => {
    const h = env('br');
    await h.setup();
    // The cube index exists before the stream starts, with a mapping every cube document violates (country: integer).
    const index = `${h.id}-speed-windows`;
    const sink = createSearchSink(h.cfg.search);
    try {
      await sink.ensureIndex(index, {
        settings: { number_of_shards: 1, number_of_replicas: 0 },
        mappings: { dynamic: false, properties: { country: { type: 'integer' } } },
      });
    } finally {
      await sink.close();
    }
    const events = makeEvents(h.id, 12, Date.now() - 20_000).filter((e) => KNOWN_CUSTOMERS.has(e.customer_id));
    await h.send(events.map((e) => ({ key: e.customer_id, value: JSON.stringify(e) })));
    await h.startWorkers();
    const handle = await h.start({ intervalMs: 300 });

    const outcome = await Promise.race([
      handle.result().then(
        () => 'completed',
        (e: unknown) => e,
      ),
      sleep(60_000).then(() => 'timeout'),
    ]);
    if (outcome === 'timeout' || outcome === 'completed') {
      throw new Error(
        `workflow did not fail within 60 s (${outcome}); pending: ${JSON.stringify((await handle.describe()).raw.pendingActivities)}`,
      );
    }
    const chain = causes(outcome);
    const rejected = chain.find(
      (e): e is ApplicationFailure => e instanceof ApplicationFailure && e.type === 'IndexRejectedError',
    );
    expect(
      rejected,
      `no IndexRejectedError in ${chain.map((e) => `${(e as Error).name}: ${(e as Error).message}`).join(' <- ')}`,
    ).toBeDefined();
    expect(rejected!.nonRetryable).toBe(true);
    expect(rejected!.message).toMatch(new RegExp(`rejected document \\S+\\|p[0-2] of ${index} \\(400\\)`));
    expect(rejected!.details?.[0]).toMatchObject({ index, status: 400, id: expect.stringMatching(/\|p[0-2]$/) });
    const activity = chain.find((e): e is ActivityFailure => e instanceof ActivityFailure);
    expect(activity?.activityType).toBe('runMicroBatch');
    expect(activity?.retryState).toBe(RetryState.NON_RETRYABLE_FAILURE);

    // History: every micro-batch that failed (one per partition group with events) ran exactly once: no retry loop.
    const history = (await handle.fetchHistory()).events ?? [];
    const batchScheduled = new Set(
      history
        .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runMicroBatch')
        .map((e) => String(e.eventId)),
    );
    const failed = history.flatMap((e) =>
      e.activityTaskFailedEventAttributes &&
      batchScheduled.has(String(e.activityTaskFailedEventAttributes.scheduledEventId))
        ? [e.activityTaskFailedEventAttributes]
        : [],
    );
    expect(failed.length).toBeGreaterThanOrEqual(1);
    const attempts = failed.map(
      (f) =>
        history.find((e) => String(e.eventId) === String(f.startedEventId))?.activityTaskStartedEventAttributes
          ?.attempt,
    );
    expect(attempts).toEqual(failed.map(() => 1));
    expect(failed.map((f) => f.failure?.applicationFailureInfo?.type)).toEqual(failed.map(() => 'IndexRejectedError'));
  });

  it('a retry after the profile cache changed leaves no document of the failed attempt behind', async () => {
    const h = env('bp');
    await h.setup(false);
    // No aggregates topic yet (the broker does not auto-create topics: auto.create.topics.enable=false): the
    // micro-batch writes its documents, then fails publishing to the output topic, and is retried.
    await h.admin.createTopics({
      topics: [
        { topic: h.env.KAFKA_TOPIC_EVENTS, numPartitions: 3 },
        { topic: h.env.KAFKA_TOPIC_DLQ, numPartitions: 1 },
      ],
      waitForLeaders: true,
    });
    await h.startWorkers();
    const n = 33;
    const who = customerId(n);
    const old = generateProfile(n, 1);
    const moved = old.country === 'ZZ' ? 'ZY' : 'ZZ';
    expect(h.workers.profileCache.get(who)?.country).toBe(old.country);
    const sink = createSearchSink(h.cfg.search);
    /** Events of the cube index by country ({} before the stream created the index). */
    const byCountry = async (): Promise<Record<string, number>> => {
      const index = `${h.id}-speed-windows`;
      const notFound = (err: unknown) => {
        if ((err as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return undefined;
        throw err;
      };
      if ((await sink.refresh(index).then(() => true, notFound)) === undefined) return {};
      const r = await sink.search(index, {
        size: 0,
        aggs: { c: { terms: { field: 'country' }, aggs: { n: { sum: { field: 'events' } } } } },
      });
      return Object.fromEntries(
        (r.aggregations!.c as { buckets: { key: string; n: { value: number } }[] }).buckets.map((b) => [
          b.key,
          b.n.value,
        ]),
      );
    };
    try {
      const now = Date.now();
      const events: Ev[] = Array.from({ length: 5 }, (_, i) => ({
        event_id: `${h.id}-p${i}`,
        customer_id: who,
        event_time: new Date(now - 10_000 + i * 1000).toISOString(),
        event_type: 'play',
      }));
      await h.send(events.map((e) => ({ key: e.customer_id, value: JSON.stringify(e) })));
      const handle = await h.start({ intervalMs: 300 });

      // The failed attempt's documents are in the index (old country), and the batch is being retried.
      await vi.waitFor(
        async () => {
          const [countries, attempt] = await Promise.all([byCountry(), pendingAttempt(handle)]);
          expect(countries[old.country], `failed attempt's documents in ${JSON.stringify(countries)}`).toBe(5);
          expect(attempt, 'attempt of the pending micro-batch').toBeGreaterThan(1);
        },
        { timeout: 60_000, interval: 250 },
      );
      expect(await h.admin.listTopics()).not.toContain(h.env.KAFKA_TOPIC_AGGREGATES);

      // The customer moves; the workers' caches are refreshed.
      const store = pg();
      await store.upsert([{ ...old, country: moved }]);
      await store.close();
      await h.client.workflow.execute(refreshProfileCaches, {
        taskQueue: h.env.TASK_QUEUE_STREAM,
        workflowId: uniqueName('refresh'),
        args: [{ fullReloadEveryMs: 3_600_000 }],
      });
      expect(h.workers.profileCache.get(who)?.country).toBe(moved);
      // An attempt already running may have enriched with the old profile: wait for one that starts after the refresh.
      const current = await pendingAttempt(handle);
      await vi.waitFor(
        async () => expect(await pendingAttempt(handle), 'attempt of the pending micro-batch').toBeGreaterThan(current),
        { timeout: 60_000, interval: 250 },
      );

      await h.admin.createTopics({
        topics: [{ topic: h.env.KAFKA_TOPIC_AGGREGATES, numPartitions: 3 }],
        waitForLeaders: true,
      });
      const s = await waitCaughtUp(handle, events.length, 60_000);
      expect(s.totals).toMatchObject({ events: 5, deadLettered: 0, late: 0, duplicates: 0 });

      expect(await byCountry()).toEqual({ [moved]: 5 });
      await sink.refresh(`${h.id}-speed-uniques`);
      const u = await sink.search(`${h.id}-speed-uniques`, { size: 0, aggs: { n: { sum: { field: 'events' } } } });
      expect((u.aggregations!.n as { value: number }).value).toBe(5);
    } finally {
      await sink.close();
      const restore = pg();
      await restore.upsert([old]); // other test files share the profiles table
      await restore.close();
    }
  });
});
