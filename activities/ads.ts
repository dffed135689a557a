/**
 * The ad-analytics stream's micro-batch on the stateful core's pattern: per partition, the state held by this
 * worker (restored from checkpoints only when it is not at the batch's start offsets), the batch's impressions
 * and clicks folded into it (the join), then the sinks — PostgreSQL (one transaction), the dead-letter and
 * output topics — and last the checkpoint records, so the workflow records offsets only once the state that goes
 * with them is durable. A rewind finds, per partition, the last checkpointed batch boundary before a time.
 */
import { Context } from '@temporalio/activity';
import type { Kafka, Producer } from 'kafkajs';
import type pg from 'pg';
import { clickKey } from '../common/ads-stream.js';
import { inPartitionGroup } from '../common/stream.js';
import type { MicroBatchInput, MicroBatchSummary } from './stream.js';
import type { LakeCatalog } from '../adapters/catalog/types.js';
import { migratePostgres } from '../adapters/profiles/postgres.js';
import { createAdCheckpoints, type AdCheckpointWrite, type AdOffsets } from '../lib/ads/checkpoints.js';
import { beginAdBatch, finishAdBatch, foldClicks, foldImpressions, type AdBatch } from '../lib/ads/fold.js';
import { publishAdDeadLetters, publishAdMetrics } from '../lib/ads/sink-kafka.js';
import { discardAdBatchesFrom, writeAdBatches } from '../lib/ads/sink-postgres.js';
import type { AdCell, AdPartitionState } from '../lib/ads/state.js';
import { writeAdReports as writeAdReportFiles } from '../lib/ads/report.js';
import type { DuckDbSettings } from '../lib/batch/duckdb.js';
import { toTemporalFailure } from '../lib/errors.js';
import { failpoint } from '../lib/failpoints.js';
import { OffsetReader, type Offsets } from '../lib/stream/kafka-reader.js';
import { offsetsAtTime, type PartitionRewind } from '../lib/stream/rewind.js';

/** Dependencies of the ad stream activities. */
export interface AdsActivityDeps {
  kafka: Kafka;
  /** A pool on the profiles database (sinks and checkpoints; migrated on first use). */
  pool: () => pg.Pool;
  /** The campaigns file's network of a campaign (undefined: not listed). */
  networkOf: (campaignId: string) => string | undefined;
  topics: { impressions: string; clicks: string; dlq: string; metrics: string };
  joinWindowMs: number;
  identity: string;
  snapshotEvery: number;
  checkpointRetentionMs: number;
  /**
   * Where the per-minute Parquet report goes (`<lakeDir>/ad_views_report`), the catalog of that lake (opened on
   * first use) and DuckDB's limits for writing it.
   */
  report: { lakeDir: string; catalog: () => LakeCatalog; duckdb: DuckDbSettings };
  onClose?: (close: () => Promise<void>) => void;
}

interface Held {
  state: AdPartitionState;
  at: AdOffsets;
  sinceSnapshot: number;
}

