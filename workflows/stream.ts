/**
 * `streamViewership`: the long-running speed-layer workflow. It holds the Kafka offsets (the checkpoint pointer)
 * and the per-partition event-time progress, decides the watermark before each tick, and runs one micro-batch
 * activity per partition group, in parallel, each on the own task queue of the worker that holds the group's
 * keyed state (sticky routing). When that worker does not pick the batch up (it died or was drained), the
 * workflow moves the group to another live worker, which restores the state from the checkpoints. Commands are
 * Updates with validators; the workflow continues as new when Temporal suggests it, carrying its state.
 */
import {
  ActivityFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  TimeoutFailure,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  allHandlersFinished,
  sleep,
  patched,
} from '@temporalio/workflow';
import { TimeoutType } from '@temporalio/common';
import type { createTemporalActivities } from '../activities/profile-cache.js';
import type { createAdsActivities } from '../activities/ads.js';
import type { createStreamActivities, MicroBatchInput, MicroBatchSummary } from '../activities/stream.js';
import { NON_RETRYABLE_FAILURE_TYPES } from '../common/failure-types.js';
import {
  DEFAULT_STREAM_SETTINGS,
  stateTaskQueue,
  streamWatermark,
  type StreamSettings,
  type StreamState,
} from '../common/stream.js';
import { mergeSummaries, type RewindResult } from '../common/stream-merge.js';
import {
  pauseUpdate,
  resumeUpdate,
  rewindUpdate,
  setIntervalUpdate,
  stopUpdate,
  streamStatusQuery,
} from '../common/stream-api.js';

/** The micro-batch and rewind activities of both pipelines the workflow runs (web events, ads). */
type StreamActivities = ReturnType<typeof createStreamActivities> & ReturnType<typeof createAdsActivities>;
const retry = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
};
/** Micro-batches on a worker's own queue: a batch it does not start within 5 s means the worker is gone. */
const onWorker = (identity: string) =>
  proxyActivities<StreamActivities>({
    taskQueue: stateTaskQueue(workflowInfo().taskQueue, identity),
    startToCloseTimeout: '10 minutes',
    scheduleToStartTimeout: '5 seconds',
    // The activity heartbeats every second: a crashed worker's batch times out after 5 s and is retried on the
    // same queue, where nobody polls; the schedule-to-start timeout then hands the group to another worker.
    heartbeatTimeout: '5 seconds',
    retry,
  });
// A rewind deletes and restores through the shared queue (any worker): no heartbeats, a few minutes at most.
const shared = proxyActivities<StreamActivities>({ startToCloseTimeout: '5 minutes', retry });
// The lake registration and the ad report run between micro-batches: they heartbeat, so a worker that dies
// under them holds the stream back for seconds, not for a start-to-close timeout.
const between = proxyActivities<StreamActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '15 seconds',
  retry,
});
const temporal = proxyActivities<ReturnType<typeof createTemporalActivities>>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

const HOUR_MS = 3_600_000;

/** A worker found gone is not picked again for this long (its poller may still be listed for minutes). */
const GONE_FOR_MS = 10 * 60_000;

// The Query and Updates are defined in common/stream-api.ts (callers import them from there); re-exported here.
export { pauseUpdate, resumeUpdate, rewindUpdate, setIntervalUpdate, stopUpdate, streamStatusQuery };

/** Start input: settings overrides, or a state carried over by continue-as-new. */
export interface StreamInput {
  settings?: Partial<StreamSettings>;
  state?: StreamState;
  /** Continue as new after this many batches (tests force it small); default: when Temporal suggests it. */
  continueAsNewAfterBatches?: number;
}

