/**
 * Fixtures of the loyalty test: a lake partition written for given customers (full `weblogs`/`web_events` schema,
 * registered in the catalog like the pipeline does), and the independent expectation of loyalty rows computed by
 * PostgreSQL from the source tables (NUMERIC sums, CASE rules re-stated from the documented formula).
 */
import type pg from 'pg';
import type { LakeCatalog } from '../adapters/catalog/types.js';
import { LAKE_COLUMNS } from '../common/lake.js';
import { withDuckDb } from '../lib/batch/duckdb.js';
import { sqlLiteral } from '../lib/fsutil.js';
import { describeParquetFiles } from '../lib/lake/files.js';

/** Write one hour of `table` with `rows` (missing columns NULL) under `lakeDir` and register it. */
export async function writeLakeHour(
  catalog: LakeCatalog,
  lakeDir: string,
  table: 'weblogs' | 'web_events',
  date: string,
  rows: Record<string, string | number>[],
): Promise<void> {
  const dir = `${lakeDir}/${table}/date=${date}/hour=12`;
  await withDuckDb({ memoryLimit: '256MB', threads: 1, tempDir: `${lakeDir}/../duck-tmp` }, async (db) => {
    const lit = (v: string | number | undefined, t: string) =>
      v === undefined ? `CAST(NULL AS ${t})` : `CAST(${typeof v === 'number' ? v : sqlLiteral(v)} AS ${t})`;
    const select = rows
      .map((r) => `SELECT ${LAKE_COLUMNS[table].map(([c, t]) => `${lit(r[c], t)} AS ${c}`).join(', ')}`)
      .join(' UNION ALL ');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    await db.run(`COPY (${select}) TO ${sqlLiteral(`${dir}/part-0.parquet`)} (FORMAT parquet)`);
    await catalog.register(
      table,
      [
        {
          values: { date, hour: '12' },
          files: await describeParquetFiles(db, `${lakeDir}/${table}`, [`${dir}/part-0.parquet`]),
        },
      ],
      'loyalty-test',
      { date },
    );
  });
}

/** Expected loyalty figures of `ids` at `asOf`, from the source tables; `watch` is each customer's watch time in the window. */
export async function expectedLoyalty(
  db: pg.Pool,
  ids: string[],
  asOf: Date,
  watch: Record<string, number>,
): Promise<Record<string, Record<string, unknown>>> {
  const { rows } = await db.query(
    `WITH o AS (
       SELECT customer_id,
         count(*) FILTER (WHERE status = 'paid' AND created_at > $2::timestamptz - interval '90 days')::int AS o90,
         coalesce(sum(amount) FILTER (WHERE status = 'paid' AND created_at > $2::timestamptz - interval '90 days'), 0) AS p90,
         count(*) FILTER (WHERE status = 'paid')::int AS olife,
         coalesce(sum(amount) FILTER (WHERE status = 'refunded'), 0) AS refunded,
         max(created_at) FILTER (WHERE status = 'paid') AS last
       FROM orders WHERE customer_id = ANY($1::text[]) AND created_at <= $2::timestamptz GROUP BY customer_id),
     w AS (SELECT key AS customer_id, value::bigint AS ms FROM jsonb_each_text($3::jsonb)),
     b AS (
       SELECT p.customer_id, p.signup_date, coalesce(o.o90, 0) AS o90, coalesce(o.p90, 0) AS p90, coalesce(o.olife, 0) AS olife, coalesce(o.refunded, 0) AS refunded,
         floor(coalesce(o.p90, 0))::bigint + coalesce(w.ms, 0) / 3600000 AS points,
         CASE WHEN o.last IS NULL THEN NULL ELSE floor(extract(epoch FROM $2::timestamptz - o.last) / 86400) END AS days
       FROM customer_profiles p LEFT JOIN o USING (customer_id) LEFT JOIN w USING (customer_id) WHERE p.customer_id = ANY($1::text[])),
     s AS (
       SELECT b.*,
         CASE WHEN points >= 500 THEN 'gold' WHEN points >= 100 THEN 'silver' ELSE 'bronze' END AS tier,
         CASE WHEN days <= 7 THEN 5 WHEN days <= 30 THEN 4 WHEN days <= 60 THEN 3 WHEN days <= 90 THEN 2 ELSE 1 END AS r,
         CASE WHEN o90 >= 10 THEN 5 WHEN o90 >= 6 THEN 4 WHEN o90 >= 3 THEN 3 WHEN o90 >= 1 THEN 2 ELSE 1 END AS f,
         CASE WHEN p90 >= 200 THEN 5 WHEN p90 >= 100 THEN 4 WHEN p90 >= 50 THEN 3 WHEN p90 > 0 THEN 2 ELSE 1 END AS m
       FROM b),
     g AS (
       SELECT s.*, CASE
         WHEN signup_date IS NOT NULL AND $2::timestamptz - signup_date::timestamp AT TIME ZONE 'UTC' <= interval '30 days' THEN 'new'
         WHEN olife = 0 THEN 'prospect'
         WHEN r >= 4 AND f >= 4 AND m >= 4 THEN 'champion'
         WHEN r >= 3 AND f >= 3 THEN 'loyal'
         WHEN r <= 2 AND olife >= 3 THEN 'at_risk'
         WHEN r = 1 THEN 'hibernating'
         ELSE 'regular' END AS segment
       FROM s)
     SELECT g.customer_id, g.points::int AS points, g.tier, g.segment, g.r, g.f, g.m, g.o90, g.p90::numeric(14,2)::text AS p90, g.olife,
       g.refunded::numeric(14,2)::text AS refunded,
       coalesce((SELECT json_agg(rule_id ORDER BY priority, rule_id) FROM loyalty_promotion_rules x
                 WHERE x.active AND (x.tier IS NULL OR x.tier = g.tier) AND (x.segment IS NULL OR x.segment = g.segment)), '[]') AS promotions
     FROM g ORDER BY customer_id`,
    [ids, asOf.toISOString(), JSON.stringify(watch)],
  );
  return Object.fromEntries(rows.map((r) => [r.customer_id, r]));
}
