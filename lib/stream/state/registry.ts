/**
 * The keyed state a stream worker holds, per (stream, partition), between micro-batches. A batch that starts
 * where the held state is uses it as it is (the steady path: no I/O); otherwise — another worker ran the
 * partition, an attempt failed, the workflow rewound — the state is rebuilt from the checkpoint chain that leads
 * to the batch's start offset. A failed batch drops its partitions' state, so its retry always restores.
 */
import type { CheckpointStore, CheckpointWrite } from '../../../adapters/checkpoints/types.js';
import { CheckpointMissingError } from '../../../adapters/checkpoints/types.js';
import { CheckpointError } from '../../errors.js';
import { applyRecord, CorruptCheckpointError, encodeDelta, encodeSnapshot } from './codec.js';
import type { FoldResult } from './fold.js';
import { PartitionState } from './partition-state.js';

/** A partition's state for one batch, and whether it was restored for it. */
export interface Held {
  state: PartitionState;
  restored: boolean;
  /** Batches since the last snapshot of this partition was written. */
  sinceSnapshot: number;
}

/** Held states of one worker process. */
export class StateRegistry {
  private readonly held = new Map<string, Held>();
  constructor(private readonly store: () => CheckpointStore) {}

  private static key = (streamId: string, partition: number) => `${streamId}#${partition}`;

  /** The state of `partition` at `offset`: the held one when it is there, else restored from checkpoints. */
  async acquire(streamId: string, partition: number, offset: number, windowMs: number): Promise<Held> {
    const k = StateRegistry.key(streamId, partition);
    const h = this.held.get(k);
    if (h && h.state.offset === offset && h.state.windowMs === windowMs) return { ...h, restored: false };
    this.held.delete(k);
    const state = await restoreState(this.store(), streamId, partition, offset, windowMs);
    const restored: Held = { state, restored: true, sinceSnapshot: 0 };
    this.held.set(k, restored);
    return restored;
  }

  /**
   * Records of a finished batch (a delta from `start`, plus a snapshot every `snapshotEvery` batches); call
   * after the state reached its new offset. Returns nothing to write when the partition did not move.
   */
  records(streamId: string, held: Held, start: number, fold: FoldResult, snapshotEvery: number): CheckpointWrite[] {
    const s = held.state;
    if (s.offset === start) return [];
    const out: CheckpointWrite[] = [{ partition: s.partition, kind: 'delta', start, end: s.offset, payload: encodeDelta(s, start, fold) }];
    held.sinceSnapshot++;
    if (held.sinceSnapshot >= snapshotEvery) {
      out.push({ partition: s.partition, kind: 'snapshot', start: s.offset, end: s.offset, payload: encodeSnapshot(s) });
      held.sinceSnapshot = 0;
    }
    this.held.set(StateRegistry.key(streamId, s.partition), held);
    return out;
  }

  /** Forget the held state of these partitions (after a failed batch: the retry restores from checkpoints). */
  drop(streamId: string, partitions: Iterable<number>): void {
    for (const p of partitions) this.held.delete(StateRegistry.key(streamId, p));
  }
}

/**
 * Rebuild a partition's state at `offset` from the checkpoint chain (snapshot + deltas). A missing or corrupt
 * record is a non-retryable `CheckpointError` naming the stream, partition and offset: the stream stops rather
 * than guess.
 */
export async function restoreState(store: CheckpointStore, streamId: string, partition: number, offset: number, windowMs: number): Promise<PartitionState> {
  const ctx = { stream: streamId, partition, offset: String(offset) };
  let chain;
  try {
    chain = await store.chain(streamId, partition, offset);
  } catch (err) {
    if (err instanceof CheckpointMissingError) {
      throw new CheckpointError(`${err.message}: the state cannot be restored; restart the stream from scratch (viewership stream start --from-scratch) or rewind it`, ctx, { cause: err });
    }
    throw err;
  }
  // A chain that does not begin with a snapshot begins with the empty state at offset 0.
  let state: PartitionState | undefined = chain[0]?.kind === 'snapshot' ? undefined : new PartitionState(partition, windowMs, 0);
  for (const link of chain) {
    try {
      state = applyRecord(state, link.payload);
    } catch (err) {
      if (err instanceof CorruptCheckpointError) {
        throw new CheckpointError(`checkpoint of stream ${streamId} partition ${partition} (${link.kind} ${link.start}→${link.end}) is unreadable: ${err.message}`, ctx, { cause: err });
      }
      throw err;
    }
  }
  if (state!.windowMs !== windowMs) throw new CheckpointError(`checkpoint of stream ${streamId} partition ${partition} has ${state!.windowMs} ms windows, the stream ${windowMs} ms`, ctx);
  return state!;
}
