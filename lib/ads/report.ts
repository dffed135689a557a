/**
 * The per-minute ad report in the lake: for each closed minute (final once the watermark has passed its end plus
 * the join window, so no click can still be attributed to it), one Parquet file per network under
 * `<LAKE_DIR>/ad_views_report/network_id=<n>/minute=<YYYY-MM-DDTHH:MM>/part-0.parquet` with `campaign_id`,
 * `avg_duration` (mean view ms), `total_count` (impressions), `clicks`, `ctr` and `cost` (exact, 6 places),
 * summed over the stream's partitions from PostgreSQL, and registered in the lake catalog (table
 * `ad_views_report`). The files are written aside; one catalog transaction registers them all (replacing the
 * entries of a re-run's minutes, and dropping those of networks a re-written minute no longer has) and moves the
 * files into place just before it commits, so catalog readers see a minute's new report with its registration.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import type pg from 'pg';
import type { LakeCatalog, PartitionRegistration } from '../../adapters/catalog/types.js';
import { partitionPath } from '../../common/lake.js';
import { withDuckDb, type DuckDbSettings } from '../batch/duckdb.js';
import { sqlLiteral } from '../fsutil.js';
import { describeParquetFiles } from '../lake/files.js';

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

/** Where the report goes: the lake root, the catalog of that lake and the producing run (`workflowId/runId`). */
export interface AdReportTarget {
  lakeDir: string;
  catalog: LakeCatalog;
  producer: string;
}

/**
 * Write and register the report partitions of the minutes in [fromMs, toMs) of stream `streamId`; returns the
 * partitions (files) written. Minutes without rows keep what they had.
 */
export async function writeAdReports(
  pool: pg.Pool,
  streamId: string,
  target: AdReportTarget,
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
    const k = partitionPath({
      network_id: networkPartition(row.network_id),
      minute: minutePartition(row.minute.getTime()),
    });
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(row);
  }
  if (groups.size === 0) return 0;
  const table = adReportDir(target.lakeDir);
  const num = (v: number | null) => (v === null ? 'NULL' : String(v));
  const parts: PartitionRegistration[] = [];
  await withDuckDb(duck, async (db) => {
    for (const [path, rows] of groups) {
      const dir = `${table}/${path}`;
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
      const [file] = await describeParquetFiles(db, table, [tmp]);
      parts.push({
        values: {
          network_id: networkPartition(rows[0]!.network_id),
          minute: minutePartition(rows[0]!.minute.getTime()),
        },
        files: [{ ...file!, path: `${path}/part-0.parquet` }],
      });
    }
  });
  // A re-written minute keeps only the networks it has now: older registrations and directories of it go.
  const minutes = new Set(parts.map((p) => p.values.minute!));
  const days = [...minutes].map((m) => m.slice(0, 10)).sort();
  const stale = (await target.catalog.list({ table: 'ad_views_report', fromDate: days[0], toDate: days.at(-1) }))
    .filter((p) => minutes.has(p.values.minute ?? '') && !groups.has(p.path))
    .map((p) => p.path);
  await target.catalog.register(
    'ad_views_report',
    parts,
    target.producer,
    { paths: stale },
    {
      beforeCommit: async () => {
        for (const p of parts)
          renameSync(`${table}/${partitionPath(p.values)}/.part-0.parquet.tmp`, `${table}/${p.files[0]!.path}`);
      },
    },
  );
  for (const path of strayPartitions(table, minutes, groups))
    rmSync(`${table}/${path}`, { recursive: true, force: true });
  return groups.size;
}

/** Partition directories of `minutes` on disk that are not among `current` (networks a re-written minute lost). */
function strayPartitions(table: string, minutes: Set<string>, current: Map<string, unknown>): string[] {
  if (!existsSync(table)) return [];
  const out: string[] = [];
  for (const n of readdirSync(table).filter((d) => d.startsWith('network_id=')))
    for (const m of minutes) {
      const path = `${n}/minute=${m}`;
      if (!current.has(path) && existsSync(`${table}/${path}`)) out.push(path);
    }
  return out;
}
