/**
 * The two measured phases of `npm run bench:stream` against the real pipeline (a stream worker child process
 * and the `streamViewership` workflow on an isolated environment): the drain of a pre-loaded topic with the
 * bare-consumer ceiling, and the visibility latency at a steady production rate.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Admin, Kafka } from 'kafkajs';
import { createSearchSink } from '../../adapters/search/index.js';
import { createCheckpointStore, createKafka } from '../../lib/clients.js';
import { restoreState } from '../../lib/stream/state/restore.js';
import { connectTemporal } from '../../lib/temporal.js';
import { stopUpdate, streamStatusQuery } from '../../common/stream-api.js';
import { streamViewership } from '../../workflows/stream.js';
import {
  createEnv,
  isInterrupted,
  isolatedEnv,
  log,
  onCleanup,
  sleep,
  spawnWorker,
  type BenchStreamEnv,
} from './stream-env.js';
import { bareConsumer, preload, produceSteady } from './stream-kafka.js';
import { cpuBetween, cpuSnapshot, speedIndexStats } from './stream-machine.js';
import { pollVisibility, visibilityLatency, type LatencyStats } from './stream-visibility.js';
import { searchSinkOptions } from '../../lib/adapter-options.js';

/** The subset of the workflow's `status` query the bench reads. */
interface StreamStatus {
  totals: { batches: number; events: number; deadLettered: number; late: number; duplicates: number };
  lastBatch?: { lag: number };
  offsets: Record<number, number>;
  settings: { windowMs: number };
}

/** What the bench reads of a micro-batch's result. */
interface BatchResult {
  read: number;
  tookMs: number;
  restored?: number[];
  checkpoint?: { bytes: number; ms: number };
  documents?: number;
  stagesMs?: Record<string, number>;
}

/** Options shared by the phases. */
export interface PhaseOptions {
  partitions: number;
  customers: number;
  /** Settings passed to the workflow besides intervalMs (e.g. maxMessagesPerBatch, partitionGroups). */
  settings: Record<string, number>;
  /** Node args and env of the drain worker (the --cpu-prof probe). */
  workerNodeArgs?: string[];
  workerEnv?: Record<string, string>;
}

const accounted = (s: StreamStatus) => s.totals.events + s.totals.deadLettered + s.totals.late + s.totals.duplicates;

/** Start the workflow on the environment's queue; its stop/terminate is registered as a cleanup. */
async function startStream(client: Client, e: BenchStreamEnv, settings: Record<string, number>) {
  const handle = await client.workflow.start(streamViewership, {
    taskQueue: e.cfg.temporal.taskQueues.stream,
    workflowId: `${e.id}-stream`,
    args: [{ settings }],
  });
  const stop = onCleanup(`workflow ${handle.workflowId}`, async () => {
    if (isInterrupted()) return handle.terminate('bench:stream interrupted').catch(() => undefined);
    const stopped = handle.executeUpdate(stopUpdate).then(() => handle.result());
    const ok = await Promise.race([
      stopped.then(
        () => true,
        () => false,
      ),
      sleep(30_000).then(() => false),
    ]);
    if (!ok) await handle.terminate('bench:stream cleanup').catch(() => undefined);
  });
  return { handle, stop };
}

