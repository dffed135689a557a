/**
 * Customers' activity from the lake (DuckDB over the catalog's registered partitions only): watch time from
 * the stream's `web_events` (sum of `watch_ms`) and visits from the batch layer's `weblogs` (distinct non-empty
 * `session_id`), for the 90 days up to a refresh, with a per-day series for its last 30 days. Today's hours are
 * included as the stream registers them (one per closed hour).
 */
import type { LakeCatalog } from '../../adapters/catalog/types.js';
import type { LakeTable } from '../../common/lake.js';
import type { DuckSession } from '../batch/duckdb.js';
import { sqlLiteral } from '../fsutil.js';

/** One customer's activity over the window. */
export interface CustomerActivity {
  watchMs90d: number;
  visits90d: number;
  /** Days of the last 30 with activity, in date order. */
  days: { date: string; watchMs: number; visits: number }[];
}

const DAY = 86_400_000;
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const HIVE = `hive_partitioning = true, hive_types = {'date': VARCHAR, 'hour': VARCHAR}`;

async function files(
  catalog: LakeCatalog,
  lakeDir: string,
  table: LakeTable,
  fromDate: string,
  toDate: string,
): Promise<string[]> {
  return (await catalog.list({ table, fromDate, toDate })).flatMap((p) =>
    p.files.map((f) => `${lakeDir}/${table}/${f.path}`),
  );
}

async function loadIds(db: DuckSession, ids: Iterable<string>): Promise<void> {
  await db.run('CREATE OR REPLACE TABLE loyalty_ids (customer_id VARCHAR PRIMARY KEY)');
  const a = await db.conn.createAppender('loyalty_ids');
  for (const id of new Set(ids)) {
    a.appendVarchar(id);
    a.endRow();
  }
  a.closeSync();
}

/** Activity of `ids` in the 90 days (UTC dates) up to `asOf`; customers without any are absent. */
export async function customerActivity(
  db: DuckSession,
  catalog: LakeCatalog,
  lakeDir: string,
  ids: Iterable<string>,
  asOf: Date,
): Promise<Map<string, CustomerActivity>> {
  const to = dateOf(asOf.getTime());
  const from = dateOf(asOf.getTime() - 89 * DAY);
  const from30 = dateOf(asOf.getTime() - 29 * DAY);
  await loadIds(db, ids);
  const [logs, events] = await Promise.all([
    files(catalog, lakeDir, 'weblogs', from, to),
    files(catalog, lakeDir, 'web_events', from, to),
  ]);
  const read = (fs: string[], cols: string, empty: string) =>
    fs.length
      ? `SELECT ${cols} FROM read_parquet([${fs.map(sqlLiteral).join(', ')}], ${HIVE}) WHERE customer_id IN (SELECT customer_id FROM loyalty_ids)`
      : `SELECT ${empty} WHERE false`;
  await db.run(
    `CREATE OR REPLACE TABLE act_visits AS ${read(logs, 'customer_id, date, session_id', "''::VARCHAR AS customer_id, ''::VARCHAR AS date, ''::VARCHAR AS session_id")}`,
  );
  await db.run(`DELETE FROM act_visits WHERE session_id IS NULL OR session_id = ''`);
  await db.run(
    `CREATE OR REPLACE TABLE act_watch AS ${read(events, 'customer_id, date, watch_ms', "''::VARCHAR AS customer_id, ''::VARCHAR AS date, 0::DOUBLE AS watch_ms")}`,
  );
  const totals = await db.rows<{ id: string; w: bigint; v: bigint }>(
    `SELECT customer_id AS id, CAST(coalesce(sum(w), 0) AS BIGINT) AS w, CAST(coalesce(sum(v), 0) AS BIGINT) AS v FROM (
       SELECT customer_id, round(sum(coalesce(watch_ms, 0))) AS w, 0 AS v FROM act_watch GROUP BY customer_id
       UNION ALL SELECT customer_id, 0, count(DISTINCT session_id) FROM act_visits GROUP BY customer_id
     ) GROUP BY customer_id`,
  );
  const days = await db.rows<{ id: string; d: string; w: bigint; v: bigint }>(
    `SELECT customer_id AS id, date AS d, CAST(sum(w) AS BIGINT) AS w, CAST(sum(v) AS BIGINT) AS v FROM (
       SELECT customer_id, date, round(sum(coalesce(watch_ms, 0))) AS w, 0 AS v FROM act_watch WHERE date >= ${sqlLiteral(from30)} GROUP BY ALL
       UNION ALL SELECT customer_id, date, 0, count(DISTINCT session_id) FROM act_visits WHERE date >= ${sqlLiteral(from30)} GROUP BY ALL
     ) GROUP BY ALL ORDER BY customer_id, date`,
  );
  const out = new Map<string, CustomerActivity>();
  for (const t of totals) out.set(t.id, { watchMs90d: Number(t.w), visits90d: Number(t.v), days: [] });
  for (const d of days) out.get(d.id)?.days.push({ date: d.d, watchMs: Number(d.w), visits: Number(d.v) });
  return out;
}

/** Customers with activity in the `weblogs` and `web_events` partitions registered after `since`. */
export async function activeSince(
  db: DuckSession,
  catalog: LakeCatalog,
  lakeDir: string,
  since: Date,
): Promise<string[]> {
  const parts = (await catalog.list()).filter(
    (p) => (p.table === 'weblogs' || p.table === 'web_events') && p.registeredAt > since,
  );
  const fs = parts.flatMap((p) => p.files.map((f) => `${lakeDir}/${p.table}/${f.path}`));
  if (fs.length === 0) return [];
  const rows = await db.rows<{ id: string }>(
    `SELECT DISTINCT customer_id AS id FROM read_parquet([${fs.map(sqlLiteral).join(', ')}], union_by_name = true) WHERE customer_id IS NOT NULL AND customer_id <> '' ORDER BY 1`,
  );
  return rows.map((r) => r.id);
}
