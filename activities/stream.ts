/**
 * The speed layer's micro-batch activity on the stateful core: read Kafka from the offsets the workflow holds,
 * fold each partition's messages into the keyed state this worker holds for it (restored from checkpoints only
 * when it is not there), write the touched cells' absolute values to the index and the output topic, and append
 * the batch's checkpoint records before returning — so the workflow records an offset only once the state that
 * goes with it is durable. Returns a small summary. See docs/stream-state.md for the exactly-once argument.
 */
import { Context } from '@temporalio/activity';
import type { Kafka, Producer } from 'kafkajs';
import type { CheckpointStore } from '../adapters/checkpoints/types.js';
import type { SearchSink } from '../adapters/search/types.js';
import { inPartitionGroup, type PartitionGroup } from '../common/stream.js';
import type { GroupSummary } from '../common/stream-merge.js';
import { CheckpointError, toTemporalFailure } from '../lib/errors.js';
import { failpoint } from '../lib/failpoints.js';
import type { ProfileCache } from '../lib/profile-cache.js';
import { SPEED_TEMPLATE, speedIndices } from '../lib/search-templates.js';
import { OffsetReader, type Offsets } from '../lib/stream/kafka-reader.js';
import { createStateClient } from '../lib/stream/state/client.js';
import type { BatchOutput } from '../lib/stream/state/host.js';
import { checkpointChain } from '../lib/stream/state/restore.js';
import { publishAggregates, publishDeadLetters } from '../lib/stream/state/sink-kafka.js';
import { discardAfter, writeDocuments } from '../lib/stream/state/sink-search.js';
import { rewindPartitions, type PartitionRewind } from '../lib/stream/rewind.js';
import { compactClosedHours, discardStaged, openDir, webEventsLayout } from '../lib/stream/lake/sink-lake.js';
import { registerClosedHours } from '../lib/stream/lake/register.js';
import type { LakeCatalog } from '../adapters/catalog/types.js';
import type { DuckDbSettings } from '../lib/batch/duckdb.js';

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
  /** Worker threads holding the partitions' state and folding their events (0: in the activity's thread). */
  stateThreads: number;
  /** The stream → lake sink (`web_events`, see lib/stream/lake/sink-lake.ts); off when absent. */
  lake?: { dir: string; duckdb: DuckDbSettings; catalog: () => LakeCatalog };
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

