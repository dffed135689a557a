/**
 * Reads the speed view back from the search index: totals over an event-time range [from, to), in the shape
 * `viewership stream totals --json` prints. Sums come from the window cube and are exact; unique customers are
 * the estimate of the union of every window's per-partition customer sketch (exact up to 10,000 distinct
 * customers, HyperLogLog above; see `lib/views/speed-uniques.ts`); late, dead-lettered and duplicates from the
 * per-minute counters.
 */
import type { SearchSink } from '../../adapters/search/types.js';
import { uniquesOver } from '../views/speed-uniques.js';
import { speedCountersIndex, speedIndex } from '../search-templates.js';

/** The printed shape of `stream totals`. */
export interface StreamTotals {
  from: string;
  to: string;
  events: number;
  uniqueCustomers: number;
  unknownCustomerEvents: number;
  watchMs: number;
  byEventType: Record<string, number>;
  byStatusCategory: Record<string, number>;
  late: number;
  deadLettered: number;
  duplicates: number;
}

type Agg = { value: number };
type Terms = { buckets: { key: string; events: Agg }[] };

/** Totals of the speed view between `from` (inclusive) and `to` (exclusive), by event time. */
export async function speedTotals(search: SearchSink, prefix: string, from: Date, to: Date): Promise<StreamTotals> {
  const range = (field: string) => ({ range: { [field]: { gte: from.getTime(), lt: to.getTime() } } });
  const sum = (field: string) => ({ sum: { field } });
  const [cells, counters, uniqueCustomers] = await Promise.all([
    search
      .search(speedIndex(prefix), {
        size: 0,
        query: range('window_start'),
        aggs: {
          events: sum('events'),
          watch_ms: sum('watch_ms'),
          unknown: sum('unknown_customer_events'),
          by_type: { terms: { field: 'event_type', size: 1000 }, aggs: { events: sum('events') } },
          by_status: { terms: { field: 'status_category', size: 100 }, aggs: { events: sum('events') } },
        },
      })
      .catch(notFoundAsEmpty),
    search
      .search(speedCountersIndex(prefix), {
        size: 0,
        query: range('minute'),
        aggs: { late: sum('late'), dead: sum('dead_lettered'), dups: sum('duplicates') },
      })
      .catch(notFoundAsEmpty),
    uniquesOver(search, prefix, [{ fromMs: from.getTime(), toMs: to.getTime() }]),
  ]);
  const a = (cells.aggregations ?? {}) as Record<string, Agg & Terms>;
  const c = (counters.aggregations ?? {}) as Record<string, Agg>;
  const terms = (t?: Terms) => Object.fromEntries((t?.buckets ?? []).map((b) => [b.key, b.events.value]));
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    events: a.events?.value ?? 0,
    uniqueCustomers,
    unknownCustomerEvents: a.unknown?.value ?? 0,
    watchMs: a.watch_ms?.value ?? 0,
    byEventType: terms(a.by_type),
    byStatusCategory: terms(a.by_status),
    late: c.late?.value ?? 0,
    deadLettered: c.dead?.value ?? 0,
    duplicates: c.dups?.value ?? 0,
  };
}

function notFoundAsEmpty(err: unknown): { total: number; hits: []; aggregations: undefined } {
  const e = err as { meta?: { statusCode?: number } };
  if (e?.meta?.statusCode === 404) return { total: 0, hits: [], aggregations: undefined };
  throw err;
}
