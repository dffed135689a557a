/** Types and watermark maths of the streaming workflow (pure, workflow-safe). */

/** Default id of the streaming workflow (`STREAM_WORKFLOW_ID` changes it, so several streams share a namespace). */
export const STREAM_WORKFLOW_ID = 'stream-viewership';

/**
 * The per-process task queue on which a stream worker with `identity` runs the micro-batches of the partition
 * groups it holds the state of (Temporal's worker-specific task queue pattern).
 */
export const stateTaskQueue = (streamQueue: string, identity: string): string => `${streamQueue}-state-${identity}`;

/** Settings of the streaming workflow (all changeable at start; the interval also at run time). */
export interface StreamSettings {
  intervalMs: number;
  windowMs: number;
  allowedLatenessMs: number;
  /** A partition without new events for this long no longer holds the stream's watermark back. */
  idleTimeoutMs: number;
  /** Messages per micro-batch, over all partition groups (folded as fetched: the batch is never held whole). */
  maxMessagesPerBatch: number;
  /**
   * Partition groups per tick: one micro-batch activity per group (partition p belongs to group p mod N), run
   * in parallel, so several stream workers split the partitions between them.
   */
  partitionGroups: number;
  /** An event whose time is further than this ahead of its Kafka message timestamp is dead-lettered. */
  maxFutureMs: number;
  /** Which stream this is: the web events (default) or the ad-analytics join (`ads`). */
  pipeline?: 'viewership' | 'ads';
}

/** Defaults: 10 s micro-batches, 1 min windows, 30 s allowed lateness. */
export const DEFAULT_STREAM_SETTINGS: StreamSettings = {
  intervalMs: 10_000,
  windowMs: 60_000,
  allowedLatenessMs: 30_000,
  idleTimeoutMs: 60_000,
  maxMessagesPerBatch: 300_000,
  partitionGroups: 3,
  maxFutureMs: 300_000,
};

/** A partition group of a tick: partition p belongs to group `p % count`. */
export interface PartitionGroup {
  index: number;
  count: number;
}

/** Whether `partition` belongs to `group` (all partitions when no group is given). */
export const inPartitionGroup = (partition: number, group?: PartitionGroup): boolean =>
  !group || partition % group.count === group.index;

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
  lastBatch?: {
    atMs: number;
    read: number;
    accepted: number;
    lag: number;
    tookMs: number;
    checkpointBytes?: number;
    checkpointMs?: number;
  };
  /** Micro-batch activities completed per worker identity (shows how partitions are split between workers). */
  workers?: Record<string, number>;
  /** Worker identity holding each partition group's state (its micro-batches run on that worker's own queue). */
  owners?: Record<number, string>;
  /** Workers that did not pick up a batch on their own queue, with the workflow time they were found gone. */
  gone?: Record<string, number>;
  /** Restores of partition state from checkpoints (failover, retry, rewind), counted by the workflow. */
  restores?: number;
  /** Rewinds applied: when, to which time, and the offsets each partition restarted from. */
  rewinds?: { atMs: number; toMs: number; offsets: Record<number, number> }[];
  /** The lake's `web_events` hours ending at or before this (epoch ms) are registered in the catalog. */
  lakeRegisteredMs?: number;
  /** Ads: the per-minute Parquet report covers the minutes before this (epoch ms). */
  adsReportedMs?: number;
  /** Ads: the report is written next once the watermark reaches this (a minute more is final then). */
  adsReportAtMs?: number;
}

/**
 * The stream's watermark (Flink-style): per partition, max event time − allowed lateness; the stream takes the
 * minimum over partitions that are active (not idle for `idleTimeoutMs`). 0 while no partition has events.
 */
export function streamWatermark(
  state: Pick<StreamState, 'maxEventMs' | 'lastActiveMs' | 'settings'>,
  nowMs: number,
): number {
  const active = Object.keys(state.maxEventMs)
    .map(Number)
    .filter((p) => nowMs - (state.lastActiveMs[p] ?? 0) <= state.settings.idleTimeoutMs);
  if (active.length === 0) return 0;
  return Math.min(...active.map((p) => state.maxEventMs[p]!)) - state.settings.allowedLatenessMs;
}
