/** Merging the per-partition-group micro-batch summaries of one tick, and the rewind result type (pure). */

/** What one partition group's micro-batch returns (small: offsets, counts, timings). */
export interface GroupSummary {
  /** Next offset per partition read. */
  next: Record<number, number>;
  /** Per partition: max event time seen in this batch (epoch ms), for the workflow's watermark. */
  maxEventTimeMs: Record<number, number>;
  read: number;
  accepted: number;
  deadLettered: number;
  late: number;
  duplicates: number;
  /** Messages still behind the end offsets seen at the start (0 when caught up). */
  lag: number;
  /** Partitions that still have unread messages (a backlog is never "idle" for the watermark). */
  behind: number[];
  tookMs: number;
  /** Identity of the worker that ran the batch. */
  worker: string;
  /** Partitions whose state this batch restored from checkpoints (failover, retry or rewind; none on the steady path). */
  restored: number[];
  /** Checkpoint records written by the batch: bytes and time spent writing them. */
  checkpoint: { bytes: number; ms: number };
  /** Speed-view documents written (the cells, contents and windows the batch touched). */
  documents?: number;
  /** Where the batch's time went, ms: state restore, Kafka read + fold, index writes, topic publishing, checkpoint. */
  stagesMs?: Record<string, number>;
}

/** One tick's summary: counts summed, offsets and event times joined, the slowest group's time, workers listed. */
export type TickSummary = Omit<GroupSummary, 'worker' | 'documents' | 'stagesMs'> & { workers: string[] };

/** Merge the summaries of a tick's partition groups (they cover disjoint partitions). */
export function mergeSummaries(groups: GroupSummary[]): TickSummary {
  const out: TickSummary = {
    next: {},
    maxEventTimeMs: {},
    read: 0,
    accepted: 0,
    deadLettered: 0,
    late: 0,
    duplicates: 0,
    lag: 0,
    behind: [],
    tookMs: 0,
    workers: [],
    restored: [],
    checkpoint: { bytes: 0, ms: 0 },
  };
  for (const g of groups) {
    Object.assign(out.next, g.next);
    Object.assign(out.maxEventTimeMs, g.maxEventTimeMs);
    out.read += g.read;
    out.accepted += g.accepted;
    out.deadLettered += g.deadLettered;
    out.late += g.late;
    out.duplicates += g.duplicates;
    out.lag += g.lag;
    out.behind.push(...g.behind);
    out.tookMs = Math.max(out.tookMs, g.tookMs);
    out.workers.push(g.worker);
    out.restored.push(...g.restored);
    out.checkpoint.bytes += g.checkpoint.bytes;
    out.checkpoint.ms = Math.max(out.checkpoint.ms, g.checkpoint.ms);
  }
  return out;
}

/** What `viewership stream rewind` gets back: per partition, the restart offset and the documents deleted. */
export interface RewindResult {
  toMs: number;
  partitions: Record<number, { offset: number; deleted: number; maxEventMs: number | null }>;
}
