/**
 * Rewind of the speed view to a point in stream time. Kafka gives, per partition, the first offset whose record
 * timestamp is at or after the target; the micro-batch that read that offset is found from the speed view's own
 * documents (each carries its partition and batch start offset), and every document of that partition from that
 * batch on is deleted. Reading again from that batch's start offset recreates exactly those documents, so after
 * catching up every total equals a recomputation: nothing is counted twice and nothing is lost.
 */
import type { Admin } from 'kafkajs';
import type { SearchSink } from '../../adapters/search/types.js';
import { speedCountersIndex, speedIndex } from '../search-templates.js';
import type { Offsets } from './kafka-reader.js';

/** Per partition: the first offset whose Kafka record timestamp is ≥ `toMs` (the end offset when none is). */
export async function offsetsAtTime(admin: Admin, topic: string, toMs: number): Promise<Offsets> {
  const rows = await admin.fetchTopicOffsetsByTimestamp(topic, toMs);
  const ends = await admin.fetchTopicOffsets(topic);
  const end = new Map(ends.map((r) => [r.partition, Number(r.high)]));
  return Object.fromEntries(rows.map((r) => [r.partition, Number(r.offset) >= 0 ? Number(r.offset) : end.get(r.partition)!]));
}

/** What a rewind did to one partition. */
export interface PartitionRewind {
  /** Offset the partition restarts from (the start offset of the micro-batch that read the target offset). */
  offset: number;
  /** Documents deleted from the speed view (windows + counters). */
  deleted: number;
  /** Latest window start left in the view for this partition (restores its watermark), or null when none is left. */
  maxEventMs: number | null;
}

const partitionFilter = (partition: number, startOffset: Record<string, number>) => ({
  bool: { filter: [{ term: { partition } }, { range: { start_offset: startOffset } }] },
});

/**
 * Delete the speed view of each partition from the micro-batch containing `targets[p]` on, for partitions whose
 * `current` offset is past the target; returns the restart offsets. Partitions not yet read that far are untouched.
 */
export async function rewindSpeedView(search: SearchSink, prefix: string, targets: Offsets, current: Offsets): Promise<Record<number, PartitionRewind>> {
  const indices = [speedIndex(prefix), speedCountersIndex(prefix)];
  await Promise.all(indices.map((i) => search.ensureIndex(i).then(() => search.refresh(i))));
  const out: Record<number, PartitionRewind> = {};
  for (const [p, target] of Object.entries(targets).map(([k, v]) => [Number(k), v] as const)) {
    const at = current[p];
    if (at === undefined || target >= at) continue;
    // The batch that read `target` is the one with the largest start offset ≤ target (batches are contiguous).
    let batchStart: number | undefined;
    for (const index of indices) {
      const r = await search.search(index, { size: 0, query: partitionFilter(p, { lte: target }), aggs: { s: { max: { field: 'start_offset' } } } });
      const v = (r.aggregations?.s as { value: number | null } | undefined)?.value;
      if (v !== null && v !== undefined) batchStart = Math.max(batchStart ?? -1, v);
    }
    const offset = batchStart ?? target;
    let deleted = 0;
    for (const index of indices) deleted += await search.deleteByQuery(index, partitionFilter(p, { gte: offset }), { refresh: true });
    const left = await search.search(speedIndex(prefix), { size: 0, query: { term: { partition: p } }, aggs: { w: { max: { field: 'window_start' } } } });
    const maxEventMs = (left.aggregations?.w as { value: number | null } | undefined)?.value ?? null;
    out[p] = { offset, deleted, maxEventMs };
  }
  return out;
}
