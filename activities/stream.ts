/**
 * The speed layer's micro-batch activity on the stateful core: read Kafka from the offsets the workflow holds,
 * fold each partition's messages into the keyed state this worker holds for it (restored from checkpoints only
 * when it is not there), write the touched cells' absolute values to the index and the output topic, and append
 * the batch's checkpoint records before returning — so the workflow records an offset only once the state that
 * goes with it is durable. Returns a small summary. See docs/stream-state.md for the exactly-once argument.
 */
import { Context } from '@temporalio/activity';
import type { Kafka, Producer } from 'kafkajs';
import type { CheckpointStore, CheckpointWrite } from '../adapters/checkpoints/types.js';
import type { SearchSink } from '../adapters/search/types.js';
import { inPartitionGroup, type PartitionGroup } from '../common/stream.js';
import type { GroupSummary } from '../common/stream-merge.js';
import { toTemporalFailure } from '../lib/errors.js';
import { failpoint } from '../lib/failpoints.js';
import type { ProfileCache } from '../lib/profile-cache.js';
import { SPEED_TEMPLATE, speedIndices } from '../lib/search-templates.js';
import { OffsetReader, type Offsets } from '../lib/stream/kafka-reader.js';
import { foldBatch, newFoldResult, type FoldResult } from '../lib/stream/state/fold.js';
import { StateRegistry, type Held } from '../lib/stream/state/registry.js';
import { publishAggregates, publishDeadLetters } from '../lib/stream/state/sink-kafka.js';
import { batchDocuments, discardAfter, writeDocuments } from '../lib/stream/state/sink-search.js';
import { markAllDirty } from '../lib/stream/state/dirty.js';
import { rewindPartitions, type PartitionRewind } from '../lib/stream/rewind.js';

/** Dependencies of the stream activities. */
export interface StreamActivityDeps {
  kafka: Kafka;
  search: SearchSink;
  cache: ProfileCache;
  /** The checkpoint store (called on first use, so workers that never run a batch need no database). */
  checkpoints: () => CheckpointStore;
  indexPrefix: string;
  topics: { events: string; aggregates: string; dlq: string };
  /** This worker's identity, reported in each summary (shows which worker ran which partitions). */
  identity: string;
  /** A snapshot of a partition's state is written every this many of its batches (deltas in between). */
  snapshotEvery: number;
  /** Checkpoint records older than this are pruned (bounds how far back a rewind restores state). */
  checkpointRetentionMs: number;
  /** Registers the reader's and producer's shutdown with the process's clients. */
  onClose?: (close: () => Promise<void>) => void;
}

/** Input of one micro-batch (decided by the workflow). */
export interface MicroBatchInput {
  start: Offsets;
  watermarkMs: number;
  windowMs: number;
  maxMessages: number;
  /** An event time further than this ahead of its Kafka timestamp is dead-lettered (`future_event_time`). */
  maxFutureMs: number;
  /** Only this partition group's partitions (all when omitted). */
  group?: PartitionGroup;
}

/** What a micro-batch returns (small: offsets, counts, timings; see `GroupSummary`). */
export type MicroBatchSummary = GroupSummary;