/** Create the ad stream activities (one reader, producer and held state per worker process). */
export function createAdsActivities(deps: AdsActivityDeps) {
  const reader = new OffsetReader(deps.kafka);
  const held = new Map<string, Held>();
  let producer: Promise<Producer> | undefined;
  const getProducer = () =>
    (producer ??= (async () => {
      const p = deps.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await p.connect();
      return p;
    })().catch((err) => ((producer = undefined), Promise.reject(err))));
  deps.onClose?.(async () => {
    await reader.close().catch(() => undefined);
    const p = await producer?.catch(() => undefined);
    await p?.disconnect().catch(() => undefined);
  });
  let migrated: Promise<unknown> | undefined;
  const db = async () => {
    const pool = deps.pool();
    await (migrated ??= migratePostgres(pool).catch((err) => ((migrated = undefined), Promise.reject(err))));
    return { pool, checkpoints: createAdCheckpoints(pool) };
  };
  const streamIdOf = () => Context.current().info.workflowExecution?.workflowId ?? 'unknown-ads-stream';

  return {
    /** Run one micro-batch of the ad stream's partitions (of `input.group`) from `input.start`. */
    async runAdsMicroBatch(input: MicroBatchInput): Promise<MicroBatchSummary> {
      const t0 = Date.now();
      const ctx = Context.current();
      const streamId = streamIdOf();
      const beat = setInterval(() => ctx.heartbeat(), 1000);
      const open: number[] = [];
      try {
        const { pool, checkpoints } = await db();
        const ends = await reader.endOffsets(deps.topics.impressions);
        const partitions = Object.keys(ends)
          .map(Number)
          .filter((p) => inPartitionGroup(p, input.group));
        const restored: number[] = [];
        const batches = new Map<number, { h: Held; b: AdBatch; start: AdOffsets }>();
        for (const p of partitions) {
          const start = { imp: input.start[p] ?? 0, clk: input.start[clickKey(p)] ?? 0 };
          let h = held.get(`${streamId}#${p}`);
          let rewrite: [string, AdCell][] = [];
          if (!h || h.at.imp !== start.imp || h.at.clk !== start.clk) {
            h = {
              state: await checkpoints.restore(streamId, p, start, deps.joinWindowMs),
              at: start,
              sinceSnapshot: 0,
            };
            // Cells of minutes still open at the restored point are deleted and written again from the state, so
            // nothing a batch after `start` wrote outlives the recomputation (taken before this batch evicts any).
            await discardAdBatchesFrom(pool, streamId, p, start, h.state.watermarkMs - deps.joinWindowMs - 60_000);
            rewrite = [...h.state.cells];
            held.set(`${streamId}#${p}`, h);
            if (start.imp > 0 || start.clk > 0) restored.push(p);
          }
          open.push(p);
          const b = beginAdBatch(h.state, input.watermarkMs);
          for (const [k, c] of rewrite) b.dirty.set(k, c);
          batches.set(p, { h, b, start });
        }
        const tRead = Date.now();
        const imp = await reader.read({
          topic: deps.topics.impressions,
          start: Object.fromEntries(open.map((p) => [p, batches.get(p)!.start.imp])),
          maxMessages: input.maxMessages,
          include: (p) => open.includes(p),
          onMessages: (p, msgs) => foldImpressions(batches.get(p)!.h.state, batches.get(p)!.b, msgs, deps.networkOf),
        });
        const clk = await reader.read({
          topic: deps.topics.clicks,
          start: Object.fromEntries(open.map((p) => [p, batches.get(p)!.start.clk])),
          maxMessages: input.maxMessages,
          include: (p) => open.includes(p),
          onMessages: (p, msgs) => foldClicks(batches.get(p)!.h.state, batches.get(p)!.b, msgs),
        });
        const tSink = Date.now();
        const records: AdCheckpointWrite[] = [];
        const sinks = open.map((p) => {
          const { h, b, start } = batches.get(p)!;
          finishAdBatch(h.state, b);
          const end = { imp: imp.next[p] ?? start.imp, clk: clk.next[p] ?? start.clk };
          if (end.imp !== start.imp || end.clk !== start.clk) {
            records.push({ partition: p, kind: 'delta', start, end, delta: b.delta });
            if (++h.sinceSnapshot >= deps.snapshotEvery) {
              records.push({ partition: p, kind: 'snapshot', start: end, end, delta: h.state.snapshot() });
              h.sinceSnapshot = 0;
            }
          }
          return { partition: p, start, end, b };
        });
        await writeAdBatches(
          pool,
          streamId,
          sinks.map((s) => ({
            partition: s.partition,
            start: s.start,
            watermarkMs: s.b.delta.watermarkMs,
            cells: [...s.b.dirty.values()],
            joined: s.b.joined,
            rejects: s.b.rejects,
          })),
        );
        const producer = await getProducer();
        for (const s of sinks) {
          await publishAdDeadLetters(producer, deps.topics.dlq, s.partition, deps.topics, s.b.deadLetters);
          await publishAdMetrics(producer, deps.topics.metrics, s.partition, [...s.b.dirty.values()]);
        }
        const tc = Date.now();
        const written = checkpoints.write(streamId, records);
        // Test-only: SIGKILL this worker while the checkpoint write is in flight (test/ads-stream.test.ts).
        if (failpoint('ads-checkpoint-write')) setTimeout(() => process.kill(process.pid, 'SIGKILL'), 2);
        const bytes = await written;
        for (const r of records)
          if (r.kind === 'snapshot') await checkpoints.prune(streamId, r.partition, deps.checkpointRetentionMs);
        for (const s of sinks) batches.get(s.partition)!.h.at = s.end;
        const sum = (f: (b: AdBatch) => number) => sinks.reduce((n, s) => n + f(s.b), 0);
        const next: Offsets = {};
        const lagOf = (r: typeof imp, key: (p: number) => number) => {
          let lag = 0;
          for (const p of open) {
            next[key(p)] = r.next[p] ?? 0;
            lag += Math.max(0, (r.end[p] ?? 0) - (r.next[p] ?? 0));
          }
          return lag;
        };
        const lag = lagOf(imp, (p) => p) + lagOf(clk, clickKey);
        return {
          next,
          // Per topic partition: the watermark is the minimum over both topics, so neither side runs ahead of the other.
          maxEventTimeMs: Object.fromEntries(
            sinks.flatMap((s) => [
              ...(s.b.maxImpressionMs === undefined ? [] : [[s.partition, s.b.maxImpressionMs]]),
              ...(s.b.maxClickMs === undefined ? [] : [[clickKey(s.partition), s.b.maxClickMs]]),
            ]),
          ),
          read: imp.count + clk.count,
          accepted: sum((b) => b.stats.impressions + b.stats.clicks),
          deadLettered: sum((b) => b.stats.deadLettered + b.stats.orphanClicks),
          late: sum((b) => b.stats.late),
          duplicates: sum((b) => b.stats.duplicates),
          lag,
          behind: [
            ...open.filter((p) => (imp.next[p] ?? 0) < (imp.end[p] ?? 0)),
            ...open.filter((p) => (clk.next[p] ?? 0) < (clk.end[p] ?? 0)).map(clickKey),
          ],
          tookMs: Date.now() - t0,
          worker: deps.identity,
          restored,
          checkpoint: { bytes, ms: Date.now() - tc },
          stagesMs: { restore: tRead - t0, readFold: tSink - tRead, sinks: tc - tSink, checkpoint: Date.now() - tc },
        };
      } catch (err) {
        for (const p of open) held.delete(`${streamId}#${p}`); // the retry restores from the checkpoints
        throw toTemporalFailure(err);
      } finally {
        clearInterval(beat);
      }
    },

    /**
     * Write the Parquet report of the minutes that closed: those ending, with the join window, before the round's
     * watermark `watermarkMs` (every partition applied at least that), from `fromMs` on (all when absent), and
     * register them in the lake catalog with this workflow run as producer. Returns the exclusive end of the
     * minutes now reported.
     */
    async writeAdReports(input: {
      watermarkMs: number;
      fromMs?: number;
    }): Promise<{ throughMs: number; files: number; nextAtWatermarkMs: number }> {
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), 2000);
      try {
        const fromMs = input.fromMs ?? 0;
        // Minute m is final once the watermark is past m + 1 min + join window (cells are dropped then too).
        const throughMs = Math.max(fromMs, Math.floor((input.watermarkMs - deps.joinWindowMs - 1) / 60_000) * 60_000);
        const nextAtWatermarkMs = throughMs + 60_000 + deps.joinWindowMs + 1;
        if (throughMs === fromMs) return { throughMs, files: 0, nextAtWatermarkMs };
        const { pool } = await db();
        const run = ctx.info.workflowExecution;
        const target = {
          lakeDir: deps.report.lakeDir,
          catalog: deps.report.catalog(),
          producer: run ? `${run.workflowId}/${run.runId}` : `activity/${ctx.info.activityId}`,
        };
        const files = await writeAdReportFiles(pool, streamIdOf(), target, fromMs, throughMs, deps.report.duckdb);
        return { throughMs, files, nextAtWatermarkMs };
      } catch (err) {
        throw toTemporalFailure(err);
      } finally {
        clearInterval(beat);
      }
    },

    /**
     * Rewind to stream time `toMs` (Kafka record time): per partition, the last checkpointed boundary at or before
     * the first records at or after `toMs` in both topics. The next batch restores the state there and rewrites.
     */
    async rewindAds(input: { toMs: number; current: Offsets }): Promise<Record<number, PartitionRewind>> {
      const admin = deps.kafka.admin();
      try {
        await admin.connect();
        const { checkpoints } = await db();
        const streamId = streamIdOf();
        const [impAt, clkAt] = await Promise.all([
          offsetsAtTime(admin, deps.topics.impressions, input.toMs),
          offsetsAtTime(admin, deps.topics.clicks, input.toMs),
        ]);
        const out: Record<number, PartitionRewind> = {};
        for (const p of Object.keys(impAt).map(Number)) {
          const cur = { imp: input.current[p] ?? 0, clk: input.current[clickKey(p)] ?? 0 };
          const target = { imp: impAt[p] ?? 0, clk: clkAt[p] ?? 0 };
          if (target.imp >= cur.imp && target.clk >= cur.clk) continue;
          const b = (await checkpoints.boundaries(streamId, p)).find(
            (x) => x.imp <= target.imp && x.clk <= target.clk,
          ) ?? { imp: 0, clk: 0 };
          // The state's largest event times there give the workflow back the watermark it had at that point.
          const state = await checkpoints.restore(streamId, p, b, deps.joinWindowMs);
          out[p] = { offset: b.imp, deleted: 0, maxEventMs: state.maxImpressionMs ?? null };
          out[clickKey(p)] = { offset: b.clk, deleted: 0, maxEventMs: state.maxClickMs ?? null };
        }
        return out;
      } catch (err) {
        throw toTemporalFailure(err);
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}
