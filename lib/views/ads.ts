/**
 * `GET /api/ads`: the ad-analytics stream's metrics (issue 10) per time bucket and optional groups, read from
 * PostgreSQL (`ad_metrics_minute_partition` of one stream id, summed over its partitions). Money is summed in
 * integer micro-units in SQL and printed as exact decimals with 6 places; rates are computed from the sums.
 * Bounded like `/api/viewership`: validated parameters (400 naming the bad one), at most `maxBuckets` rows read
 * (LIMIT in the query), a statement timeout and a cancel of the running statement when the request's deadline
 * signal aborts.
 */
import type pg from 'pg';
import { z } from 'zod/v4';
import { TooManyBucketsError, narrowing } from './bounds.js';
import {
  BadParameterError,
  INTERVALS,
  checkRange,
  csv,
  intervalParam,
  limitParam,
  parseParams,
  time,
  type Interval,
  type QueryLimits,
} from './params.js';

/** Dimensions `/api/ads` can group by (columns of `ad_metrics_minute_partition`). */
export const AD_DIMENSIONS = ['campaign_id', 'network_id', 'ad_category', 'device', 'location'] as const;
/** One groupable ad dimension. */
export type AdDimension = (typeof AD_DIMENSIONS)[number];

/** A validated ads query. */
export interface AdsQuery {
  fromMs: number;
  toMs: number;
  interval: Interval;
  groupBy: AdDimension[];
  /** Keep the `limit` groups with most impressions per bucket (needs groupBy); undefined = all. */
  limit?: number;
}

/** The metrics of a bucket (or of the whole range). */
export interface AdMetrics {
  impressions: number;
  clicks: number;
  /** Decimal strings with 6 places, exact (integer micro-units summed). */
  impressionCost: string;
  clickCost: string;
  cost: string;
  /** clicks / impressions, rounded half up to 6 places; null without impressions. */
  ctr: number | null;
  /** click cost / clicks (6 places, half up on the micro-unit); null without clicks. */
  cpc: string | null;
  /** impression cost / impressions; null without impressions. */
  cpi: string | null;
  /** Mean view time of an impression, ms (6 places); null without impressions. */
  avgViewMs: number | null;
  unknownCampaignImpressions: number;
}

/** One time bucket (clipped to [from, to)) and group. */
export interface AdsBucket {
  start: string;
  end: string;
  group: Partial<Record<AdDimension, string>>;
  metrics: AdMetrics;
}

/** The answer of `/api/ads`. */
export interface AdsResult {
  from: string;
  to: string;
  interval: Interval;
  groupBy: AdDimension[];
  /** The ad stream (workflow id) whose rows are answered. */
  streamId: string;
  /** Buckets with impressions or clicks, by time, then most impressions first. */
  buckets: AdsBucket[];
  /** Over the whole range (every group, also those a limit leaves out). */
  total: AdMetrics;
}

/** The query parameters of `GET /api/ads`: validates the request and documents it in `/openapi.json`. */
export const ADS_QUERY = z.strictObject({
  from: time('from')
    .optional()
    .describe(
      'Start (inclusive; minutes starting at or after it): YYYY-MM-DD (UTC), ISO time with zone, or epoch ms. Default: one hour before `to`',
    )
    .meta({ example: '2026-11-23T10:00:00Z' }),
  to: time('to').optional().describe('End (exclusive), same formats. Default: now'),
  interval: intervalParam('Bucket width (UTC-aligned)'),
  groupBy: csv('groupBy', AD_DIMENSIONS)
    .default([])
    .describe(`Comma-separated dimensions: ${AD_DIMENSIONS.join(', ')}`)
    .meta({ example: 'campaign_id' }),
  limit: limitParam(
    'Keep the N groups with most impressions per bucket (needs groupBy); `total` still covers every group',
  ),
});

/** Validate `/api/ads` parameters (defaults: the hour before now, by hour); a bad one is a `BadParameterError` naming it. */
export function parseAdsQuery(params: URLSearchParams, nowMs: number, limits: QueryLimits = {}): AdsQuery {
  return adsQuery(parseParams(params, ADS_QUERY), nowMs, limits);
}

