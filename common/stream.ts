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
  /** Messages per micro-batch, over all partition groups (bounds the worker's memory: a batch is held whole). */
  maxMessagesPerBatch: number;
  /**
   * Partition groups per tick: one micro-batch activity per group (partition p belongs to group p mod N), run
   * in parallel, so several stream workers split the partitions between them.
   */
  partitionGroups: number;
}

/** Defaults: 10 s micro-batches, 1 min windows, 30 s allowed lateness. */
export const DEFAULT_STREAM_SETTINGS: StreamSettings = {
  intervalMs: 10_000,
  windowMs: 60_000,
  allowedLatenessMs: 30_000,
  idleTimeoutMs: 60_000,
  maxMessagesPerBatch: 60_000,
  partitionGroups: 3,
};

/** A partition group of a tick: partition p belongs to group `p % count`. */
export interface PartitionGroup {
  index: number;
  count: number;
}

/** Whether `partition` belongs to `group` (all partitions when no group is given). */
export const inPartitionGroup = (partition: number, group?: PartitionGroup): boolean => !group || partition % group.count === group.index;

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
  /** Micro-batch activities completed per worker identity (shows how partitions are split between workers). */
  workers?: Record<string, number>;
  /** Rewinds applied: when, to which time, and the offsets each partition restarted from. */
  rewinds?: { atMs: number; toMs: number; offsets: Record<number, number> }[];
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
