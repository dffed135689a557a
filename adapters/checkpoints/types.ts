/**
 * Checkpoint store contract: durable, append-only records of each stream partition's keyed state (snapshots and
 * per-batch deltas, encoded by `lib/stream/state/codec.ts`), found again by the offset they lead to.
 */

/** One record to append. */
export interface CheckpointWrite {
  partition: number;
  kind: 'snapshot' | 'delta';
  /** Offset the record's base state is at (equal to `end` for a snapshot). */
  start: number;
  /** Offset the state is at after applying the record. */
  end: number;
  payload: Buffer;
}

/** One record of a restore chain. */
export interface ChainLink {
  kind: 'snapshot' | 'delta';
  start: number;
  end: number;
  payload: Buffer;
}

/** Where checkpoints are kept. */
export interface CheckpointStore {
  /** Append records (one statement: all or none). */
  write(streamId: string, records: CheckpointWrite[]): Promise<void>;
  /**
   * The records that rebuild the state of `partition` at `offset`, oldest first: a snapshot (or nothing: the empty
   * state at offset 0) followed by deltas. Throws `CheckpointMissingError` when the chain is broken.
   */
  chain(streamId: string, partition: number, offset: number): Promise<ChainLink[]>;
  /** Offsets a partition's state passed through on its way to `offset` (newest first; ends with 0 when complete). */
  nodes(streamId: string, partition: number, offset: number): Promise<number[]>;
  /** Delete what no offset within the retention needs; returns the records deleted. */
  prune(streamId: string, partition: number, retentionMs: number): Promise<number>;
  /** Delete every record of a stream (a start from scratch). */
  clear(streamId: string): Promise<number>;
  /** Records and bytes held per kind. */
  stats(streamId: string): Promise<Record<string, { records: number; bytes: number }>>;
  close(): Promise<void>;
}

/** No record leads to the offset a partition must restore (pruned, never written, or another stream's id). */
export class CheckpointMissingError extends Error {
  constructor(
    readonly streamId: string,
    readonly partition: number,
    readonly at: number,
    readonly wanted: number,
  ) {
    super(
      `no checkpoint of stream ${streamId} partition ${partition} leads to offset ${wanted} (chain broken at offset ${at})`,
    );
    this.name = 'CheckpointMissingError';
  }
}
