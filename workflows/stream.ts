/**
 * `streamViewership`: the long-running speed-layer workflow. It holds the Kafka offsets (the checkpoint) and the
 * per-partition event-time progress, runs one micro-batch activity per tick (at once while behind), and takes
 * commands as Updates with validators (a rejected command is an error for the caller). It continues as new when
 * Temporal suggests it, carrying its state; commands are handled before that, so none is lost.
 */
import {
  condition, continueAsNew, defineQuery, defineUpdate, proxyActivities, setHandler, upsertMemo, upsertSearchAttributes, workflowInfo, allHandlersFinished,
} from '@temporalio/workflow';
import type { createStreamActivities } from '../activities/stream.js';
import { NON_RETRYABLE_FAILURE_TYPES } from '../common/failure-types.js';
import { DEFAULT_STREAM_SETTINGS, streamWatermark, type StreamSettings, type StreamState } from '../common/stream.js';

const acts = proxyActivities<ReturnType<typeof createStreamActivities>>({
  startToCloseTimeout: '10 minutes',
  // A micro-batch heartbeats between its stages: a crashed worker's batch is retried after 10 s, not minutes.
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES },
});

/** Query: the workflow's state and watermark. */
export const streamStatusQuery = defineQuery<StreamState & { watermarkMs: number; running: boolean }>('status');
/** Update: pause after the current micro-batch. */
export const pauseUpdate = defineUpdate<void>('pause');
/** Update: resume. */
export const resumeUpdate = defineUpdate<void>('resume');
/** Update: change the micro-batch interval (100 ms – 1 h). */
export const setIntervalUpdate = defineUpdate<void, [number]>('setInterval');
/** Update: finish after the current micro-batch. */
export const stopUpdate = defineUpdate<void>('stop');

/** Start input: settings overrides, or a state carried over by continue-as-new. */
export interface StreamInput {
  settings?: Partial<StreamSettings>;
  state?: StreamState;
  /** Continue as new after this many batches (tests force it small); default: when Temporal suggests it. */
  continueAsNewAfterBatches?: number;
}

/** The streaming workflow; returns its final state when stopped. */
export async function streamViewership(input: StreamInput = {}): Promise<StreamState> {
  const state: StreamState = input.state ?? {
    settings: { ...DEFAULT_STREAM_SETTINGS, ...input.settings },
    offsets: {},
    maxEventMs: {},
    lastActiveMs: {},
    paused: false,
    totals: { batches: 0, events: 0, deadLettered: 0, late: 0, duplicates: 0 },
  };
  let stopping = false;
  let wake = false;
  setHandler(streamStatusQuery, () => ({ ...state, watermarkMs: streamWatermark(state, Date.now()), running: !stopping }));
  setHandler(pauseUpdate, () => void ((state.paused = true), (wake = true)));
  setHandler(resumeUpdate, () => void ((state.paused = false), (wake = true)));
  setHandler(stopUpdate, () => void ((stopping = true), (wake = true)));
  setHandler(
    setIntervalUpdate,
    (ms) => void ((state.settings.intervalMs = ms), (wake = true)),
    { validator: (ms) => { if (!Number.isInteger(ms) || ms < 100 || ms > 3_600_000) throw new Error(`interval must be an integer between 100 and 3600000 ms (got ${ms})`); } },
  );
  upsertSearchAttributes({ Pipeline: ['stream'] });
  let batchesThisRun = 0;

  while (!stopping) {
    if (state.paused) {
      upsertMemo({ paused: true });
      await condition(() => !state.paused || stopping);
      upsertMemo({ paused: false });
      continue;
    }
    const tickStart = Date.now();
    const s = await acts.runMicroBatch({
      start: state.offsets,
      watermarkMs: streamWatermark(state, tickStart),
      windowMs: state.settings.windowMs,
      maxMessages: state.settings.maxMessagesPerBatch,
    });
    state.offsets = s.next;
    for (const [p, t] of Object.entries(s.maxEventTimeMs)) {
      state.maxEventMs[Number(p)] = Math.max(state.maxEventMs[Number(p)] ?? 0, t);
      state.lastActiveMs[Number(p)] = Date.now();
    }
    // A partition with unread messages is behind, not idle: it keeps holding the watermark back.
    for (const p of s.behind) if (state.maxEventMs[p] !== undefined) state.lastActiveMs[p] = Date.now();
    state.totals.batches++;
    state.totals.events += s.accepted;
    state.totals.deadLettered += s.deadLettered;
    state.totals.late += s.late;
    state.totals.duplicates += s.duplicates;
    state.lastBatch = { atMs: Date.now(), read: s.read, accepted: s.accepted, lag: s.lag, tookMs: s.tookMs };
    batchesThisRun++;
    if (s.read > 0) {
      upsertSearchAttributes({ EventsProcessed: [state.totals.events] });
      upsertMemo({ lag: s.lag, lastBatch: state.lastBatch, totals: state.totals });
    }
    const limit = input.continueAsNewAfterBatches;
    if (workflowInfo().continueAsNewSuggested || (limit !== undefined && batchesThisRun >= limit)) {
      await condition(allHandlersFinished);
      if (!stopping) await continueAsNew<typeof streamViewership>({ state, continueAsNewAfterBatches: limit });
    }
    if (s.lag > 0) continue; // behind: next batch at once
    wake = false;
    // Caught up: wait for the next tick, measured from this tick's start so the cadence does not drift.
    const remainingMs = tickStart + state.settings.intervalMs - Date.now();
    if (remainingMs > 0) await condition(() => wake, remainingMs);
  }
  await condition(allHandlersFinished);
  return state;
}
