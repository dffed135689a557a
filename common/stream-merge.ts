/** Merging the per-partition-group micro-batch summaries of one tick, and the rewind result type (pure). */

/** The part of a micro-batch summary the workflow folds into its state. */
export interface GroupSummary {
  next: Record<number, number>;
  maxEventTimeMs: Record<number, number>;
  read: number;
  accepted: number;
  deadLettered: number;
  late: number;
  duplicates: number;
  lag: number;
  behind: number[];
  tookMs: number;
  worker: string;
}

/** One tick's summary: counts summed, offsets and event times joined, the slowest group's time, workers listed. */
export type TickSummary = Omit<GroupSummary, 'worker'> & { workers: string[] };

/** Merge the summaries of a tick's partition groups (they cover disjoint partitions). */
export function mergeSummaries(groups: GroupSummary[]): TickSummary {
  const out: TickSummary = { next: {}, maxEventTimeMs: {}, read: 0, accepted: 0, deadLettered: 0, late: 0, duplicates: 0, lag: 0, behind: [], tookMs: 0, workers: [] };
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
  }
  return out;
}

/** What `viewership stream rewind` gets back: per partition, the restart offset and the documents deleted. */
export interface RewindResult {
  toMs: number;
  partitions: Record<number, { offset: number; deleted: number; maxEventMs: number | null }>;
}
