/**
 * Rewind of a stream to a point in stream time. Kafka gives, per partition, the first offset whose record
 * timestamp is at or after the target; the partition restarts from the last batch boundary at or before it on
 * its checkpoint chain (so its state there can be restored), and whatever the stream wrote from that boundary on
 * is deleted. Reading again from there rewrites exactly that, so after catching up every total equals a
 * recomputation: nothing is counted twice and nothing is lost. A target older than the retained checkpoints
 * restarts the partition from offset 0 with an empty state (a recomputation of everything the topic holds).
 */
import type { Admin } from 'kafkajs';
import type { CheckpointStore } from '../../adapters/checkpoints/types.js';
import type { SearchSink } from '../../adapters/search/types.js';
import type { Offsets } from './kafka-reader.js';
import { restoreState } from './state/restore.js';
import { discardAfter } from './state/sink-search.js';

/** Per partition: the first offset whose Kafka record timestamp is ≥ `toMs` (the end offset when none is). */
export async function offsetsAtTime(admin: Admin, topic: string, toMs: number): Promise<Offsets> {
  const rows = await admin.fetchTopicOffsetsByTimestamp(topic, toMs);
  const ends = await admin.fetchTopicOffsets(topic);
  const end = new Map(ends.map((r) => [r.partition, Number(r.high)]));
  return Object.fromEntries(
    rows.map((r) => [r.partition, Number(r.offset) >= 0 ? Number(r.offset) : end.get(r.partition)!]),
  );
}

/** What a rewind did to one partition. */
export interface PartitionRewind {
  /** Offset the partition restarts from (a batch boundary on its checkpoint chain). */
  offset: number;
  /** Documents deleted from the speed view (cells, windows, counters). */
  deleted: number;
  /** Largest event time of the state at that offset (restores its share of the watermark), null when none. */
  maxEventMs: number | null;
}

/** What a rewind needs. */
export interface RewindDeps {
  admin: Admin;
  search: SearchSink;
  checkpoints: CheckpointStore;
  prefix: string;
  topic: string;
  streamId: string;
  windowMs: number;
}

/**
 * Rewind each partition whose `current` offset is past the target; returns the restart offsets. Partitions not
 * yet read that far are untouched. Idempotent: a retry finds the same boundaries and deletes nothing more.
 */
export async function rewindPartitions(
  d: RewindDeps,
  toMs: number,
  current: Offsets,
): Promise<Record<number, PartitionRewind>> {
  const targets = await offsetsAtTime(d.admin, d.topic, toMs);
  const out: Record<number, PartitionRewind> = {};
  for (const [p, target] of Object.entries(targets).map(([k, v]) => [Number(k), v] as const)) {
    const at = current[p];
    if (at === undefined || target >= at) continue;
    const nodes = await d.checkpoints.nodes(d.streamId, p, at);
    const offset = nodes.find((n) => n <= target) ?? 0;
    const state = await restoreState(d.checkpoints, d.streamId, p, offset, d.windowMs);
    const deleted = await discardAfter(d.search, d.prefix, p, offset);
    out[p] = { offset, deleted, maxEventMs: state.maxEventMs };
  }
  return out;
}
