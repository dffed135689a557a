/**
 * aggregate step of a recomputation from the lake's master dataset: the date's registered `web_events` hours
 * (the stream's valid, de-duplicated, enriched events; see lib/stream/lake) reduced to the batch view's
 * documents — the same kinds and ids as the web-log aggregates (total, dimension, hour, status, content), so the
 * serving layer answers the date from them, plus the watch time the events carry. The profile fields are the
 * ones the stream enriched with (as of event time), so the result equals the speed view for complete hours.
 */
import { WEB_EVENT_COLUMNS } from '../../common/lake.js';
import { sqlLiteral } from '../fsutil.js';
import { dimensionAndHourDocs, requestsByCategory, TOP_N, type BatchDoc } from './aggregate.js';
import type { DuckSession } from './duckdb.js';

const METRICS = `count(*)::INTEGER AS requests, sum(watch_ms)::DOUBLE AS watch_ms,
  count(DISTINCT customer_id)::INTEGER AS unique_customers,
  count(*) FILTER (WHERE unknown_customer)::INTEGER AS unknown_customer_requests,
  count(*) FILTER (WHERE content_id <> '')::INTEGER AS content_views`;

/** The registered files of the date, with the hours they cover. */
export interface EventsInput {
  date: string;
  /** Absolute paths of the registered Parquet files. */
  files: string[];
  /** Registered hours (`HH`), for the total document and `batch compare`. */
  hours: string[];
  /** Content fingerprint of the input (from the catalog's partition fingerprints). */
  fingerprint: string;
}

/** Compute the batch-view documents of `date` from its registered `web_events` files. */
export async function computeEventAggregates(db: DuckSession, o: EventsInput): Promise<BatchDoc[]> {
  const base = { date: o.date, input_fingerprint: o.fingerprint, source: 'events' };
  const cols = WEB_EVENT_COLUMNS.map(([c]) => c).join(', ');
  const empty = `SELECT ${WEB_EVENT_COLUMNS.map(([c, t]) => `NULL::${t} AS ${c}`).join(', ')} WHERE false`;
  await db.run(`CREATE OR REPLACE TEMP VIEW day AS
    SELECT ${cols}, extract(hour FROM make_timestamp(event_time_ms * 1000))::INTEGER AS hour_utc
    FROM ${o.files.length ? `read_parquet([${o.files.map(sqlLiteral).join(', ')}])` : `(${empty})`}`);
  const docs: BatchDoc[] = [];
  const [total] = await db.rows<Record<string, number>>(
    `SELECT ${METRICS}, count(*) FILTER (WHERE http_status >= 400)::INTEGER AS error_requests FROM day`,
  );
  const statusRows = await db.rows<Record<string, string | number>>(
    `SELECT http_status, status_category, count(*)::INTEGER AS requests FROM day GROUP BY ALL ORDER BY ALL`,
  );
  docs.push({
    id: `${o.date}:total`,
    doc: {
      ...base,
      kind: 'total',
      ...total,
      by_status_category: requestsByCategory(statusRows),
      hours_registered: o.hours,
      lake_files: o.files.length,
    },
  });
  docs.push(...(await dimensionAndHourDocs(db, o.date, base, METRICS)));
  for (const r of statusRows)
    docs.push({ id: `${o.date}:status:${r.http_status}`, doc: { ...base, kind: 'status', ...r } });
  const top = `WITH top AS (SELECT content_id FROM day WHERE content_id <> '' GROUP BY content_id ORDER BY count(*) DESC, content_id LIMIT ${TOP_N})
     SELECT content_id, ${METRICS} FROM day WHERE content_id IN (SELECT content_id FROM top) GROUP BY ALL ORDER BY requests DESC, content_id`;
  for (const r of await db.rows<Record<string, string | number>>(top))
    docs.push({ id: `${o.date}:content:${r.content_id}`, doc: { ...base, kind: 'content', ...r } });
  return docs;
}
