/**
 * Reads the speed view (`<prefix>-speed-windows`) for the serving API: windows whose start lies in the given
 * ranges, bucketed by minute, hour or day (UTC) and grouped by any recorded dimension. Sums are exact; unique
 * customers come from the engine's cardinality aggregation (exact below 40,000 per bucket, ~1 % above).
 */
import type { SearchSink } from '../../adapters/search/types.js';
import { speedIndex } from '../search-templates.js';
import { aggValue, compositeAll, errorEvents, termsSums } from './composite.js';
import type { RawBucket } from './merge.js';
import { INTERVALS, type ViewershipQuery } from './params.js';

const FIXED = { minute: '1m', hour: '1h', day: '1d' } as const;

/** Speed buckets over `ranges` (the parts of the query on days without a completed batch run). */
export async function speedBuckets(search: SearchSink, prefix: string, q: ViewershipQuery, ranges: { fromMs: number; toMs: number }[]): Promise<RawBucket[]> {
  if (ranges.length === 0) return [];
  const intervalMs = INTERVALS[q.interval];
  const sum = (field: string) => ({ sum: { field } });
  const buckets = await compositeAll(search, speedIndex(prefix), {
    query: { bool: { should: ranges.map((r) => ({ range: { window_start: { gte: r.fromMs, lt: r.toMs } } })), minimum_should_match: 1 } },
    sources: [{ t: { date_histogram: { field: 'window_start', fixed_interval: FIXED[q.interval] } } }, ...q.groupBy.map((d) => ({ [d]: { terms: { field: d } } }))],
    aggs: {
      events: sum('events'), watch_ms: sum('watch_ms'), unknown: sum('unknown_customer_events'),
      customers: { cardinality: { field: 'customers', precision_threshold: 40000 } },
      by_status: { terms: { field: 'status_category', size: 20 }, aggs: { n: sum('events') } },
    },
  });
  const first = ranges[0]!.fromMs;
  const last = ranges[ranges.length - 1]!.toMs;
  return buckets.map((b) => {
    const slot = Number(b.key.t);
    const byStatus = termsSums(b, 'by_status');
    return {
      // Clipped to the query: a day bucket of a one-hour query covers that hour only.
      startMs: Math.max(slot, first),
      endMs: Math.min(slot + intervalMs, last),
      source: 'speed' as const,
      group: Object.fromEntries(q.groupBy.map((d) => [d, b.key[d] === null || b.key[d] === undefined ? null : String(b.key[d])])),
      sums: {
        events: aggValue(b, 'events'),
        uniqueCustomers: aggValue(b, 'customers'),
        unknownCustomerEvents: aggValue(b, 'unknown'),
        watchMs: aggValue(b, 'watch_ms'),
        bytes: null,
        errors: errorEvents(byStatus),
        byStatusCategory: byStatus,
      },
    };
  });
}