/** The checks across parameters of an `ADS_QUERY` (range, limit without groupBy) and its defaults. */
export function adsQuery(q: z.output<typeof ADS_QUERY>, nowMs: number, limits: QueryLimits = {}): AdsQuery {
  const { fromMs, toMs } = checkRange(q.from, q.to, q.interval, nowMs, limits);
  if (q.limit !== undefined && q.groupBy.length === 0)
    throw new BadParameterError('limit', 'limit keeps the top groups of each bucket: it needs groupBy');
  return { fromMs, toMs, interval: q.interval, groupBy: q.groupBy, limit: q.limit };
}

/** Micro-units as a decimal with 6 places, exact for any size (`2100n` → `"0.002100"`). */
export function microsText(m: bigint): string {
  const a = m < 0n ? -m : m;
  return `${m < 0n ? '-' : ''}${a / 1_000_000n}.${String(a % 1_000_000n).padStart(6, '0')}`;
}

/** a / n rounded half up to 6 places, computed exactly (no float drift at a half); null when n is 0. */
const ratio6 = (a: bigint, n: bigint): number | null =>
  n === 0n ? null : Number((a * 2_000_000n + n) / (2n * n)) / 1e6;
/** Micro-units per unit of `n`, rounded half up on the micro-unit (as `ads totals`). */
const perUnit = (micros: bigint, n: bigint): string | null =>
  n === 0n ? null : microsText((micros * 2n + n) / (2n * n));

/** Sums of a bucket as PostgreSQL returns them (bigint sums as text). */
interface SumsRow {
  impressions: string | null;
  clicks: string | null;
  imp: string | null;
  clk: string | null;
  view: string | null;
  unknown: string | null;
}

function metricsOf(r: SumsRow): AdMetrics {
  const b = (v: string | null) => BigInt(v ?? '0');
  const impressions = b(r.impressions);
  const clicks = b(r.clicks);
  const imp = b(r.imp);
  const clk = b(r.clk);
  return {
    impressions: Number(impressions),
    clicks: Number(clicks),
    impressionCost: microsText(imp),
    clickCost: microsText(clk),
    cost: microsText(imp + clk),
    ctr: ratio6(clicks, impressions),
    cpc: perUnit(clk, clicks),
    cpi: perUnit(imp, impressions),
    avgViewMs: ratio6(b(r.view), impressions),
    unknownCampaignImpressions: Number(b(r.unknown)),
  };
}

const SUMS = `sum(impressions)::text AS impressions, sum(clicks)::text AS clicks, sum(impression_cost_micros)::text AS imp,
  sum(click_cost_micros)::text AS clk, sum(view_ms)::text AS view, sum(unknown_campaign_impressions)::text AS unknown`;

/** Bounds of one read: the deadline signal (cancels the running statement), the row cap, the statement timeout. */
export interface AdsReadBounds {
  signal?: AbortSignal;
  /** Most buckets (time buckets × groups) the answer may hold; more is a `TooManyBucketsError`. */
  maxBuckets: number;
  /** PostgreSQL `statement_timeout` of each statement, ms. */
  statementTimeoutMs: number;
}

