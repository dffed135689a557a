/**
 * The stream → lake sink on the real services: a stream worker SIGKILLed three times — once after staging a
 * batch's rows before its checkpoint, once between a compacted file's rename and the removal of the staged
 * files it holds, once while DuckDB writes a compacted file — and the lake's `web_events` still holds every
 * accepted event exactly once: rows per closed hour, read through the catalog, equal the speed view's events
 * for that hour and an independent count of what was produced (duplicates sent are not in the lake). Then the
 * day is completed (later events move the watermark past it), recomputed by the batch layer from the registered
 * hours (`batchEventsDay`), and `batch compare` finds it equal to the speed view — and finds an injected
 * difference in the hour it was injected.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { createSearchSink } from '../adapters/search/index.js';
import { withDuckDb } from '../lib/batch/duckdb.js';
import { createKafka, createLakeCatalog } from '../lib/clients.js';
import { sqlLiteral } from '../lib/fsutil.js';
import { customerId } from '../lib/generate/random.js';
import { speedTotals } from '../lib/stream/totals.js';
import { connectTemporal } from '../lib/temporal.js';
import { streamViewership } from '../workflows/stream.js';
import { uniqueName } from './helpers.js';
import { compareDate } from '../lib/batch/compare.js';
import { batchTotals } from '../lib/views/batch-view.js';
import { batchIndex } from '../lib/search-templates.js';
import { batchEventsDay } from '../workflows/batch-events.js';
import { isolatedStreamEnv } from './stream-env.js';
import { FUTURE_FIXTURES, killHard, spawnStreamWorker, waitCaughtUp } from './stream-fixtures.js';

const { id, env, cfg, create, remove } = isolatedStreamEnv('sl');
const kafka = createKafka(cfg.kafka, '-stream-lake');
const T0 = Date.parse('2031-12-01T10:00:00Z');
const HOUR = 3_600_000;
const N = 9000;
/** Events 1.2 s apart: 3000 in each of the hours 10, 11 and 12. */
const ev = (i: number) => ({
  event_id: `${id}-${i}`,
  customer_id: customerId(1 + (i % 37)),
  event_time: new Date(T0 + i * 1200).toISOString(),
  event_type: i % 3 ? 'play' : 'view',
  watch_ms: i % 7,
});

