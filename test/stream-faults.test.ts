/**
 * The speed layer under faults, on the real services: two worker processes split the partitions; the search
 * engine unreachable for ~30 s (a cut loopback proxy) and a broker restart mid-run only delay micro-batches,
 * which retry; totals stay exactly equal to the independent count.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { createSearchSink } from '../adapters/search/index.js';
import type { StreamState } from '../common/stream.js';
import { createKafka } from '../lib/clients.js';
import { speedTotals } from '../lib/stream/totals.js';
import { connectTemporal } from '../lib/temporal.js';
import { startWorkers } from '../workers/run.js';
import { contexts } from '../scripts/services/cli.js';
import { down, up } from '../scripts/services/manager.js';
import { selectServices } from '../scripts/services/registry.js';
import { testConfig, uniqueName } from './helpers.js';
import {
  expectedTotals,
  KNOWN_CUSTOMERS,
  killHard,
  makeEvents,
  spawnStreamWorker,
  waitCaughtUp,
  type Ev,
  FUTURE_FIXTURES,
} from './stream-fixtures.js';
import { isolatedStreamEnv } from './stream-env.js';
import { startTcpProxy } from './tcp-proxy.js';
import { stopUpdate } from '../common/stream-api.js';
import { streamViewership } from '../workflows/stream.js';

const T0 = Date.parse('2031-09-01T10:00:00Z');

/** One isolated stream environment with a producer, a Temporal client and helpers. */
function harness(prefix: string, extraEnv: Record<string, string> = {}) {
  const iso = isolatedStreamEnv(prefix);
  const env = { ...iso.env, ...extraEnv };
  const cfg = testConfig(env);
  const kafka = createKafka(cfg.kafka, `-${prefix}-test`);
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  let client: Client;
  let produced = 0;
  return {
    env,
    cfg,
    iso,
    get client() {
      return client;
    },
    get produced() {
      return produced;
    },
    async setup() {
      await admin.connect();
      await iso.create(admin);
      await producer.connect();
      client = await connectTemporal(cfg.temporal);
    },
    async send(events: Ev[]) {
      for (let i = 0; i < events.length; i += 1000) {
        await producer.send({
          topic: env.KAFKA_TOPIC_EVENTS,
          messages: events.slice(i, i + 1000).map((e) => ({ key: e.customer_id, value: JSON.stringify(e) })),
        });
      }
      produced += events.length;
    },
    start(settings: Record<string, number>): Promise<WorkflowHandle> {
      return client.workflow.start(streamViewership, {
        taskQueue: env.TASK_QUEUE_STREAM,
        workflowId: uniqueName(`stream-${prefix}`),
        args: [{ settings: { ...settings, ...FUTURE_FIXTURES } }],
      });
    },
    /** Speed-view totals read back through the real engine (not the proxy). */
    async totals() {
      const sink = createSearchSink(iso.cfg.search);
      await sink.refresh(`${iso.id}-speed-windows`);
      await sink.refresh(`${iso.id}-speed-counters`);
      const t = await speedTotals(sink, iso.id, new Date(T0 - 60_000), new Date(T0 + 86_400_000));
      await sink.close();
      return t;
    },
    async teardown(handle?: WorkflowHandle) {
      await handle?.executeUpdate(stopUpdate).catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await iso.remove(admin).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
      await client?.connection.close();
    },
  };
}

/**
 * Watch the workflow's pending activities for up to `forMs` (or until one is retried, when `untilRetried`);
 * returns the highest attempt seen (1 when none was retried).
 */
async function watchAttempts(handle: WorkflowHandle, forMs: number, untilRetried: boolean): Promise<number> {
  const until = Date.now() + forMs;
  let attempt = 1;
  while (Date.now() < until && !(untilRetried && attempt > 1)) {
    const d = await handle.describe();
    attempt = Math.max(attempt, ...(d.raw.pendingActivities ?? []).map((a) => a.attempt ?? 1));
    await sleep(500);
  }
  return attempt;
}

