/**
 * Reading a partition's state back from the checkpoint store: the chain of records that leads to an offset,
 * checked record by record, and the state rebuilt from it. A missing or corrupt record is a non-retryable
 * `CheckpointError` naming the stream, partition and offset: the stream stops rather than guess.
 */
import type { CheckpointStore } from '../../../adapters/checkpoints/types.js';
import { CheckpointMissingError } from '../../../adapters/checkpoints/types.js';
import { CheckpointError } from '../../errors.js';
import { applyRecord, CorruptCheckpointError, decodeHeader, startState } from './codec.js';
import { PartitionState } from './partition-state.js';

/** The records (oldest first) that rebuild the state of `partition` at `offset`, each checked (magic, checksum, header). */
export async function checkpointChain(
  store: CheckpointStore,
  streamId: string,
  partition: number,
  offset: number,
): Promise<Uint8Array[]> {
  const ctx = { stream: streamId, partition, offset: String(offset) };
  let chain;
  try {
    chain = await store.chain(streamId, partition, offset);
  } catch (err) {
    if (err instanceof CheckpointMissingError) {
      throw new CheckpointError(
        `${err.message}: the state cannot be restored; restart the stream from scratch (viewership stream start --from-scratch) or rewind it`,
        ctx,
        { cause: err },
      );
    }
    throw err;
  }
  for (const link of chain) {
    try {
      decodeHeader(link.payload);
    } catch (err) {
      if (!(err instanceof CorruptCheckpointError)) throw err;
      throw new CheckpointError(
        `checkpoint of stream ${streamId} partition ${partition} (${link.kind} ${link.start}→${link.end}) is unreadable: ${err.message}`,
        ctx,
        { cause: err },
      );
    }
  }
  return chain.map((l) => l.payload);
}

/** Rebuild a partition's state at `offset` from the checkpoint chain (snapshot + deltas; none = empty at 0). */
export async function restoreState(
  store: CheckpointStore,
  streamId: string,
  partition: number,
  offset: number,
  windowMs: number,
): Promise<PartitionState> {
  const ctx = { stream: streamId, partition, offset: String(offset) };
  const chain = await checkpointChain(store, streamId, partition, offset);
  let state = startState(chain, partition, windowMs);
  try {
    for (const payload of chain) state = applyRecord(state, payload);
  } catch (err) {
    if (!(err instanceof CorruptCheckpointError)) throw err;
    throw new CheckpointError(
      `checkpoint of stream ${streamId} partition ${partition} cannot be applied: ${err.message}`,
      ctx,
      { cause: err },
    );
  }
  state ??= new PartitionState(partition, windowMs, 0);
  if (state.windowMs !== windowMs)
    throw new CheckpointError(
      `checkpoint of stream ${streamId} partition ${partition} has ${state.windowMs} ms windows, the stream ${windowMs} ms`,
      ctx,
    );
  return state;
}
