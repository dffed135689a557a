/** Types and watermark maths of the streaming workflow (pure, workflow-safe). */

/** Fixed id of the streaming workflow. */
export const STREAM_WORKFLOW_ID = 'stream-viewership';

/** Settings of the streaming workflow (all changeable at start; the interval also at run time). */
export interface StreamSettings {
  intervalMs: number;
  windowMs: number;
  allowedLatenessMs: number;
  /** A partition without new events for this long no longer holds the stream's watermark back. */
  idleTimeoutMs: number;
  maxMessagesPerBatch: number;
}

/** Defaults: 10 s micro-batches, 1 min windows, 30 s allowed lateness. */
export const DEFAULT_STREAM_SETTINGS: StreamSettings = {
  intervalMs: 10_000,
  windowMs: 60_000,
  allowedLatenessMs: 30_000,
  idleTimeoutMs: 60_000,
  maxMessagesPerBatch: 200_000,
};

/** The workflow's checkpoint, carried across continue-as-new. */
export interface StreamState {
  settings: StreamSettings;
  offsets: Record<number, number>;
  /** Max event time seen per partition (epoch ms). */
  maxEventMs: Record<number, number>;
  /** Workflow time a partition last brought events or still had a backlog (idle = caught up and quiet). */
  lastActiveMs: Record<number, number>;
  paused: boolean;
  totals: { batches: number; events: number; deadLettered: number; late: number; duplicates: number };
  lastBatch?: { atMs: number; read: number; accepted: number; lag: number; tookMs: number };
}

/**
 * The stream's watermark (Flink-style): per partition, max event time − allowed lateness; the stream takes the
 * minimum over partitions that are active (not idle for `idleTimeoutMs`). 0 while no partition has events.
 */
export function streamWatermark(state: Pick<StreamState, 'maxEventMs' | 'lastActiveMs' | 'settings'>, nowMs: number): number {
  const active = Object.keys(state.maxEventMs)
    .map(Number)
    .filter((p) => nowMs - (state.lastActiveMs[p] ?? 0) <= state.settings.idleTimeoutMs);
  if (active.length === 0) return 0;
  return Math.min(...active.map((p) => state.maxEventMs[p]!)) - state.settings.allowedLatenessMs;
}
