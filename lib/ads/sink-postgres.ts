/**
 * The ad stream's PostgreSQL sink (tables of migration 004/006): per partition, the absolute values of the cells
 * a batch changed (upserted: a retry or a rewind writes the same values again), the clicks it matched (one row
 * per click id), and its rejected-message counters keyed by the batch's start offsets and watermark (upserted; a
 * restore first removes the rows of the batches it recomputes).
 * One transaction per batch.
 */
import type pg from 'pg';
import type { AdRejects } from './fold.js';
import type { AdOffsets } from './checkpoints.js';
import type { AdCell, JoinedClick } from './state.js';

/** What one partition's batch writes. */
export interface AdSinkBatch {
  partition: number;
  start: AdOffsets;
  /** The watermark the batch applied (with `start`, the key of its counter rows). */
  watermarkMs: number;
  cells: AdCell[];
  joined: JoinedClick[];
  rejects: Map<number, AdRejects>;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Write the batches of a micro-batch (all partitions) in one transaction. */
export async function writeAdBatches(pool: pg.Pool, streamId: string, batches: AdSinkBatch[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const cells = batches.flatMap((b) => b.cells.map((c) => ({ p: b.partition, c })));
    if (cells.length) {
      const col = <T>(f: (x: { p: number; c: AdCell }) => T) => cells.map(f);
      await client.query(
        `INSERT INTO ad_metrics_minute_partition (stream_id, partition, minute, campaign_id, network_id, ad_category, device, location,
           impressions, clicks, impression_cost_micros, click_cost_micros, view_ms, unknown_campaign_impressions, updated_at)
         SELECT $1, *, now() FROM unnest($2::int[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
           $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[])
         ON CONFLICT (stream_id, minute, campaign_id, network_id, ad_category, device, location, partition) DO UPDATE SET
           impressions = EXCLUDED.impressions, clicks = EXCLUDED.clicks, impression_cost_micros = EXCLUDED.impression_cost_micros,
           click_cost_micros = EXCLUDED.click_cost_micros, view_ms = EXCLUDED.view_ms, unknown_campaign_impressions = EXCLUDED.unknown_campaign_impressions,
           updated_at = now()`,
        [
          streamId,
          col((x) => x.p),
          col((x) => iso(x.c.minute)),
          col((x) => x.c.campaignId),
          col((x) => x.c.networkId),
          col((x) => x.c.adCategory),
          col((x) => x.c.device),
          col((x) => x.c.location),
          col((x) => x.c.impressions),
          col((x) => x.c.clicks),
          col((x) => x.c.impressionCostMicros),
          col((x) => x.c.clickCostMicros),
          col((x) => x.c.viewMs),
          col((x) => x.c.unknownCampaignImpressions),
        ],
      );
    }
    const joined = batches.flatMap((b) => b.joined.map((j) => ({ p: b.partition, j })));
    if (joined.length) {
      const col = <T>(f: (x: { p: number; j: JoinedClick }) => T) => joined.map(f);
      await client.query(
        `INSERT INTO ad_clicks_joined (stream_id, kafka_partition, click_id, impression_id, click_time, impression_time, minute, campaign_id, network_id,
           ad_id, ad_category, device, location, user_id, click_position, click_cost_micros, impression_cost_micros)
         SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[], $8::text[], $9::text[],
           $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::bigint[], $17::bigint[])
         ON CONFLICT (stream_id, click_id) DO UPDATE SET impression_id = EXCLUDED.impression_id, network_id = EXCLUDED.network_id`,
        [
          streamId,
          col((x) => x.p),
          col((x) => x.j.clickId),
          col((x) => x.j.impressionId),
          col((x) => iso(x.j.clickTime)),
          col((x) => iso(x.j.impressionTime)),
          col((x) => iso(x.j.cell.minute)),
          col((x) => x.j.cell.campaignId),
          col((x) => x.j.cell.networkId),
          col((x) => x.j.adId),
          col((x) => x.j.cell.adCategory),
          col((x) => x.j.cell.device),
          col((x) => x.j.cell.location),
          col((x) => x.j.userId),
          col((x) => x.j.position),
          col((x) => x.j.clickCostMicros),
          col((x) => x.j.impressionCostMicros),
        ],
      );
    }
    const rejects = batches.flatMap((b) => [...b.rejects].map(([minute, r]) => ({ b, minute, r })));
    // A retried batch restored its state first, which removed the failed attempt's rows (`discardAdBatchesFrom`);
    // a batch that reads nothing at the same offsets and watermark finds nothing new: upsert, never delete here.
    if (rejects.length) {
      const col = <T>(f: (x: (typeof rejects)[number]) => T) => rejects.map(f);
      await client.query(
        `INSERT INTO ad_stream_counters (stream_id, partition, imp_start, clk_start, watermark_ms, minute, orphan_clicks, duplicates, late, dead_lettered)
         SELECT $1, * FROM unnest($2::int[], $3::bigint[], $4::bigint[], $10::bigint[], $5::timestamptz[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[])
         ON CONFLICT (stream_id, partition, imp_start, clk_start, watermark_ms, minute) DO UPDATE SET orphan_clicks = EXCLUDED.orphan_clicks,
           duplicates = EXCLUDED.duplicates, late = EXCLUDED.late, dead_lettered = EXCLUDED.dead_lettered`,
        [
          streamId,
          col((x) => x.b.partition),
          col((x) => x.b.start.imp),
          col((x) => x.b.start.clk),
          col((x) => iso(x.minute)),
          col((x) => x.r.orphanClicks),
          col((x) => x.r.duplicates),
          col((x) => x.r.late),
          col((x) => x.r.deadLettered),
          col((x) => x.b.watermarkMs),
        ],
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Remove what batches of `partition` from `from` on wrote that a restore will write again: their counter rows, and
 * every metric cell of a minute still open at the restored watermark (`openFromMs` = watermark − join window − 1 min:
 * the restored state holds all of those, and the batch rewrites them; a cell created after `from` — e.g. under a
 * network the campaigns file has changed since — must not survive beside its recomputation).
 */
export async function discardAdBatchesFrom(
  pool: pg.Pool,
  streamId: string,
  partition: number,
  from: AdOffsets,
  openFromMs: number,
): Promise<number> {
  const r = await pool.query(
    'DELETE FROM ad_stream_counters WHERE stream_id = $1 AND partition = $2 AND (imp_start >= $3 AND clk_start >= $4)',
    [streamId, partition, from.imp, from.clk],
  );
  const c = await pool.query(
    'DELETE FROM ad_metrics_minute_partition WHERE stream_id = $1 AND partition = $2 AND minute >= $3',
    [streamId, partition, new Date(openFromMs).toISOString()],
  );
  return (r.rowCount ?? 0) + (c.rowCount ?? 0);
}