/** Micro-batch activities of a workflow chain, read from its event histories (follows continue-as-new). */
async function microBatchStats(client: Client, workflowId: string, firstRunId: string) {
  const done: BatchResult[] = [];
  let retries = 0;
  let failedOrTimedOut = 0;
  for (let runId: string | undefined = firstRunId; runId;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const types = new Map<string, string>();
    runId = undefined;
    for (const ev of history.events ?? []) {
      const id = String(ev.eventId);
      if (ev.activityTaskScheduledEventAttributes)
        types.set(id, ev.activityTaskScheduledEventAttributes.activityType?.name ?? '');
      // Only an activity's last attempt is recorded in the history; its number tells how many attempts failed before.
      const started = ev.activityTaskStartedEventAttributes;
      if (started && types.get(String(started.scheduledEventId)) === 'runMicroBatch')
        retries += Math.max(0, (started.attempt ?? 1) - 1);
      if (ev.activityTaskFailedEventAttributes || ev.activityTaskTimedOutEventAttributes) failedOrTimedOut++;
      const c = ev.activityTaskCompletedEventAttributes;
      if (c && types.get(String(c.scheduledEventId)) === 'runMicroBatch' && c.result?.payloads?.[0]) {
        done.push(defaultPayloadConverter.fromPayload<BatchResult>(c.result.payloads[0]));
      }
      runId = ev.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? runId;
    }
  }
  const withData = done.filter((d) => d.read > 0);
  const mean = (f: (d: BatchResult) => number) =>
    withData.length ? withData.reduce((s, d) => s + f(d), 0) / withData.length : 0;
  return {
    activities: done.length,
    activitiesWithData: withData.length,
    meanBatchEvents: Math.round(mean((d) => d.read)),
    meanTookMs: Math.round(mean((d) => d.tookMs)),
    maxTookMs: Math.max(0, ...withData.map((d) => d.tookMs)),
    sumTookS: Number((withData.reduce((s, d) => s + d.tookMs, 0) / 1000).toFixed(1)),
    retries,
    failedOrTimedOut,
    /** Checkpoint records written per activity with data: mean bytes and mean / max write time. */
    checkpointMeanKB: Math.round(mean((d) => d.checkpoint?.bytes ?? 0) / 1024),
    checkpointMeanMs: Math.round(mean((d) => d.checkpoint?.ms ?? 0)),
    checkpointMaxMs: Math.max(0, ...withData.map((d) => d.checkpoint?.ms ?? 0)),
    restores: done.reduce((n, d) => n + (d.restored?.length ?? 0), 0),
    meanDocuments: Math.round(mean((d) => d.documents ?? 0)),
    /** Mean ms per stage over activities with data. */
    meanStagesMs: Object.fromEntries(
      Object.keys(withData[0]?.stagesMs ?? {}).map((k) => [k, Math.round(mean((d) => d.stagesMs?.[k] ?? 0))]),
    ),
  };
}

/** Time to rebuild each partition's state at the stream's current offsets from the checkpoints (a failover's cost). */
async function restoreTimes(e: BenchStreamEnv, workflowId: string, s: StreamStatus) {
  const store = createCheckpointStore(e.cfg);
  try {
    const out = [];
    for (const [p, offset] of Object.entries(s.offsets)) {
      const t0 = performance.now();
      const state = await restoreState(store, workflowId, Number(p), offset, s.settings.windowMs);
      out.push({ partition: Number(p), offset, ms: Math.round(performance.now() - t0), ...state.size() });
    }
    return { partitions: out, stored: await store.stats(workflowId) };
  } finally {
    await store.close();
  }
}

/** Poll the `status` query until `until(status)` or `timeoutMs`; logs progress every ~5 s. */
async function waitStatus(
  handle: WorkflowHandle,
  until: (s: StreamStatus) => boolean,
  timeoutMs: number,
  label: string,
): Promise<{ s: StreamStatus; atMs: number }> {
  const t0 = performance.now();
  let lastLog = t0;
  for (;;) {
    const s = await handle.query(streamStatusQuery);
    const now = performance.now();
    if (until(s)) return { s, atMs: now };
    if (now - t0 > timeoutMs)
      throw new Error(`${label}: timed out after ${Math.round(timeoutMs / 1000)} s at ${JSON.stringify(s.totals)}`);
    if (now - lastLog > 5000) {
      log(
        `  ${label}: ${accounted(s).toLocaleString('en')} accounted, ${s.totals.batches} batches, lag ${s.lastBatch?.lag ?? '?'}`,
      );
      lastLog = now;
    }
    await sleep(250);
  }
}

