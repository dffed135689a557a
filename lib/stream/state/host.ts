/**
 * Holds the keyed state of the partitions a worker owns and runs the CPU work of their micro-batches on it —
 * restore, fold, and the batch's outputs (documents, output-topic messages, dead letters, checkpoint records) —
 * with no I/O but the lake sink's staged files (`../lake/stage.ts`). It runs on a worker thread (`thread.ts`, so parse + fold use a core of their own) or in process;
 * the activity does the I/O around it (`client.ts`).
 */
import type { CheckpointWrite } from '../../../adapters/checkpoints/types.js';
import type { DocWrite } from '../../../adapters/search/types.js';
import type { ReadMessage } from '../kafka-reader.js';
import { applyRecord, CorruptCheckpointError, encodeDelta, encodeSnapshot, startState } from './codec.js';
import { markAllDirty } from './dirty.js';
import { foldBatch, newFoldResult, type FoldResult } from './fold.js';
import { PartitionState } from './partition-state.js';
import { aggregateMessages, deadLetters, type DeadLetterOut, type OutMessage } from './sink-kafka.js';
import { batchDocuments } from './sink-search.js';
import { LakeStage, type StagedHour } from '../lake/stage.js';

/** A batch of one partition, as opened by {@link StateHost.begin}. */
export interface BatchParams {
  streamId: string;
  partition: number;
  start: number;
  windowMs: number;
  watermarkMs: number;
  maxFutureMs: number;
  /** The partition's open area of the lake sink (`sink-lake.ts`); no lake rows are staged when absent. */
  lakeOpenDir?: string;
}

/** Messages of one partition packed into flat arrays (one copy, cheap to send to a thread). */
export interface PackedMessages {
  partition: number;
  values: Uint8Array;
  /** Byte length of each value, −1 for a null value. */
  lengths: Int32Array;
  offsets: Float64Array;
  timestamps: Float64Array;
}

/** Everything a finished batch of one partition produced. */
export interface BatchOutput {
  documents: [index: string, docs: DocWrite[]][];
  aggregates: OutMessage[];
  deadLetters: DeadLetterOut[];
  records: CheckpointWrite[];
  accepted: number;
  late: number;
  duplicates: number;
  deadLettered: number;
  maxEventTimeMs: number | undefined;
  /** The watermark the batch applied (the state's: never behind the one asked for). */
  watermarkMs: number;
  /** The lake files the batch staged, per event-time hour. */
  lake: StagedHour[];
}

/** A customer's profile by the `hash64` of the id. */
export type HashLookup = (hi: number, lo: number) => { country: string; plan: string } | undefined;

interface Held {
  state: PartitionState;
  sinceSnapshot: number;
  restored: boolean;
}

/** The state holder (see module doc). */
export class StateHost {
  private readonly held = new Map<string, Held>();
  private readonly open = new Map<
    string,
    { held: Held; fold: FoldResult; params: BatchParams; stage?: LakeStage; error?: Error }
  >();
  constructor(private lookup: HashLookup = () => undefined) {}

  private static key = (streamId: string, partition: number) => `${streamId}#${partition}`;

  /** Use another profile look-up from now on (after each cache refresh). */
  setLookup(lookup: HashLookup): void {
    this.lookup = lookup;
  }

  /** Whether the state of `partition` is held at `offset` (the steady path: no restore needed). */
  has(streamId: string, partition: number, offset: number, windowMs: number): boolean {
    const h = this.held.get(StateHost.key(streamId, partition));
    return !!h && h.state.offset === offset && h.state.windowMs === windowMs;
  }

  /** Rebuild the state at `offset` from checkpoint records (oldest first; none = the empty state at 0). */
  restore(streamId: string, partition: number, offset: number, windowMs: number, links: Uint8Array[]): void {
    let state = startState(links, partition, windowMs);
    for (const link of links) state = applyRecord(state, link);
    state ??= new PartitionState(partition, windowMs, 0);
    if (state.offset !== offset)
      throw new CorruptCheckpointError(`restored state of partition ${partition} is at ${state.offset}, not ${offset}`);
    this.held.set(StateHost.key(streamId, partition), { state, sinceSnapshot: 0, restored: true });
  }