describe('speed layer under faults', () => {
  it('two worker processes split the partitions; totals exact', { timeout: 240_000 }, async () => {
    const h = harness('tw');
    await h.setup();
    const workers = [spawnStreamWorker(h.env), spawnStreamWorker(h.env)];
    let handle: WorkflowHandle | undefined;
    try {
      await Promise.all(workers.map((w) => w.ready));
      const events = makeEvents(h.iso.id, 12_000, T0);
      await h.send(events);
      handle = await h.start({ intervalMs: 200, maxMessagesPerBatch: 1500, partitionGroups: 3 });
      const s = await waitCaughtUp(handle, h.produced);
      // Both processes ran micro-batch activities (identity = host-pid).
      const pids = Object.keys(s.workers ?? {}).map((w) => Number(w.split('-').pop()));
      expect(pids.sort()).toEqual(workers.map((w) => w.child.pid!).sort());
      expect(s.totals).toMatchObject({ events: 12_000, duplicates: 0, late: 0, deadLettered: 0 });
      expect(await h.totals()).toMatchObject({
        ...expectedTotals(events, KNOWN_CUSTOMERS),
        late: 0,
        deadLettered: 0,
        duplicates: 0,
      });
    } finally {
      await h.teardown(handle);
      await Promise.all(workers.map((w) => killHard(w.child)));
    }
  });

  it(
    'a stream worker process exits promptly on SIGTERM after running micro-batches',
    { timeout: 120_000 },
    async () => {
      const h = harness('sd');
      await h.setup();
      await h.send(makeEvents(h.iso.id, 300, T0));
      const w = spawnStreamWorker(h.env);
      let handle: WorkflowHandle | undefined;
      try {
        await w.ready;
        handle = await h.start({ intervalMs: 300 });
        await waitCaughtUp(handle, h.produced, 60_000);
        await handle.executeUpdate(stopUpdate);
        await handle.result();
        const t0 = Date.now();
        const exited = new Promise<number | string | null>((r) => w.child.once('exit', (code, sig) => r(code ?? sig)));
        w.child.kill('SIGTERM');
        const code = await Promise.race([
          exited,
          sleep(15_000).then(() => `still running after 15 s: ${w.stderr().slice(-800)}`),
        ]);
        expect(code).toBe(0);
        expect(Date.now() - t0).toBeLessThan(15_000);
      } finally {
        await killHard(w.child);
        await h.teardown(handle);
      }
    },
  );

  /**
   * 3,000 events in and counted; then the fault begins, the other 3,000 are produced during it (or after it when
   * the broker itself is down), `during` checks that micro-batches are retried, the fault ends, and the totals are exact.
   */
  async function acrossFault(
    h: ReturnType<typeof harness>,
    fault: {
      begin: () => Promise<void>;
      during: (handle: WorkflowHandle) => Promise<void>;
      end: () => Promise<void>;
      produceDuring: boolean;
    },
  ) {
    const events = makeEvents(h.iso.id, 6000, T0);
    await h.send(events.slice(0, 3000));
    const handle = await h.start({ intervalMs: 300 });
    try {
      await waitCaughtUp(handle, h.produced);
      await fault.begin();
      if (fault.produceDuring) await h.send(events.slice(3000));
      await fault.during(handle);
      await fault.end();
      if (!fault.produceDuring) await h.send(events.slice(3000));
      await waitCaughtUp(handle, h.produced, 180_000);
      expect(await h.totals()).toMatchObject({
        ...expectedTotals(events, KNOWN_CUSTOMERS),
        late: 0,
        deadLettered: 0,
        duplicates: 0,
      });
    } finally {
      await handle.executeUpdate(stopUpdate).catch(() => undefined);
    }
  }

  it('the search engine unreachable for ~30 s: micro-batches retry, nothing lost', { timeout: 240_000 }, async () => {
    const proxy = await startTcpProxy(Number(new URL(testConfig().search.url).port));
    const h = harness('so', { SEARCH_URL: `http://127.0.0.1:${proxy.port}` });
    await h.setup();
    const workers = await startWorkers(h.cfg, ['stream']);
    try {
      await acrossFault(h, {
        produceDuring: true,
        begin: () => proxy.cut(),
        during: async (handle) => {
          // The batches fail and are retried by Temporal for 30 s; nothing is counted meanwhile.
          expect(await watchAttempts(handle, 30_000, false)).toBeGreaterThan(1);
          expect(((await handle.describe()).memo as { totals: StreamState['totals'] }).totals.events).toBe(3000);
        },
        end: () => proxy.restore(),
      });
    } finally {
      await proxy.restore();
      await h.teardown();
      await workers.stop();
      await proxy.close();
    }
  });

  it('a broker restart during a run: micro-batches retry, nothing lost', { timeout: 300_000 }, async () => {
    const h = harness('br');
    await h.setup();
    const workers = await startWorkers(h.cfg, ['stream']);
    const kafkaSvc = (await selectServices([], process.env)).filter((s) => s.name === 'kafka');
    const mk = contexts(() => undefined);
    try {
      await acrossFault(h, {
        produceDuring: false,
        begin: () => down(kafkaSvc, mk).then(() => undefined),
        during: async (handle) => expect(await watchAttempts(handle, 30_000, true)).toBeGreaterThan(1),
        end: () => up(kafkaSvc, mk).then(() => undefined),
      });
    } finally {
      await up(kafkaSvc, mk);
      await h.teardown();
      await workers.stop();
    }
  });
});