describe('stream → lake under SIGKILLs', () => {
  let client: Client;
  let handle: WorkflowHandle<typeof streamViewership> | undefined;
  let worker: ReturnType<typeof spawnStreamWorker> | undefined;
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const catalog = createLakeCatalog(cfg);

  beforeAll(async () => {
    await admin.connect();
    await create(admin);
    await producer.connect();
    client = await connectTemporal(cfg.temporal);
    // Every 10th event is sent twice: the second copy is a duplicate and must not reach the lake.
    for (let i = 0; i < N; i += 500) {
      const batch = Array.from({ length: Math.min(500, N - i) }, (_, k) => ev(i + k)).flatMap((e, k) =>
        (i + k) % 10 === 0 ? [e, e] : [e],
      );
      await producer.send({
        topic: env.KAFKA_TOPIC_EVENTS,
        messages: batch.map((e) => ({ key: e.customer_id, value: JSON.stringify(e) })),
      });
    }
  });

  afterAll(async () => {
    if (worker) await killHard(worker.child);
    await handle?.terminate('test cleanup').catch(() => undefined);
    await producer.disconnect();
    await remove(admin);
    await admin.disconnect();
    await catalog.close();
    await client?.connection.close();
  });

  const runUntilKilled = async (failpoint: string) => {
    worker = spawnStreamWorker({ ...env, VIEWERSHIP_FAILPOINT: failpoint });
    await worker.ready;
    const died = new Promise<string | null>((r) => worker!.child.once('exit', (_c, sig) => r(sig)));
    handle ??= await client.workflow.start(streamViewership, {
      taskQueue: env.TASK_QUEUE_STREAM,
      workflowId: uniqueName('stream-lake'),
      args: [{ settings: { intervalMs: 200, maxMessagesPerBatch: 1500, ...FUTURE_FIXTURES } }],
    });
    expect(await died).toBe('SIGKILL');
    console.log(`${failpoint}: killed after ${Date.now() - t0} ms`);
  };
  const t0 = Date.now();

  it('every accepted event lands once per closed hour, across three SIGKILLs', { timeout: 300_000 }, async () => {
    await runUntilKilled('lake-staged@3');
    await runUntilKilled('lake-compacted@1');
    await runUntilKilled('lake-compact-write@1');
    worker = spawnStreamWorker(env, ['stream', 'batch']);
    await worker.ready;
    const s = await waitCaughtUp(handle!, N + N / 10, 180_000);
    console.log(`caught up after ${Date.now() - t0} ms`);
    expect(s.totals).toMatchObject({ events: N, duplicates: N / 10, late: 0, deadLettered: 0 });

    // Hours 10 and 11 are closed (the watermark passed them) and registered; hour 12 is still open.
    const parts = await vi.waitFor(
      async () => {
        const listed = await catalog.list({ table: 'web_events' });
        expect(listed.length, `registered: ${listed.map((p) => p.path).join(' ')}`).toBeGreaterThanOrEqual(2);
        return listed;
      },
      { timeout: 60_000, interval: 500 },
    );
    expect(parts.map((p) => p.path)).toEqual(['date=2031-12-01/hour=10', 'date=2031-12-01/hour=11']);

    const search = createSearchSink(cfg.search);
    await search.refresh(`${id}-speed-*`);
    for (const p of parts) {
      const from = Date.parse(`${p.values.date}T${p.values.hour}:00:00Z`);
      const speed = await speedTotals(search, id, new Date(from), new Date(from + HOUR));
      const files = p.files.map((f) => `${env.LAKE_DIR}/web_events/${f.path}`);
      const [lake] = await withDuckDb({ memoryLimit: '256MB', threads: 1, tempDir: `${env.LAKE_DIR}/tmp` }, (db) =>
        db.rows<{ rows: number; ids: number; offsets: number; watch: number }>(
          `SELECT count(*)::DOUBLE AS rows, count(DISTINCT event_id)::DOUBLE AS ids, count(DISTINCT (kafka_partition, kafka_offset))::DOUBLE AS offsets, sum(watch_ms)::DOUBLE AS watch
           FROM read_parquet([${files.map(sqlLiteral).join(', ')}])`,
        ),
      );
      const produced = Array.from({ length: N }, (_, i) => ev(i)).filter(
        (e) => Date.parse(e.event_time) >= from && Date.parse(e.event_time) < from + HOUR,
      );
      expect(lake).toEqual({
        rows: produced.length,
        ids: produced.length,
        offsets: produced.length,
        watch: produced.reduce((n, e) => n + e.watch_ms, 0),
      });
      expect(speed.events).toBe(produced.length);
      expect(p.rows).toBe(produced.length);
      // Compacted: at most one file per Kafka partition (3 here).
      expect(p.files.length).toBeLessThanOrEqual(3);
    }
    await search.close();
  });

  it(
    'the batch layer recomputes the complete day from the lake, equal to the speed view; compare finds an injected difference',
    { timeout: 180_000 },
    async () => {
      // Later events on many keys (every partition gets some) move the watermark past the day: hour 12 closes.
      const next = Array.from({ length: 60 }, (_, k) => ({
        event_id: `${id}-next-${k}`,
        customer_id: customerId(100 + k),
        event_time: new Date(T0 + 15 * HOUR + k).toISOString(),
        event_type: 'play',
        watch_ms: 1,
      }));
      await producer.send({
        topic: env.KAFKA_TOPIC_EVENTS,
        messages: next.map((e) => ({ key: e.customer_id, value: JSON.stringify(e) })),
      });
      await vi.waitFor(
        async () =>
          expect(
            (await catalog.list({ table: 'web_events', fromDate: '2031-12-01', toDate: '2031-12-01' })).length,
            'hours of 2031-12-01 registered',
          ).toBeGreaterThanOrEqual(3),
        { timeout: 90_000, interval: 500 },
      );
      expect(
        (await catalog.list({ table: 'web_events', fromDate: '2031-12-01', toDate: '2031-12-01' })).map(
          (p) => p.values.hour,
        ),
      ).toEqual(['10', '11', '12']);

      const r = await client.workflow.execute(batchEventsDay, {
        taskQueue: env.TASK_QUEUE_BATCH,
        workflowId: uniqueName('batch-events'),
        args: [{ date: '2031-12-01' }],
      });
      expect(r).toMatchObject({ date: '2031-12-01', hours: ['10', '11', '12'], events: N });

      const search = createSearchSink(cfg.search);
      try {
        await search.refresh(`${id}-*`);
        const same = await compareDate(search, id, '2031-12-01');
        const watch = Array.from({ length: N }, (_, i) => ev(i).watch_ms).reduce((a, b) => a + b, 0);
        expect(same).toMatchObject({
          batchSource: 'events',
          hoursRegistered: ['10', '11', '12'],
          speed: { events: N, watchMs: watch },
          batch: { events: N, watchMs: watch },
          equal: true,
          differences: [],
        });
        // The serving layer now answers the day from the batch view (its day marker exists).
        expect([...(await batchTotals(search, id, ['2031-12-01'])).keys()]).toEqual(['2031-12-01']);

        // Inject a difference into the batch view's hour 11: compare lists that hour, and only it.
        const doc = await search.get<Record<string, number>>(batchIndex(id), '2031-12-01:hour:11');
        await search.bulkIndex(
          batchIndex(id),
          [{ id: '2031-12-01:hour:11', doc: { ...doc, requests: doc!.requests! + 7 } }],
          { refresh: true },
        );
        const diff = await compareDate(search, id, '2031-12-01');
        expect(diff.equal).toBe(false);
        expect(diff.differences).toEqual([
          {
            hour: '11',
            speed: { events: 3000, watchMs: expect.any(Number) },
            batch: { events: 3007, watchMs: expect.any(Number) },
            eventsDiff: 7,
          },
        ]);
      } finally {
        await search.deleteIndex(batchIndex(id));
        await search.close();
      }
    },
  );
});