/** Create the stream activities (one reader, producer and state client per worker process). */
export function createStreamActivities(deps: StreamActivityDeps) {
  const reader = new OffsetReader(deps.kafka);
  const state = createStateClient({ threads: deps.stateThreads, cache: deps.cache });
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
    await state.close().catch(() => undefined);
    await reader.close().catch(() => undefined);
    const p = await producer?.catch(() => undefined);
    await p?.disconnect().catch(() => undefined);
  });
  const lake = deps.lake && { ...deps.lake, layout: webEventsLayout(deps.lake.dir) };
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
      const open: number[] = [];
      try {
        await ensureTemplate();
        const ends = await reader.endOffsets(deps.topics.events);
        const partitions = Object.keys(ends)
          .map(Number)
          .filter((p) => inPartitionGroup(p, input.group));
        const restored: number[] = [];
        for (const p of partitions) {
          const start = input.start[p] ?? 0;
          if (!(await state.has(streamId, p, start, input.windowMs))) {
            // Not held here at `start` (another worker ran it, an attempt failed, a rewind): rebuild it from the
            // checkpoints, and remove whatever batches from `start` on wrote (a failed attempt — also one from
            // offset 0 —, a rewound stretch); the restored open cells are all written again by this batch.
            await state
              .restore(
                streamId,
                p,
                start,
                input.windowMs,
                await checkpointChain(deps.checkpoints(), streamId, p, start),
              )
              .catch((err: Error) => {
                // Records that pass their checksum but do not fit together: as unusable as a corrupt one.
                if (err.name !== 'CorruptCheckpointError') throw err;
                throw new CheckpointError(
                  `checkpoint of stream ${streamId} partition ${p} cannot be applied: ${err.message}`,
                  { stream: streamId, partition: p, offset: String(start) },
                );
              });
            await discardAfter(deps.search, deps.indexPrefix, p, start);
            if (lake) discardStaged(lake.layout, streamId, p, start);
            if (start > 0) restored.push(p);
          }
          await state.begin({
            streamId,
            partition: p,
            start,
            windowMs: input.windowMs,
            watermarkMs: input.watermarkMs,
            maxFutureMs: input.maxFutureMs,
            lakeOpenDir: lake && openDir(lake.layout, streamId, p),
          });
          open.push(p);
        }
        const tRead = Date.now();
        const read = await reader.read({
          topic: deps.topics.events,
          start: input.start,
          maxMessages: input.maxMessages,
          include: (p) => open.includes(p),
          // Folded chunk by chunk as fetched (on a state thread when configured): memory does not grow with the batch.
          onMessages: (_p, msgs) => state.fold(streamId, msgs),
        });
        const outs = await Promise.all(
          open.map((p) =>
            state.finish(streamId, p, read.next[p] ?? input.start[p] ?? 0, deps.snapshotEvery, deps.indexPrefix),
          ),
        );
        // Test-only: SIGKILL once the batch's lake rows are staged, before anything commits them.
        if (failpoint('lake-staged')) process.kill(process.pid, 'SIGKILL');
        const tIndex = Date.now();
        let documents = 0;
        for (const o of outs) documents += await writeDocuments(deps.search, new Map(o.documents));
        const tPublish = Date.now();
        const producer = await getProducer();
        for (const o of outs) {
          await publishDeadLetters(producer, deps.topics, o.deadLetters);
          await publishAggregates(producer, deps.topics.aggregates, o.aggregates);
        }
        const tc = Date.now();
        const records = outs.flatMap((o) => o.records);
        const written = deps.checkpoints().write(streamId, records);
        // Test-only: SIGKILL this worker while the checkpoint write is in flight (see test/stream-state-faults.test.ts).
        if (failpoint('checkpoint-write')) setTimeout(() => process.kill(process.pid, 'SIGKILL'), 2);
        await written;
        for (const r of records)
          if (r.kind === 'snapshot') await deps.checkpoints().prune(streamId, r.partition, deps.checkpointRetentionMs);
        const checkpoint = { bytes: records.reduce((n, r) => n + r.payload.length, 0), ms: Date.now() - tc };
        const tLake = Date.now();
        // Hours the watermark has passed hold committed rows only: fold them into one Parquet file each.
        if (lake)
          for (const [i, p] of open.entries())
            await compactClosedHours(lake.layout, streamId, p, outs[i]!.watermarkMs, lake.duckdb, () =>
              ctx.heartbeat(),
            );
        const stagesMs = {
          restore: tRead - t0,
          readFold: tIndex - tRead,
          index: tPublish - tIndex,
          publish: tc - tPublish,
          checkpoint: checkpoint.ms,
          lakeCompact: Date.now() - tLake,
        };
        const sum = (f: (o: BatchOutput) => number) => outs.reduce((n, o) => n + f(o), 0);
        return {
          next: read.next,
          maxEventTimeMs: Object.fromEntries(
            open.flatMap((p, i) => (outs[i]!.maxEventTimeMs === undefined ? [] : [[p, outs[i]!.maxEventTimeMs!]])),
          ),
          read: read.count,
          accepted: sum((o) => o.accepted),
          deadLettered: sum((o) => o.deadLettered),
          late: sum((o) => o.late),
          duplicates: sum((o) => o.duplicates),
          lag: Object.keys(read.end).reduce((n, k) => n + Math.max(0, read.end[Number(k)]! - read.next[Number(k)]!), 0),
          behind: Object.keys(read.end)
            .map(Number)
            .filter((p) => read.next[p]! < read.end[p]!),
          tookMs: Date.now() - t0,
          worker: deps.identity,
          restored,
          checkpoint,
          documents,
          stagesMs,
        };
      } catch (err) {
        // The held state may be half-applied: the retry restores it from the checkpoints.
        await state.drop(streamId, open).catch(() => undefined);
        throw toTemporalFailure(err);
      } finally {
        clearInterval(beat);
      }
    },

    /**
     * Register in the lake catalog the `web_events` hours ending at or before `throughMs`, which every partition
     * has compacted (the workflow asks after a round whose watermark passed them). Returns the hours registered.
     */
    async registerLakeHours(input: { throughMs: number }): Promise<string[]> {
      if (!lake) return [];
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), 2000);
      try {
        const info = Context.current().info;
        return await registerClosedHours(
          lake.catalog(),
          lake.layout,
          input.throughMs,
          `${info.workflowExecution?.workflowId ?? 'unknown'}/${info.workflowExecution?.runId ?? 'unknown'}`,
          lake.duckdb,
        );
      } catch (err) {
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
    async rewindSpeedLayer(input: {
      toMs: number;
      current: Offsets;
      windowMs: number;
    }): Promise<Record<number, PartitionRewind>> {
      const admin = deps.kafka.admin();
      try {
        await ensureTemplate();
        await admin.connect();
        const streamId = Context.current().info.workflowExecution?.workflowId ?? 'unknown-stream';
        return await rewindPartitions(
          {
            admin,
            search: deps.search,
            checkpoints: deps.checkpoints(),
            prefix: deps.indexPrefix,
            topic: deps.topics.events,
            streamId,
            windowMs: input.windowMs,
          },
          input.toMs,
          input.current,
        );
      } catch (err) {
        throw toTemporalFailure(err);
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}
