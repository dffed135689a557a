/**
 * `batch compare`: the speed view of a date against its batch view, hour by hour — after a recomputation from
 * the lake's `web_events` (`batch run --source events`) both count the same events, so any difference is a
 * defect of one of the layers (or an hour not yet registered in the lake), listed per hour.
 */
import type { SearchSink } from '../../adapters/search/types.js';
import { batchIndex, speedIndex } from '../search-templates.js';

/** One hour's figures in both views. */
export interface HourComparison {
  hour: string;
  speed: { events: number; watchMs: number };
  batch: { events: number; watchMs: number | null };
}

/** The comparison of a date (see module doc). */
export interface DateComparison {
  date: string;
  /** What the date's batch view was computed from (`events`, `weblogs`), or null when it has none. */
  batchSource: string | null;
  /** Hours registered in the lake when the batch view was recomputed from events. */
  hoursRegistered: string[] | null;
  speed: { events: number; watchMs: number };
  batch: { events: number; watchMs: number | null };
  /** True when every hour's event count (and watch time, when the batch view has it) is equal. */
  equal: boolean;
  /** The hours that differ (all 24 are compared). */
  differences: (HourComparison & { eventsDiff: number })[];
}

const HOUR_MS = 3_600_000;
type Sum = { value: number | null };

/** Compare the speed and batch views of `date` (YYYY-MM-DD) in the indices of `prefix`. */
export async function compareDate(search: SearchSink, prefix: string, date: string): Promise<DateComparison> {
  const dayMs = Date.parse(`${date}T00:00:00Z`);
  const missingAsEmpty = (err: unknown) => {
    if ((err as { meta?: { statusCode?: number } })?.meta?.statusCode === 404)
      return { total: 0, hits: [], aggregations: undefined };
    throw err;
  };
  const [speed, batch] = await Promise.all([
    search
      .search(speedIndex(prefix), {
        size: 0,
        query: { range: { window_start: { gte: dayMs, lt: dayMs + 24 * HOUR_MS } } },
        aggs: {
          hours: {
            histogram: { field: 'window_start', interval: HOUR_MS, min_doc_count: 1 },
            aggs: { events: { sum: { field: 'events' } }, watch: { sum: { field: 'watch_ms' } } },
          },
        },
      })
      .catch(missingAsEmpty),
    search
      .search<Record<string, unknown>>(batchIndex(prefix), {
        size: 100,
        query: { bool: { filter: [{ term: { date } }, { terms: { kind: ['total', 'hour'] } }] } },
      })
      .catch(missingAsEmpty),
  ]);
  const hours = new Map<string, HourComparison>();
  const at = (hour: string) =>
    hours.get(hour) ??
    hours.set(hour, { hour, speed: { events: 0, watchMs: 0 }, batch: { events: 0, watchMs: null } }).get(hour)!;
  const buckets =
    (speed.aggregations as { hours?: { buckets: { key: number; events: Sum; watch: Sum }[] } } | undefined)?.hours
      ?.buckets ?? [];
  for (const b of buckets) {
    const h = at(String(Math.floor((b.key - dayMs) / HOUR_MS)).padStart(2, '0'));
    h.speed = { events: b.events.value ?? 0, watchMs: b.watch.value ?? 0 };
  }
  let total: Record<string, unknown> | undefined;
  for (const hit of batch.hits) {
    const d = hit.source;
    if (d.kind === 'total') total = d;
    else
      at(String(d.hour).padStart(2, '0')).batch = {
        events: Number(d.requests ?? 0),
        watchMs: typeof d.watch_ms === 'number' ? d.watch_ms : null,
      };
  }
  const rows = [...hours.values()].sort((a, b) => (a.hour < b.hour ? -1 : 1));
  const sum = (f: (h: HourComparison) => number) => rows.reduce((n, h) => n + f(h), 0);
  const differences = rows
    .filter(
      (h) =>
        h.speed.events !== h.batch.events ||
        (h.batch.watchMs !== null && Math.abs(h.speed.watchMs - h.batch.watchMs) > 1e-6),
    )
    .map((h) => ({ ...h, eventsDiff: h.batch.events - h.speed.events }));
  const batchWatch = rows.some((h) => h.batch.watchMs !== null) ? sum((h) => h.batch.watchMs ?? 0) : null;
  return {
    date,
    batchSource: total ? String(total.source ?? 'weblogs') : null,
    hoursRegistered: Array.isArray(total?.hours_registered) ? (total.hours_registered as string[]) : null,
    speed: { events: sum((h) => h.speed.events), watchMs: sum((h) => h.speed.watchMs) },
    batch: { events: sum((h) => h.batch.events), watchMs: batchWatch },
    equal: differences.length === 0,
    differences,
  };
}