/** The streaming workflow; returns its final state when stopped. */
export async function streamViewership(input: StreamInput = {}): Promise<StreamState> {
  const state: StreamState = input.state
    ? { ...input.state, settings: { ...DEFAULT_STREAM_SETTINGS, ...input.state.settings } }
    : {
        settings: { ...DEFAULT_STREAM_SETTINGS, ...input.settings },
        offsets: {},
        maxEventMs: {},
        lastActiveMs: {},
        paused: false,
        totals: { batches: 0, events: 0, deadLettered: 0, late: 0, duplicates: 0 },
      };
  // The same loop runs the ad-analytics stream (impression ⋈ click join) when its settings say so.
  const ads = state.settings.pipeline === 'ads';
  let stopping = false;
  let wake = false;
  // Rewinds asked for, in order; each has its own number, so a second rewind to the same time waits for its own turn.
  const rewinds: { seq: number; toMs: number }[] = [];
  const applied = new Map<number, RewindResult>();
  let rewindSeq = 0;
  setHandler(streamStatusQuery, () => ({
    ...state,
    watermarkMs: streamWatermark(state, Date.now()),
    running: !stopping,
  }));
  setHandler(pauseUpdate, () => void ((state.paused = true), (wake = true)));
  setHandler(resumeUpdate, () => void ((state.paused = false), (wake = true)));
  setHandler(stopUpdate, () => void ((stopping = true), (wake = true)));
  setHandler(setIntervalUpdate, (ms) => void ((state.settings.intervalMs = ms), (wake = true)), {
    validator: (ms) => {
      if (!Number.isInteger(ms) || ms < 100 || ms > 3_600_000)
        throw new Error(`interval must be an integer between 100 and 3600000 ms (got ${ms})`);
    },
  });
  setHandler(
    rewindUpdate,
    async (toMs) => {
      const seq = ++rewindSeq;
      rewinds.push({ seq, toMs });
      wake = true;
      await condition(() => applied.has(seq));
      const r = applied.get(seq)!;
      applied.delete(seq);
      return r;
    },
    {
      validator: (toMs) => {
        if (!Number.isSafeInteger(toMs) || toMs < 0)
          throw new Error(`rewind time must be epoch milliseconds (got ${toMs})`);
        if (toMs > Date.now()) throw new Error(`rewind time ${new Date(toMs).toISOString()} is in the future`);
        if (stopping) throw new Error('the stream is stopping');
      },
    },
  );

  /** Apply the pending rewinds, in order, between micro-batches. */
  async function applyRewinds(): Promise<void> {
    while (rewinds.length) {
      const { seq, toMs } = rewinds[0]!;
      const r = ads
        ? await shared.rewindAds({ toMs, current: state.offsets })
        : await shared.rewindSpeedLayer({ toMs, current: state.offsets, windowMs: state.settings.windowMs });
      const offsets: Record<number, number> = {};
      for (const [k, pr] of Object.entries(r)) {
        const p = Number(k);
        offsets[p] = state.offsets[p] = pr.offset;
        if (pr.maxEventMs === null) delete state.maxEventMs[p];
        else state.maxEventMs[p] = pr.maxEventMs;
        state.lastActiveMs[p] = Date.now();
      }
      state.rewinds = [...(state.rewinds ?? []).slice(-9), { atMs: Date.now(), toMs, offsets }];
      delete state.adsReportedMs; // minutes recomputed after the rewind are reported again
      delete state.adsReportAtMs;
      delete state.lakeRegisteredMs; // reopened hours are registered again once closed (the registration skips unchanged ones)
      upsertMemo({ rewinds: state.rewinds });
      applied.set(seq, { toMs, partitions: r });
      rewinds.shift();
    }
  }

  let assigning: Promise<void> | undefined;
  /** Give every group without a live owner one: the live stream worker holding the fewest groups. */
  async function assignOwners(groups: number): Promise<void> {
    for (;;) {
      const now = Date.now();
      const gone = (state.gone ??= {});
      for (const [id, at] of Object.entries(gone)) if (now - at > GONE_FOR_MS) delete gone[id];
      const live = (await temporal.listStreamWorkers()).filter((w) => gone[w] === undefined);
      if (live.length) {
        const owners = (state.owners ??= {});
        const load = new Map(live.map((w) => [w, 0]));
        for (let g = 0; g < groups; g++)
          if (owners[g] !== undefined && load.has(owners[g]!)) load.set(owners[g]!, load.get(owners[g]!)! + 1);
        for (let g = 0; g < groups; g++) {
          if (owners[g] !== undefined && gone[owners[g]!] === undefined) continue;
          const pick = [...load].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
          owners[g] = pick;
          load.set(pick, load.get(pick)! + 1);
        }
        upsertMemo({ owners });
        return;
      }
      await sleep(1000); // no stream worker polls yet
    }
  }

  /** One partition group's micro-batch on its owner; a gone owner hands the group to another worker. */
  async function runGroup(index: number, input: MicroBatchInput): Promise<MicroBatchSummary> {
    for (;;) {
      const owner = state.owners?.[index];
      if (owner === undefined || state.gone?.[owner] !== undefined) {
        await (assigning ??= assignOwners(Math.max(1, state.settings.partitionGroups)).finally(
          () => (assigning = undefined),
        ));
        continue;
      }
      try {
        return await (ads ? onWorker(owner).runAdsMicroBatch(input) : onWorker(owner).runMicroBatch(input));
      } catch (err) {
        if (!(
          err instanceof ActivityFailure &&
          err.cause instanceof TimeoutFailure &&
          err.cause.timeoutType === TimeoutType.SCHEDULE_TO_START
        ))
          throw err;
        (state.gone ??= {})[owner] = Date.now();
      }
    }
  }

  upsertSearchAttributes({ Pipeline: [ads ? 'ads' : 'stream'] });
  let batchesThisRun = 0;
  // A caught-up tick always waits on a timer, even one that ran past its interval (1 ms then): which commands a
  // tick sends must not hang on how long it took. A chaos run saw a replay read another time than the live run
  // had (after a Temporal restart, on a worker that still held the run), skip-or-wait flip, and the run wedge on a
  // non-determinism error. Runs started before this patch keep the old rule.
  const alwaysWaitTimer = patched('stream-tick-always-waits');

  while (!stopping) {
    if (rewinds.length) {
      await applyRewinds();
      continue;
    }
    if (state.paused) {
      upsertMemo({ paused: true });
      await condition(() => !state.paused || stopping || rewinds.length > 0);
      upsertMemo({ paused: false });
      continue;
    }
    const tickStart = Date.now();
    const groups = Math.max(1, state.settings.partitionGroups);
    const watermarkMs = streamWatermark(state, tickStart);
    // One activity per partition group, in parallel, each on the worker that holds the group's state.
    const s = mergeSummaries(
      await Promise.all(
        Array.from({ length: groups }, (_, index) =>
          runGroup(index, {
            start: state.offsets,
            watermarkMs,
            windowMs: state.settings.windowMs,
            maxFutureMs: state.settings.maxFutureMs,
            maxMessages: Math.ceil(state.settings.maxMessagesPerBatch / groups),
            group: groups > 1 ? { index, count: groups } : undefined,
          }),
        ),
      ),
    );
    if (s.restored.length) state.restores = (state.restores ?? 0) + s.restored.length;
    Object.assign(state.offsets, s.next);
    for (const [p, t] of Object.entries(s.maxEventTimeMs)) {
      state.maxEventMs[Number(p)] = Math.max(state.maxEventMs[Number(p)] ?? 0, t);
      state.lastActiveMs[Number(p)] = Date.now();
    }
    // A partition with unread messages is behind, not idle: it keeps holding the watermark back.
    for (const p of s.behind) if (state.maxEventMs[p] !== undefined) state.lastActiveMs[p] = Date.now();
    // Offsets, totals and the last batch change together, before any step between micro-batches: a status query
    // answered while the lake registration or the ad report runs must not see offsets ahead of their counts.
    state.totals.batches++;
    state.totals.events += s.accepted;
    state.totals.deadLettered += s.deadLettered;
    state.totals.late += s.late;
    state.totals.duplicates += s.duplicates;
    state.workers ??= {};
    for (const w of s.workers) state.workers[w] = (state.workers[w] ?? 0) + 1;
    state.lastBatch = {
      atMs: Date.now(),
      read: s.read,
      accepted: s.accepted,
      lag: s.lag,
      tookMs: s.tookMs,
      checkpointBytes: s.checkpoint.bytes,
      checkpointMs: s.checkpoint.ms,
    };
    // Ads: the minutes no click can still reach are final in every partition; their Parquet report is written.
    if (ads && watermarkMs > 0 && watermarkMs >= (state.adsReportAtMs ?? 0)) {
      const r = await between.writeAdReports({ watermarkMs, fromMs: state.adsReportedMs });
      state.adsReportedMs = r.throughMs;
      state.adsReportAtMs = r.nextAtWatermarkMs;
    }
    // Every partition compacted the lake hours this round's watermark passed: register them for readers.
    const closedMs = Math.floor(watermarkMs / HOUR_MS) * HOUR_MS;
    if (!ads && closedMs > (state.lakeRegisteredMs ?? 0) && patched('lake-catalog')) {
      const hours = await between.registerLakeHours({ throughMs: closedMs });
      state.lakeRegisteredMs = closedMs;
      if (hours.length) upsertMemo({ lakeRegisteredMs: closedMs });
    }
    batchesThisRun++;
    if (s.read > 0) {
      upsertSearchAttributes({ EventsProcessed: [state.totals.events] });
      upsertMemo({
        lag: s.lag,
        lastBatch: state.lastBatch,
        totals: state.totals,
        workers: state.workers,
        restores: state.restores ?? 0,
      });
    }
    const limit = input.continueAsNewAfterBatches;
    if (workflowInfo().continueAsNewSuggested || (limit !== undefined && batchesThisRun >= limit)) {
      // Let in-flight commands finish first (a rewind is applied here, since its Update waits for it).
      for (;;) {
        await applyRewinds();
        await condition(() => allHandlersFinished() || rewinds.length > 0);
        if (!rewinds.length) break;
      }
      if (!stopping) await continueAsNew<typeof streamViewership>({ state, continueAsNewAfterBatches: limit });
    }
    if (s.lag > 0) continue; // behind: next batch at once
    wake = false;
    // Caught up: wait for the next tick, measured from this tick's start so the cadence does not drift.
    const remainingMs = tickStart + state.settings.intervalMs - Date.now();
    if (alwaysWaitTimer) await condition(() => wake, Math.max(1, remainingMs));
    else if (remainingMs > 0) await condition(() => wake, remainingMs);
  }
  await applyRewinds();
  await condition(allHandlersFinished);
  return state;
}
