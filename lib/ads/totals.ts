/**
 * `ads totals`: the ad stream's totals over impression event time [from, to), read back from PostgreSQL —
 * impressions, matched clicks and money from the per-minute metrics; orphans, duplicates, late messages and dead
 * letters from the rejected-message counters (by their own event time, or Kafka time when they have none).
 * Money is summed in integer micro-units and printed as decimals with 6 places.
 */
import type pg from 'pg';
import { microsToDecimal } from '../../common/ads.js';

/** The JSON `ads totals --json` prints (the shape issue 10 specifies). */
export interface AdTotals {
  from: string;
  to: string;
  impressions: number;
  clicks: number;
  orphanClicks: number;
  duplicates: number;
  late: number;
  deadLettered: number;
  impressionCost: string;
  clickCost: string;
  cost: string;
  ctr: number | null;
  cpc: string | null;
  cpi: string | null;
  avgViewMs: number | null;
  unknownCampaignImpressions: number;
  byCampaign: Record<string, { impressions: number; clicks: number; cost: string; ctr: number | null }>;
  byNetwork: Record<string, { impressions: number; clicks: number; cost: string }>;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
/** Micro-units divided by a count, as a 6-place decimal (rounded half up on the micro-unit). */
const perUnit = (micros: bigint, n: number): string | null =>
  n === 0 ? null : microsToDecimal(Number((micros * 2n + BigInt(n)) / (2n * BigInt(n))));

/** Read the totals of stream `streamId` over [from, to). */
export async function adTotals(pool: pg.Pool, streamId: string, from: Date, to: Date): Promise<AdTotals> {
  const args = [streamId, from.toISOString(), to.toISOString()];
  const range = 'stream_id = $1 AND minute >= $2 AND minute < $3';
  const sums = `sum(impressions)::text AS impressions, sum(clicks)::text AS clicks, sum(impression_cost_micros)::text AS imp, sum(click_cost_micros)::text AS clk,
    sum(view_ms)::text AS view, sum(unknown_campaign_impressions)::text AS unknown`;
  const [all, byCampaign, byNetwork, rejects] = await Promise.all([
    pool.query(`SELECT ${sums} FROM ad_metrics_minute_partition WHERE ${range}`, args),
    pool.query(
      `SELECT campaign_id AS k, ${sums} FROM ad_metrics_minute_partition WHERE ${range} GROUP BY campaign_id`,
      args,
    ),
    pool.query(
      `SELECT network_id AS k, ${sums} FROM ad_metrics_minute_partition WHERE ${range} GROUP BY network_id`,
      args,
    ),
    pool.query(
      `SELECT coalesce(sum(orphan_clicks), 0)::text AS orphans, coalesce(sum(duplicates), 0)::text AS dups, coalesce(sum(late), 0)::text AS late,
      coalesce(sum(dead_lettered), 0)::text AS dead FROM ad_stream_counters WHERE ${range}`,
      args,
    ),
  ]);
  const n = (v: unknown) => Number(v ?? 0);
  const b = (v: unknown) => BigInt((v as string | null) ?? '0');
  const a = all.rows[0]!;
  const impressions = n(a.impressions);
  const clicks = n(a.clicks);
  const group = (r: Record<string, unknown>) => ({
    impressions: n(r.impressions),
    clicks: n(r.clicks),
    cost: microsToDecimal(Number(b(r.imp) + b(r.clk))),
  });
  const r = rejects.rows[0]!;
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    impressions,
    clicks,
    orphanClicks: n(r.orphans),
    duplicates: n(r.dups),
    late: n(r.late),
    // Orphan clicks are dead-lettered too; this counts the malformed ones (orphans and late are listed apart).
    deadLettered: n(r.dead),
    impressionCost: microsToDecimal(Number(b(a.imp))),
    clickCost: microsToDecimal(Number(b(a.clk))),
    cost: microsToDecimal(Number(b(a.imp) + b(a.clk))),
    ctr: impressions ? round6(clicks / impressions) : null,
    cpc: perUnit(b(a.clk), clicks),
    cpi: perUnit(b(a.imp), impressions),
    avgViewMs: impressions ? round6(n(a.view) / impressions) : null,
    unknownCampaignImpressions: n(a.unknown),
    byCampaign: Object.fromEntries(
      byCampaign.rows.map((row) => {
        const g = group(row);
        return [String(row.k), { ...g, ctr: g.impressions ? round6(g.clicks / g.impressions) : null }];
      }),
    ),
    byNetwork: Object.fromEntries(byNetwork.rows.map((row) => [String(row.k), group(row)])),
  };
}
