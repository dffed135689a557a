/**
 * aggregate step: the day's lake partition joined with the profile snapshot (SCD1, as of run time) and the
 * HTTP status reference, reduced to the batch view's documents: a day total and breakdowns by
 * dimensions (country × plan × device × status category), hour, status code, top paths and top content.
 */
import type { ValidationReport } from '../../common/batch.js';
import type { StatusReference } from '../../common/status.js';
import type { ProfilesStore } from '../../adapters/profiles/types.js';
import { sqlLiteral } from '../fsutil.js';
import type { DuckSession } from './duckdb.js';

/** One batch-view document with its deterministic id. */
export interface BatchDoc {
  id: string;
  doc: Record<string, unknown>;
}

/** How many paths and content ids the top lists keep. */
export const TOP_N = 100;
const PAGE = 50_000;

/**
 * Copy the profile dimension into DuckDB table `profiles` (customer_id, country, plan), one row per customer.
 * Returns the customers loaded.
 */
export async function loadProfileSnapshot(db: DuckSession, store: ProfilesStore): Promise<number> {
  // Pages are read by (updated_at, customer_id): a profile updated while they are read comes again in a later
  // page. Every version read is appended with its read order, and only the last one per customer is kept, so
  // the join with the logs sees each customer once (a repeated customer would count its requests twice).
  await db.run(
    'CREATE OR REPLACE TABLE profiles_read (seq BIGINT, customer_id VARCHAR, country VARCHAR, plan VARCHAR)',
  );
  const appender = await db.conn.createAppender('profiles_read');
  let after = null;
  let seq = 0;
  for (;;) {
    const page = await store.changedSince(after, PAGE);
    for (const p of page.rows) {
      appender.appendBigInt(BigInt(seq++));
      appender.appendVarchar(p.customerId);
      appender.appendVarchar(p.country);
      appender.appendVarchar(p.plan);
      appender.endRow();
    }
    if (page.rows.length < PAGE || !page.next) break;
    after = page.next;
  }
  appender.closeSync();
  await db.run(
    `CREATE OR REPLACE TABLE profiles AS SELECT customer_id, country, plan FROM profiles_read
     QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY seq DESC) = 1`,
  );
  await db.run('DROP TABLE profiles_read');
  const [r] = await db.rows<{ n: number }>('SELECT count(*)::INTEGER AS n FROM profiles');
  return r!.n;
}

/** Load the status reference into table `status_ref` (http_status, status_description, status_known). */
export async function loadStatusTable(db: DuckSession, ref: StatusReference): Promise<void> {
  await db.run(
    'CREATE OR REPLACE TABLE status_ref (http_status SMALLINT, status_description VARCHAR, status_known BOOLEAN)',
  );
  const appender = await db.conn.createAppender('status_ref');
  for (let code = 100; code <= 599; code++) {
    const info = ref.lookup(code);
    appender.appendSmallInt(code);
    appender.appendVarchar(info.description);
    appender.appendBoolean(info.known);
    appender.endRow();
  }
  appender.closeSync();
}

const METRICS = `count(*)::INTEGER AS requests, sum(bytes_sent)::DOUBLE AS bytes,
  count(DISTINCT nullif(customer_id, ''))::INTEGER AS unique_customers,
  count(*) FILTER (WHERE unknown_customer)::INTEGER AS unknown_customer_requests,
  count(*) FILTER (WHERE content_id <> '')::INTEGER AS content_views`;