/** Create the stream activities (one reader, producer and state registry per worker process). */
export function createStreamActivities(deps: StreamActivityDeps) {
  const reader = new OffsetReader(deps.kafka);
  const registry = new StateRegistry(deps.checkpoints);
  let producer: Promise<Producer> | undefined;
  const getProducer = () =>
    (producer ??= (async () => {
      const p = deps.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await p.connect();
      return p;
    })().catch((err) => {
      producer = undefined;
      throw err;
    }));
  deps.onClose?.(async () => {
    await reader.close().catch(() => undefined);
    const p = await producer?.catch(() => undefined);
    await p?.disconnect().catch(() => undefined);
  });
  let templateReady = false;
  const ensureTemplate = async () => {
    if (templateReady) return;
    await deps.search.putIndexTemplate(`${deps.indexPrefix}-speed`, [`${deps.indexPrefix}-speed-*`], SPEED_TEMPLATE);
    // Every view exists from the first batch on, so readers never meet a missing index (e.g. no counters yet).
    for (const index of speedIndices(deps.indexPrefix)) await deps.search.ensureIndex(index);
    templateReady = true;
  };

  return {
    /** Run one micro-batch of a partition group from `input.start` on the state this worker holds. */
    async runMicroBatch(input: MicroBatchInput): Promise<MicroBatchSummary> {
      const t0 = Date.now();
      const ctx = Context.current();
      const streamId = ctx.info.workflowExecution?.workflowId ?? 'unknown-stream';
      const beat = setInterval(() => ctx.heartbeat(), 1000);
      const held = new Map<number, Held>();
      try {
        await ensureTemplate();
        const ends = await reader.endOffsets(deps.topics.events);
        const partitions = Object.keys(ends).map(Number).filter((p) => inPartitionGroup(p, input.group));
        const folds = new Map<number, FoldResult>();
        const restored: number[] = [];
        for (const p of partitions) {
          const start = input.start[p] ?? 0;
          const h = await registry.acquire(streamId, p, start, input.windowMs);
          held.set(p, h);
          const fold = newFoldResult();
          if (h.restored) {
            // Whatever batches from `start` on wrote (a failed attempt — also one from offset 0 —, a rewound
            // stretch) goes; the restored state's open cells are written again with their values at `start`.
            await discardAfter(deps.search, deps.indexPrefix, p, start);
            markAllDirty(h.state, fold);
            if (start > 0) restored.push(p);
          }
          folds.set(p, fold);
        }
        const lookup = (_id: string, hi: number, lo: number) => deps.cache.getByHash(hi, lo);
        const tRead = Date.now();
        const read = await reader.read({
          topic: deps.topics.events,
          start: input.start,
          maxMessages: input.maxMessages,
          include: (p) => held.has(p),
          // Folded chunk by chunk as fetched: memory does not grow with the batch size.
          onMessages: (p, msgs) => void foldBatch(held.get(p)!.state, msgs, { batchStart: input.start[p] ?? 0, watermarkMs: input.watermarkMs, maxFutureMs: input.maxFutureMs, lookup }, folds.get(p)),
        });
        const records: CheckpointWrite[] = [];
        for (const [p, h] of held) {
          const start = input.start[p] ?? 0;
          h.state.advanceWatermark(input.watermarkMs);
          h.state.offset = read.next[p] ?? start;
          records.push(...registry.records(streamId, h, start, folds.get(p)!, deps.snapshotEvery));
        }
        const tIndex = Date.now();
        const producer = await getProducer();
        let documents = 0;
        for (const [p, fold] of folds) documents += await writeDocuments(deps.search, batchDocuments(deps.indexPrefix, held.get(p)!.state, input.start[p] ?? 0, fold));
        const tPublish = Date.now();
        for (const [p, fold] of folds) {
          await publishDeadLetters(producer, deps.topics, fold);
          await publishAggregates(producer, deps.topics.aggregates, held.get(p)!.state, fold);
        }
        const tc = Date.now();
        const written = deps.checkpoints().write(streamId, records);
        // Test-only: SIGKILL this worker while the checkpoint write is in flight (see test/stream-state-faults.test.ts).
        if (failpoint('checkpoint-write')) setTimeout(() => process.kill(process.pid, 'SIGKILL'), 2);
        await written;
        for (const r of records) if (r.kind === 'snapshot') await deps.checkpoints().prune(streamId, r.partition, deps.checkpointRetentionMs);
        const checkpoint = { bytes: records.reduce((n, r) => n + r.payload.length, 0), ms: Date.now() - tc };
        const stagesMs = { restore: tRead - t0, readFold: tIndex - tRead, index: tPublish - tIndex, publish: tc - tPublish, checkpoint: checkpoint.ms };
        const all = [...folds.values()];
        const sum = (f: (o: FoldResult) => number) => all.reduce((n, o) => n + f(o), 0);
        return {
          next: read.next,
          maxEventTimeMs: Object.fromEntries([...folds].filter(([, o]) => o.maxEventTimeMs !== undefined).map(([p, o]) => [p, o.maxEventTimeMs!])),
          read: read.count,
          accepted: sum((o) => o.accepted),
          deadLettered: sum((o) => o.deadLettered),
          late: sum((o) => o.late),
          duplicates: sum((o) => o.duplicates),
          lag: Object.keys(read.end).reduce((n, k) => n + Math.max(0, read.end[Number(k)]! - read.next[Number(k)]!), 0),
          behind: Object.keys(read.end).map(Number).filter((p) => read.next[p]! < read.end[p]!),
          tookMs: Date.now() - t0,
          worker: deps.identity,
          restored,
          checkpoint,
          documents,
          stagesMs,
        };
      } catch (err) {
        // The held state may be half-applied: the retry restores it from the checkpoints.
        registry.drop(streamId, held.keys());
        throw toTemporalFailure(err);
      } finally {
        clearInterval(beat);
      }
    },

    /**
     * Rewind the stream's partitions to stream time `toMs` (Kafka record timestamps): per partition, the offset
     * of the last checkpointed batch boundary at or before the first record at or after `toMs`; what the stream
     * wrote from there on is deleted. The next batch restores the state at that offset and reads on from it.
     */
    async rewindSpeedLayer(input: { toMs: number; current: Offsets; windowMs: number }): Promise<Record<number, PartitionRewind>> {
      const admin = deps.kafka.admin();
      try {
        await ensureTemplate();
        await admin.connect();
        const streamId = Context.current().info.workflowExecution?.workflowId ?? 'unknown-stream';
        return await rewindPartitions({ admin, search: deps.search, checkpoints: deps.checkpoints(), prefix: deps.indexPrefix, topic: deps.topics.events, streamId, windowMs: input.windowMs }, input.toMs, input.current);
      } catch (err) {
        throw toTemporalFailure(err);
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}