  /** Open a batch on the held state (after `has` or `restore`); a restored state has all its cells rewritten. */
  begin(p: BatchParams): void {
    const k = StateHost.key(p.streamId, p.partition);
    const held = this.held.get(k);
    if (!held || held.state.offset !== p.start)
      throw new Error(`no state of partition ${p.partition} at offset ${p.start} (call restore first)`);
    const fold = newFoldResult();
    if (held.restored) markAllDirty(held.state, fold);
    held.restored = false;
    this.open.get(k)?.stage?.abort();
    this.open.set(k, {
      held,
      fold,
      params: p,
      stage: p.lakeOpenDir === undefined ? undefined : new LakeStage(p.lakeOpenDir, p.start),
    });
  }

  /** Fold messages of an open batch (in offset order). An error is kept and thrown by `finish`. */
  fold(streamId: string, messages: ReadMessage[]): void {
    if (messages.length === 0) return;
    const b = this.open.get(StateHost.key(streamId, messages[0]!.partition));
    if (!b || b.error) return;
    try {
      const lookup = this.lookup;
      const stage = b.stage;
      foldBatch(
        b.held.state,
        messages,
        {
          batchStart: b.params.start,
          watermarkMs: b.params.watermarkMs,
          maxFutureMs: b.params.maxFutureMs,
          lookup: (_id, hi, lo) => lookup(hi, lo),
          onAccept: stage && ((e, c, pl, u, st, pa, o) => stage.append(e, c, pl, u, st, pa, o)),
        },
        b.fold,
      );
    } catch (err) {
      b.error = err as Error;
    }
  }

  /** Fold packed messages (as sent to a thread). */
  foldPacked(streamId: string, m: PackedMessages): void {
    const messages: ReadMessage[] = [];
    let at = 0;
    for (let i = 0; i < m.lengths.length; i++) {
      const len = m.lengths[i]!;
      messages.push({
        partition: m.partition,
        offset: m.offsets[i]!,
        key: null,
        value: len < 0 ? null : (m.values.subarray(at, at + len) as Buffer),
        timestampMs: m.timestamps[i]!,
      });
      if (len > 0) at += len;
    }
    const b = this.open.get(StateHost.key(streamId, m.partition));
    const deadBefore = b?.fold.deadLetters.length ?? 0;
    this.fold(streamId, messages);
    // A dead letter keeps its bytes as a copy, not a view that would keep the whole packed chunk alive.
    for (const d of b?.fold.deadLetters.slice(deadBefore) ?? [])
      if (d.msg.value) d.msg.value = Buffer.from(d.msg.value);
  }

  /** Close a batch at `next`: the documents, messages and checkpoint records of what it changed. */
  finish(streamId: string, partition: number, next: number, snapshotEvery: number, prefix: string): BatchOutput {
    const k = StateHost.key(streamId, partition);
    const b = this.open.get(k);
    if (!b) throw new Error(`no open batch of partition ${partition}`);
    this.open.delete(k);
    if (b.error) {
      b.stage?.abort();
      throw b.error;
    }
    const { held, fold, params } = b;
    const s = held.state;
    s.advanceWatermark(params.watermarkMs);
    s.offset = next;
    const records: CheckpointWrite[] = [];
    if (next !== params.start) {
      records.push({
        partition,
        kind: 'delta',
        start: params.start,
        end: next,
        payload: encodeDelta(s, params.start, fold),
      });
      if (++held.sinceSnapshot >= snapshotEvery) {
        records.push({ partition, kind: 'snapshot', start: next, end: next, payload: encodeSnapshot(s) });
        held.sinceSnapshot = 0;
      }
    }
    return {
      documents: [...batchDocuments(prefix, s, params.start, fold)],
      aggregates: aggregateMessages(s, fold),
      deadLetters: deadLetters(fold),
      records,
      accepted: fold.accepted,
      late: fold.late,
      duplicates: fold.duplicates,
      deadLettered: fold.deadLettered,
      maxEventTimeMs: fold.maxEventTimeMs,
      watermarkMs: s.watermarkMs,
      lake: b.stage?.finish() ?? [],
    };
  }

  /** Forget the state of these partitions (after a failed batch: its retry restores from the checkpoints). */
  drop(streamId: string, partitions: number[]): void {
    for (const p of partitions) {
      this.held.delete(StateHost.key(streamId, p));
      this.open.get(StateHost.key(streamId, p))?.stage?.abort();
      this.open.delete(StateHost.key(streamId, p));
    }
  }
}