/** Answer a validated query for stream `streamId` from PostgreSQL. */
export async function queryAds(
  pool: pg.Pool,
  streamId: string,
  q: AdsQuery,
  bounds: AdsReadBounds,
): Promise<AdsResult> {
  bounds.signal?.throwIfAborted();
  const intervalS = INTERVALS[q.interval] / 1000;
  // Identifiers from the validated list only; every value is a bind variable.
  const dims = q.groupBy.map((d) => `"${d}"`);
  const dimList = dims.map((d) => `, ${d}`).join('');
  const args = [
    streamId,
    new Date(q.fromMs).toISOString(),
    new Date(q.toMs).toISOString(),
    intervalS,
    q.limit ?? null,
    bounds.maxBuckets + 1,
  ];
  const cells = `SELECT (extract(epoch FROM minute)::bigint / $4::bigint) * $4::bigint AS bucket_s${dimList},
      sum(impressions) AS impressions, sum(clicks) AS clicks, sum(impression_cost_micros) AS imp, sum(click_cost_micros) AS clk,
      sum(view_ms) AS view, sum(unknown_campaign_impressions) AS unknown
    FROM ad_metrics_minute_partition WHERE stream_id = $1 AND minute >= $2::timestamptz AND minute < $3::timestamptz
    GROUP BY 1${dimList}`;
  const bucketsSql = `WITH cells AS (${cells}),
    ranked AS (SELECT *, row_number() OVER (PARTITION BY bucket_s ORDER BY impressions DESC${dimList}) AS rank FROM cells)
    SELECT bucket_s::text AS bucket_s${dimList}, impressions::text AS impressions, clicks::text AS clicks, imp::text AS imp, clk::text AS clk,
      view::text AS view, unknown::text AS unknown
    FROM ranked WHERE $5::integer IS NULL OR rank <= $5::integer ORDER BY bucket_s, rank LIMIT $6`;
  const totalSql = `SELECT ${SUMS} FROM ad_metrics_minute_partition WHERE stream_id = $1 AND minute >= $2::timestamptz AND minute < $3::timestamptz`;

  const client = await pool.connect();
  const pid = (client as unknown as { processID?: number }).processID;
  // The deadline passed or the client went away: stop the statement now instead of at its timeout.
  // Its connection is then closed, never reused: a late cancel must not hit another request's statement.
  let broken: Error | undefined;
  const cancel = () => {
    broken = new Error('statement cancelled at the request deadline');
    if (pid) pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
  };
  bounds.signal?.addEventListener('abort', cancel, { once: true });
  try {
    bounds.signal?.throwIfAborted(); // aborted while waiting for the connection
    await client.query('BEGIN READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(bounds.statementTimeoutMs))}`);
    const rows = (await client.query<SumsRow & Record<string, string>>(bucketsSql, args)).rows;
    if (rows.length > bounds.maxBuckets) {
      const [parameter, advice] = narrowing(q);
      throw new TooManyBucketsError(
        parameter,
        `the answer would have more than ${bounds.maxBuckets} buckets (time buckets × groups): ${advice}`,
      );
    }
    bounds.signal?.throwIfAborted();
    const total = (await client.query<SumsRow>(totalSql, args.slice(0, 3))).rows[0]!;
    await client.query('COMMIT');
    const stepMs = INTERVALS[q.interval];
    return {
      from: new Date(q.fromMs).toISOString(),
      to: new Date(q.toMs).toISOString(),
      interval: q.interval,
      groupBy: q.groupBy,
      streamId,
      buckets: rows.map((r) => {
        const startMs = Number(r.bucket_s) * 1000;
        return {
          start: new Date(Math.max(startMs, q.fromMs)).toISOString(),
          end: new Date(Math.min(startMs + stepMs, q.toMs)).toISOString(),
          group: Object.fromEntries(q.groupBy.map((d) => [d, r[d]!])),
          metrics: metricsOf(r),
        };
      }),
      total: metricsOf(total),
    };
  } catch (err) {
    await client.query('ROLLBACK').catch((e: Error) => void (broken ??= e));
    // The tables do not exist yet (the ad stream never ran its migrations here): nothing to answer.
    if ((err as { code?: string }).code === '42P01') return emptyResult(streamId, q);
    throw err;
  } finally {
    bounds.signal?.removeEventListener('abort', cancel);
    client.release(broken);
  }
}

function emptyResult(streamId: string, q: AdsQuery): AdsResult {
  const zero = metricsOf({ impressions: null, clicks: null, imp: null, clk: null, view: null, unknown: null });
  return {
    from: new Date(q.fromMs).toISOString(),
    to: new Date(q.toMs).toISOString(),
    interval: q.interval,
    groupBy: q.groupBy,
    streamId,
    buckets: [],
    total: zero,
  };
}
