/**
 * Reads the speed view for the serving API: windows whose start lies in the given ranges, bucketed by minute,
 * hour or day (UTC). Sums come from the window cube (`<prefix>-speed-windows`, grouped by any of its dimensions)
 * or, for a `content_id` grouping, from the content rollup (`<prefix>-speed-content`); both are exact. Unique
 * customers come from the union of the per-window sketches (`<prefix>-speed-uniques`, see `speed-uniques.ts`) and
 * only for ungrouped buckets: sketches are kept per window and partition, not per group, so a group's distinct
 * customers cannot be told (the batch view likewise answers null for device and status-category groups).
 */
import type { SearchSink } from '../../adapters/search/types.js';
import { speedContentIndex, speedIndex } from '../search-templates.js';
import type { ReadBounds } from './bounds.js';
import { aggValue, compositeAll, errorEvents, termsSums, topGroupsAll, type CompositeBucket } from './composite.js';
import type { RawBucket } from './merge.js';
import { INTERVALS, type Dimension, type ViewershipQuery } from './params.js';
import { uniquesByBucket, type MsRange } from './speed-uniques.js';

const FIXED = { minute: '1m', hour: '1h', day: '1d' } as const;
const sum = (field: string) => ({ sum: { field } });

/** The index a query's sums are read from, the dimensions it can group by there, and whether it splits by status. */
function source(prefix: string, groupBy: Dimension[]): { index: string; dims: Dimension[]; byStatus: boolean } {
  if (groupBy.includes('content_id'))
    return { index: speedContentIndex(prefix), dims: ['content_id'], byStatus: false };
  return { index: speedIndex(prefix), dims: groupBy, byStatus: true };
}

/**
 * Speed buckets over `ranges` (the parts of the query on days without a completed batch run). With `q.limit` and a
 * grouping, the limit is pushed into the query (`topGroupsAll`): the engine returns the top groups of each slot only.
 */
export async function speedBuckets(
  search: SearchSink,
  prefix: string,
  q: ViewershipQuery,
  ranges: MsRange[],
  bounds?: ReadBounds,
): Promise<RawBucket[]> {
  if (ranges.length === 0) return [];
  const intervalMs = INTERVALS[q.interval];
  const from = source(prefix, q.groupBy);
  const wantUniques = q.groupBy.length === 0 && q.metrics.includes('uniqueCustomers');
  const request = {
    query: {
      bool: {
        should: ranges.map((r) => ({ range: { window_start: { gte: r.fromMs, lt: r.toMs } } })),
        minimum_should_match: 1,
      },
    },
    sources: [{ t: { date_histogram: { field: 'window_start', fixed_interval: FIXED[q.interval] } } }],
    aggs: {
      events: sum('events'),
      watch_ms: sum('watch_ms'),
      unknown: sum('unknown_customer_events'),
      ...(from.byStatus
        ? { by_status: { terms: { field: 'status_category', size: 20 }, aggs: { n: sum('events') } } }
        : {}),
    },
  };
  const [buckets, uniques] = await Promise.all([
    q.limit !== undefined && from.dims.length > 0
      ? topGroupsAll(search, from.index, { ...request, dims: from.dims, orderBy: 'events', limit: q.limit }, bounds)
      : compositeAll(
          search,
          from.index,
          { ...request, sources: [...request.sources, ...from.dims.map((d) => ({ [d]: { terms: { field: d } } }))] },
          bounds,
        ),
    wantUniques ? uniquesByBucket(search, prefix, ranges, intervalMs, bounds) : undefined,
  ]);
  const first = ranges[0]!.fromMs;
  const last = ranges[ranges.length - 1]!.toMs;
  return buckets.map((b) => {
    const slot = Number(b.key.t);
    const byStatus = from.byStatus ? termsSums(b, 'by_status') : null;
    return {
      // Clipped to the query: a day bucket of a one-hour query covers that hour only.
      startMs: Math.max(slot, first),
      endMs: Math.min(slot + intervalMs, last),
      source: 'speed' as const,
      group: groupOf(b, q.groupBy, from.dims),
      sums: {
        events: aggValue(b, 'events'),
        uniqueCustomers: uniques ? (uniques.get(slot) ?? 0) : null,
        unknownCustomerEvents: aggValue(b, 'unknown'),
        watchMs: aggValue(b, 'watch_ms'),
        bytes: null,
        errors: byStatus ? errorEvents(byStatus) : null,
        byStatusCategory: byStatus,
      },
    };
  });
}

/** A bucket's value of every requested dimension; null for those its index does not record. */
function groupOf(b: CompositeBucket, groupBy: Dimension[], recorded: Dimension[]): RawBucket['group'] {
  return Object.fromEntries(
    groupBy.map((d) => [
      d,
      recorded.includes(d) && b.key[d] !== null && b.key[d] !== undefined ? String(b.key[d]) : null,
    ]),
  );
}