/** Phase 1–2 (and 4): pre-load, bare-consumer ceiling, then the pipeline's drain with the worker's RSS. */
export async function drainPhase(kafka: Kafka, admin: Admin, o: PhaseOptions & { events: number }) {
  const e = isolatedEnv('drain');
  const removeEnv = await createEnv(e, admin, o.partitions);
  log(
    `drain: pre-loading ${o.events.toLocaleString('en')} events into ${e.topics.events} (${o.partitions} partitions)`,
  );
  const preloadMs = await preload(kafka, e.topics.events, { count: o.events, customers: o.customers, seed: 4 });
  log(`drain: bare kafkajs consumer over the same topic`);
  const bare = await bareConsumer(createKafka(e.cfg.kafka, '-bench-bare'), e.topics.events, o.events);
  log(
    `drain: bare consumer ${Math.round(bare.perS).toLocaleString('en')} ev/s; starting a stream worker (loads the profile cache)`,
  );
  const tw = performance.now();
  const worker = await spawnWorker(e, o.workerNodeArgs, o.workerEnv);
  const workerReadyS = (performance.now() - tw) / 1000;
  const client = await connectTemporal(e.cfg.temporal);
  const closeClient = onCleanup('temporal client (drain)', () => client.connection.close());
  const cpu0 = cpuSnapshot([worker.pid]);
  const t0 = performance.now();
  const { handle, stop } = await startStream(client, e, { intervalMs: 1000, ...o.settings });
  const { s, atMs } = await waitStatus(
    handle,
    (x) => accounted(x) >= o.events && (x.lastBatch?.lag ?? 0) === 0,
    1_800_000,
    'drain',
  );
  const drainMs = atMs - t0;
  const cpu = cpuBetween(cpu0, cpuSnapshot([worker.pid]));
  const batches = await microBatchStats(client, handle.workflowId, handle.firstExecutionRunId);
  const peakRssMB = Math.round(Math.max(worker.hwmKb(), worker.sampledPeakKb()) / 1024);
  const searchStats = await speedIndexStats(e.cfg.search, e.id);
  const restore = await restoreTimes(e, handle.workflowId, s);
  await stop();
  await worker.stop();
  await closeClient();
  await removeEnv();
  return {
    events: o.events,
    preloadPerS: Math.round(o.events / (preloadMs / 1000)),
    bare: {
      perS: Math.round(bare.perS),
      perSFromFirstMessage: Math.round(bare.perSFromFirst),
      s: Number((bare.ms / 1000).toFixed(2)),
    },
    pipeline: {
      perS: Math.round(o.events / (drainMs / 1000)),
      s: Number((drainMs / 1000).toFixed(2)),
      totals: s.totals,
      ...batches,
    },
    ratio: Number((o.events / (drainMs / 1000) / bare.perS).toFixed(3)),
    worker: { readyS: Number(workerReadyS.toFixed(1)), readyRssMB: worker.readyRssMB, peakRssMB },
    cpuDuringDrain: cpu,
    searchStats,
    restore,
  };
}

/** Phase 3: visibility latency at a steady rate, with a fresh environment and a workflow at `intervalMs`. */
export async function latencyPhase(
  kafka: Kafka,
  admin: Admin,
  o: PhaseOptions & { intervalMs: number; ratePerS: number; durationS: number; drainWaitS: number },
) {
  const e = isolatedEnv(`lat${o.intervalMs}`);
  const removeEnv = await createEnv(e, admin, o.partitions);
  const worker = await spawnWorker(e, []);
  const client = await connectTemporal(e.cfg.temporal);
  const closeClient = onCleanup('temporal client (latency)', () => client.connection.close());
  const { handle, stop } = await startStream(client, e, { ...o.settings, intervalMs: o.intervalMs });
  await waitStatus(handle, (x) => x.totals.batches >= 1, 60_000, 'first batch');
  const sink = createSearchSink(searchSinkOptions(e.cfg));
  const closeSink = onCleanup('search client (latency)', () => sink.close());
  const poller = pollVisibility(sink, e.id, 100);
  log(`latency @ ${o.intervalMs} ms: producing ${o.ratePerS}/s for ${o.durationS} s into ${e.topics.events}`);
  const cpu0 = cpuSnapshot([worker.pid]);
  const prod = await produceSteady(kafka, e.topics.events, {
    ratePerS: o.ratePerS,
    durationS: o.durationS,
    partitions: o.partitions,
    customers: o.customers,
    seed: 5 + o.intervalMs,
  });
  const cpu = cpuBetween(cpu0, cpuSnapshot([worker.pid]));
  const deadline = Date.now() + o.intervalMs + o.drainWaitS * 1000;
  const allVisible = () => Object.entries(prod.perPartition).every(([p, n]) => (poller.latest()[Number(p)] ?? 0) >= n);
  log(
    `latency @ ${o.intervalMs} ms: produced ${prod.produced.toLocaleString('en')} at ${Math.round(prod.achievedPerS).toLocaleString('en')}/s; waiting up to ${Math.round((deadline - Date.now()) / 1000)} s for all to be visible`,
  );
  while (!allVisible() && Date.now() < deadline) await sleep(100);
  const polling = await poller.stop();
  const stats: LatencyStats = visibilityLatency(prod.timeline, poller.timeline);
  const { s } = await waitStatus(handle, () => true, 10_000, 'status');
  const batches = await microBatchStats(client, handle.workflowId, handle.firstExecutionRunId);
  const peakRssMB = Math.round(Math.max(worker.hwmKb(), worker.sampledPeakKb()) / 1024);
  await closeSink();
  await stop();
  await worker.stop();
  await closeClient();
  await removeEnv();
  return {
    intervalMs: o.intervalMs,
    produced: prod.produced,
    achievedPerS: Math.round(prod.achievedPerS),
    ...stats,
    polls: polling.polls,
    meanPollMs: Math.round(polling.meanPollMs),
    totals: s.totals,
    batches,
    workerPeakRssMB: peakRssMB,
    cpuWhileProducing: cpu,
  };
}
