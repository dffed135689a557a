/**
 * Shared setup of the serving-layer tests: an isolated stream environment (own topics, index prefix, task
 * queues, landing dirs), an in-process worker, the streaming workflow under a unique id, and events with an
 * independent expected count.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { vi } from 'vitest';
import { createPostgresProfilesStore } from '../adapters/profiles/postgres.js';
import { createSearchSink } from '../adapters/search/index.js';
import type { CustomerProfile } from '../adapters/profiles/types.js';
import type { StreamState } from '../common/stream.js';
import { createKafka } from '../lib/clients.js';
import { generateProfile } from '../lib/generate/profiles.js';
import { batchIndex } from '../lib/search-templates.js';
import { connectTemporal } from '../lib/temporal.js';
import { startWorkers, type QueueRole } from '../workers/run.js';
import { testConfig, uniqueName } from './helpers.js';
import { isolatedStreamEnv } from './stream-env.js';
import { FUTURE_FIXTURES } from './stream-fixtures.js';
import { stopUpdate, streamStatusQuery } from '../common/stream-api.js';
import { streamViewership } from '../workflows/stream.js';

/** An event as produced (wire shape). */
export interface Ev {
  event_id: string;
  customer_id: string;
  event_time: string;
  event_type: string;
  content_id: string;
  device: string;
  http_status: number;
  watch_ms: number;
}

/** Known profiles the tests use (C000001…C000040, upserted at setup). */
export const PROFILES: CustomerProfile[] = Array.from({ length: 40 }, (_, i) => generateProfile(i + 1, 1));
const TYPES = ['play', 'pause', 'view'];

/** `n` events at `timeMs(i)`: known customers and 1 in 8 unknown (`U…`), statuses with 4xx/5xx, watch time, content. */
export function makeEvents(tag: string, n: number, timeMs: (i: number) => number): Ev[] {
  return Array.from({ length: n }, (_, i) => ({
    event_id: `${tag}-e${i}`,
    customer_id: i % 8 === 0 ? `U${i % 13}` : PROFILES[(i * 7) % 33]!.customerId,
    event_time: new Date(timeMs(i)).toISOString(),
    event_type: TYPES[i % 3]!,
    content_id: `V${(i * i) % 11}`,
    device: i % 2 ? 'tv' : 'mobile',
    http_status: i % 17 === 0 ? 503 : i % 11 === 0 ? 404 : 200,
    watch_ms: (i % 7) * 1500,
  }));
}

/** The independent expected totals of `events` (each distinct event once). */
export function expectedOf(events: Ev[]) {
  const known = new Map(PROFILES.map((p) => [p.customerId, p]));
  const count = (f: (e: Ev) => string) =>
    events.reduce<Record<string, number>>((m, e) => ((m[f(e)] = (m[f(e)] ?? 0) + 1), m), {});
  return {
    events: events.length,
    uniqueCustomers: new Set(events.map((e) => e.customer_id)).size,
    unknownCustomerEvents: events.filter((e) => !known.has(e.customer_id)).length,
    watchMs: events.reduce((n, e) => n + e.watch_ms, 0),
    byStatusCategory: count((e) => `${String(e.http_status)[0]}xx`),
    byEventType: count((e) => e.event_type),
    byCountry: count((e) => known.get(e.customer_id)?.country ?? 'unknown'),
    byPlan: count((e) => known.get(e.customer_id)?.plan ?? 'unknown'),
    byContent: count((e) => e.content_id),
  };
}

/** Set up the environment; `cleanup()` removes everything it created. */
export async function serveTestEnv(prefix: string, roles: QueueRole[]) {
  const iso = isolatedStreamEnv(prefix);
  const root = mkdtempSync(`${tmpdir()}/viewership-serve-`);
  const env = {
    ...iso.env,
    TASK_QUEUE_BATCH: `${iso.id}-batch`,
    LANDING_DIR: `${root}/landing`,
    LAKE_DIR: `${root}/lake`,
    WORK_DIR: `${root}/work`,
    QUARANTINE_DIR: `${root}/quarantine`,
  };
  const cfg = testConfig(env);
  const kafka = createKafka(cfg.kafka, '-serve-test');
  const admin = kafka.admin();
  await admin.connect();
  await iso.create(admin);
  const store = createPostgresProfilesStore(
    (cfg.profiles as Extract<typeof cfg.profiles, { store: 'postgres' }>).postgres,
  );
  await store.upsert(PROFILES);
  await store.close();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const client: Client = await connectTemporal(cfg.temporal);
  const workers = await startWorkers(cfg, roles);
  let stream: WorkflowHandle | undefined;
  const streamWorkflowId = uniqueName('stream-serve-test');
  return {
    id: iso.id,
    cfg,
    client,
    streamWorkflowId,
    /** Produce raw message values (keys = customer ids where parseable). */
    async send(values: string[]): Promise<void> {
      for (let i = 0; i < values.length; i += 2000) {
        await producer.send({
          topic: cfg.kafka.topics.events,
          messages: values.slice(i, i + 2000).map((value, k) => ({ key: `k${i + k}`, value })),
        });
      }
    },
    async startStream(intervalMs: number): Promise<void> {
      stream = await client.workflow.start(streamViewership, {
        taskQueue: cfg.temporal.taskQueues.stream,
        workflowId: streamWorkflowId,
        args: [{ settings: { intervalMs, ...FUTURE_FIXTURES } }],
      });
    },
    /** Wait until the stream has taken `minMessages` (accepted + dead-lettered + late + duplicates) and is caught up. */
    caughtUp(minMessages: number, timeoutMs = 120_000): Promise<StreamState> {
      return vi.waitFor(
        async () => {
          const s = await stream!.query(streamStatusQuery);
          const t = s.totals;
          if (s.lastBatch?.lag === 0 && t.events + t.deadLettered + t.late + t.duplicates >= minMessages) return s;
          throw new Error(`stream not caught up with ${minMessages} messages: ${JSON.stringify(s.totals)}`);
        },
        { timeout: timeoutMs, interval: 300 },
      );
    },
    async cleanup(): Promise<void> {
      await stream?.executeUpdate(stopUpdate).catch(() => undefined);
      await stream?.result().catch(() => undefined);
      await workers.stop();
      await producer.disconnect();
      await iso.remove(admin);
      await admin.disconnect();
      const sink = createSearchSink(cfg.search);
      await sink.deleteIndex(batchIndex(iso.id));
      await sink.close();
      for (const t of ['batch', 'speed'])
        await fetch(`${cfg.search.url}/_index_template/${iso.id}-${t}`, { method: 'DELETE' }).catch(() => undefined);
      await client.connection.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