/** Compute every batch-view document of `date` from the lake partition at `partitionDir`. */
export async function computeAggregates(
  db: DuckSession,
  o: { date: string; partitionDir: string; fingerprint: string; report: ValidationReport; landedFiles: number },
): Promise<BatchDoc[]> {
  const base = { date: o.date, input_fingerprint: o.fingerprint };
  const lakeFiles = `read_parquet(${sqlLiteral(`${o.partitionDir}/*/*.parquet`)}, hive_partitioning = true, hive_types = {'hour': INTEGER})`;
  // A view, not a table: each query reads only its columns from the Parquet (measured faster than
  // materialising the joined day once; user agents and referrers are never read).
  await db.run(`CREATE OR REPLACE TEMP VIEW day AS
    SELECT l.customer_id, l.ip, l.http_status, l.bytes_sent, l.device, l.status_category, l.path, l.content_id, l.hour AS hour_utc,
           coalesce(p.country, 'unknown') AS country, coalesce(p.plan, 'unknown') AS plan,
           (l.customer_id = '' OR p.customer_id IS NULL) AS unknown_customer
    FROM ${lakeFiles} l
    LEFT JOIN profiles p ON p.customer_id = l.customer_id`);
  const docs: BatchDoc[] = [];
  const [metrics] = await db.rows<Record<string, number>>(
    `SELECT ${METRICS}, count(*) FILTER (WHERE http_status >= 400)::INTEGER AS error_requests FROM day`,
  );
  // Distinct IPs (nearly one per row) straight from the Parquet's ip column: no profile join under that hash table.
  const [ips] = await db.rows<{ unique_ips: number }>(
    `SELECT count(DISTINCT ip)::INTEGER AS unique_ips FROM ${lakeFiles}`,
  );
  const { error_requests: errorRequests, ...dayMetrics } = metrics!;
  const total = { ...dayMetrics, unique_ips: ips!.unique_ips, error_requests: errorRequests };
  const statusRows = await db.rows<Record<string, string | number | boolean>>(
    `SELECT d.http_status, d.status_category, coalesce(s.status_description, 'Unknown') AS status_description, coalesce(s.status_known, false) AS status_known,
            count(*)::INTEGER AS requests, sum(bytes_sent)::DOUBLE AS bytes
     FROM day d LEFT JOIN status_ref s USING (http_status) GROUP BY ALL ORDER BY ALL`,
  );
  docs.push(webLogTotalDoc(o, base, total, statusRows));
  docs.push(...(await dimensionAndHourDocs(db, o.date, base, METRICS)));
  for (const r of statusRows) {
    docs.push({ id: `${o.date}:status:${r.http_status}`, doc: { ...base, kind: 'status', ...r } });
  }
  // Top N by requests first (cheap), then the distinct counts for those N groups only.
  const top = (col: string, where: string) =>
    `WITH top AS (SELECT ${col} FROM day ${where} GROUP BY ${col} ORDER BY count(*) DESC, ${col} LIMIT ${TOP_N})
     SELECT ${col}, ${METRICS} FROM day WHERE ${col} IN (SELECT ${col} FROM top) GROUP BY ALL ORDER BY requests DESC, ${col}`;
  for (const r of await db.rows<Record<string, string | number>>(top('path', ''))) {
    docs.push({
      id: `${o.date}:path:${encodeURIComponent(String(r.path)).slice(0, 200)}`,
      doc: { ...base, kind: 'path', ...r },
    });
  }
  for (const r of await db.rows<Record<string, string | number>>(top('content_id', `WHERE content_id <> ''`))) {
    docs.push({ id: `${o.date}:content:${r.content_id}`, doc: { ...base, kind: 'content', ...r } });
  }
  return docs;
}

/** Requests per status category, summed from per-code rows (`status_category`, `requests`): saves a scan. */
export function requestsByCategory(statusRows: readonly Record<string, unknown>[]): Record<string, number> {
  const byCat: Record<string, number> = {};
  for (const r of statusRows)
    byCat[String(r.status_category)] = (byCat[String(r.status_category)] ?? 0) + Number(r.requests);
  return byCat;
}

/**
 * The `total` document of a web-log day, the same whoever computed its measures (DuckDB here, the validator's
 * day aggregates in day-agg/merge.ts): measures, requests per status category, landing and validation counts.
 */
export function webLogTotalDoc(
  o: { date: string; report: ValidationReport; landedFiles: number },
  base: Record<string, unknown>,
  measures: Record<string, unknown>,
  statusRows: readonly Record<string, unknown>[],
): BatchDoc {
  return {
    id: `${o.date}:total`,
    doc: {
      ...base,
      kind: 'total',
      ...measures,
      by_status_category: requestsByCategory(statusRows),
      landed_files: o.landedFiles,
      landed_rows: o.report.rows,
      valid_rows: o.report.valid,
      rejected_rows: o.report.rejected,
      rejected_by_reason: o.report.byReason,
    },
  };
}

/**
 * The `dimension` and `hour` documents of a date from the `day` view, the same for both sources (web logs here,
 * lake events in aggregate-events.ts); `metrics` is the source's SELECT list of measures.
 */
export async function dimensionAndHourDocs(
  db: DuckSession,
  date: string,
  base: Record<string, unknown>,
  metrics: string,
): Promise<BatchDoc[]> {
  const docs: BatchDoc[] = [];
  for (const r of await db.rows<Record<string, string | number>>(
    `SELECT country, plan, device, status_category, ${metrics} FROM day GROUP BY ALL ORDER BY ALL`,
  )) {
    docs.push({
      id: `${date}:dim:${r.country}:${r.plan}:${r.device}:${r.status_category}`,
      doc: { ...base, kind: 'dimension', ...r },
    });
  }
  for (const r of await db.rows<Record<string, number>>(
    `SELECT hour_utc AS hour, ${metrics}, count(*) FILTER (WHERE http_status >= 400)::INTEGER AS error_requests FROM day GROUP BY ALL ORDER BY ALL`,
  )) {
    docs.push({ id: `${date}:hour:${String(r.hour).padStart(2, '0')}`, doc: { ...base, kind: 'hour', ...r } });
  }
  return docs;
}
