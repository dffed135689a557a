/**
 * The per-minute ad report in the lake: for each closed minute (final once the watermark has passed its end plus
 * the join window, so no click can still be attributed to it), one Parquet file per network under
 * `<LAKE_DIR>/ad_views_report/network_id=<n>/minute=<YYYY-MM-DDTHH:MM>/part-0.parquet` with `campaign_id`,
 * `avg_duration` (mean view ms), `total_count` (impressions), `clicks`, `ctr` and `cost` (exact, 6 places),
 * summed over the stream's partitions from PostgreSQL. A re-run replaces a minute's files (written aside, renamed).
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import type pg from 'pg';
import { withDuckDb, type DuckDbSettings } from '../batch/duckdb.js';
import { sqlLiteral } from '../fsutil.js';

/** Directory of the report table under a lake root. */
export const adReportDir = (lakeDir: string): string => `${lakeDir}/ad_views_report`;

/** Hive partition value of a network id (path-safe: `/`, `%`, `=` and control characters escaped as %XX). */
export const networkPartition = (networkId: string): string =>
  networkId.replace(/[%/=\\\u0000-\u001f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);

/** `YYYY-MM-DDTHH:MM` of a minute start. */
export const minutePartition = (ms: number): string => new Date(ms).toISOString().slice(0, 16);

interface Row {
  network_id: string;
  minute: Date;
  campaign_id: string;
  avg_duration: number | null;
  total_count: string;
  clicks: string;
  ctr: number | null;
  cost: string;
}

/** Write the report files of the minutes in [fromMs, toMs) of stream `streamId`; returns the files written. */
export async function writeAdReports(
  pool: pg.Pool,
  streamId: string,
  lakeDir: string,
  fromMs: number,
  toMs: number,
  duck: DuckDbSettings,
): Promise<number> {
  const r = await pool.query<Row>(
    `SELECT network_id, minute, campaign_id,
       (sum(view_ms)::double precision / nullif(sum(impressions), 0)) AS avg_duration,
       sum(impressions)::text AS total_count, sum(clicks)::text AS clicks,
       (sum(clicks)::double precision / nullif(sum(impressions), 0)) AS ctr,
       round((sum(impression_cost_micros) + sum(click_cost_micros)) / 1e6, 6)::text AS cost
     FROM ad_metrics_minute_partition WHERE stream_id = $1 AND minute >= $2 AND minute < $3
     GROUP BY network_id, minute, campaign_id ORDER BY network_id, minute, campaign_id`,
    [streamId, new Date(fromMs).toISOString(), new Date(toMs).toISOString()],
  );
  const groups = new Map<string, Row[]>();
  for (const row of r.rows) {
    const k = `${networkPartition(row.network_id)}\u0000${minutePartition(row.minute.getTime())}`;
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(row);
  }
  if (groups.size === 0) return 0;
  const num = (v: number | null) => (v === null ? 'NULL' : String(v));
  await withDuckDb(duck, async (db) => {
    for (const [k, rows] of groups) {
      const [network, minute] = k.split('\u0000') as [string, string];
      const dir = `${adReportDir(lakeDir)}/network_id=${network}/minute=${minute}`;
      mkdirSync(dir, { recursive: true });
      const tmp = `${dir}/.part-0.parquet.tmp`;
      rmSync(tmp, { force: true });
      const values = rows
        .map(
          (x) =>
            `(${sqlLiteral(x.campaign_id)}, ${num(x.avg_duration)}::DOUBLE, ${x.total_count}::BIGINT, ${x.clicks}::BIGINT, ${num(x.ctr)}::DOUBLE, ${sqlLiteral(x.cost)}::DECIMAL(18, 6))`,
        )
        .join(', ');
      await db.run(
        `COPY (SELECT * FROM (VALUES ${values}) AS t(campaign_id, avg_duration, total_count, clicks, ctr, cost) ORDER BY campaign_id) TO ${sqlLiteral(tmp)} (FORMAT parquet)`,
      );
      renameSync(tmp, `${dir}/part-0.parquet`);
    }
  });
  return groups.size;
}
