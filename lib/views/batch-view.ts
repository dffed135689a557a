/**
 * Reads the batch view (`<prefix>-batch-daily`) for the serving API: which days are complete, and the buckets
 * of those days at the finest granularity the batch view has for the query (see `batchReadPlan`).
 */
import type { SearchSink } from '../../adapters/search/types.js';
import { batchIndex } from '../search-templates.js';
import type { ReadBounds } from './bounds.js';
import { aggValue, compositeAll, errorEvents, isIndexMissing, termsSums, topGroupsAll } from './composite.js';
import { batchReadPlan, batchUniquesExact, type RawBucket } from './merge.js';
import { INTERVALS, type Dimension, type ViewershipQuery } from './params.js';

/** A completed day's total document fields the serving layer reads. */
export interface BatchTotalDoc {
  date: string;
  requests?: number;
  bytes?: number;
  unique_customers?: number;
  unknown_customer_requests?: number;
  error_requests?: number;
  by_status_category?: Record<string, number>;
  rejected_rows?: number;
  rejected_by_reason?: Record<string, number>;
}

/**
 * Total documents of the given days that exist. A date's documents are written by its run's last step (index),
 * so a total document means the day's batch run completed: the batch view is authoritative for that day.
 */
export async function batchTotals(
  search: SearchSink,
  prefix: string,
  days: string[],
): Promise<Map<string, BatchTotalDoc>> {
  if (days.length === 0) return new Map();
  try {
    const r = await search.search<BatchTotalDoc>(batchIndex(prefix), {
      size: Math.min(days.length, 10_000),
      query: { bool: { filter: [{ term: { kind: 'total' } }, { terms: { date: days } }] } },
    });
    return new Map(r.hits.map((h) => [h.source.date, h.source]));
  } catch (err) {
    if (isIndexMissing(err)) return new Map();
    throw err;
  }
}

const dayMs = (date: string) => Date.parse(`${date}T00:00:00Z`);
const keyDate = (v: string | number | null) => (typeof v === 'number' ? v : dayMs(String(v).slice(0, 10)));

/**
 * The batch buckets of `days` (each a completed day) for the query; with `q.limit` and a grouping the limit is
 * pushed into the query (`topGroupsAll`).
 */
export async function batchBuckets(
  search: SearchSink,
  prefix: string,
  q: ViewershipQuery,
  totals: Map<string, BatchTotalDoc>,
  bounds?: ReadBounds,
): Promise<RawBucket[]> {
  const days = [...totals.keys()];
  if (days.length === 0) return [];
  const plan = batchReadPlan(q.interval, q.groupBy);
  const nullDims = (keep: Dimension[]) =>
    Object.fromEntries(q.groupBy.map((d) => [d, keep.includes(d) ? undefined : null]));
  if (plan.kind === 'total') {
    bounds?.budget?.take(totals.size);
    return [...totals.values()].map((t) => {
      const byStatus = t.by_status_category ?? {};
      return {
        startMs: dayMs(t.date),
        endMs: dayMs(t.date) + INTERVALS.day,
        source: 'batch',
        group: nullDims([]),
        sums: {
          events: t.requests ?? 0,
          uniqueCustomers: t.unique_customers ?? 0,
          unknownCustomerEvents: t.unknown_customer_requests ?? 0,
          watchMs: null,
          bytes: t.bytes ?? 0,
          errors: t.error_requests ?? errorEvents(byStatus),
          byStatusCategory: byStatus,
        },
      };
    });
  }
  const dims = q.groupBy.filter((d) => d !== 'event_type' && (plan.kind !== 'content' || d === 'content_id'));
  const sources = [
    { date: { terms: { field: 'date' } } },
    ...(plan.kind === 'hour' ? [{ hour: { terms: { field: 'hour' } } }] : []),
  ];
  const sum = (field: string) => ({ sum: { field } });
  const request = {
    query: { bool: { filter: [{ term: { kind: plan.kind } }, { terms: { date: days } }] } },
    sources,
    aggs: {
      requests: sum('requests'),
      bytes: sum('bytes'),
      uniq: sum('unique_customers'),
      unknown: sum('unknown_customer_requests'),
      errors: sum('error_requests'),
      ...(plan.kind === 'dimension'
        ? { by_status: { terms: { field: 'status_category', size: 20 }, aggs: { n: sum('requests') } } }
        : {}),
    },
  };
  const buckets =
    q.limit !== undefined && dims.length > 0
      ? await topGroupsAll(
          search,
          batchIndex(prefix),
          { ...request, dims, orderBy: 'requests', limit: q.limit },
          bounds,
        )
      : await compositeAll(
          search,
          batchIndex(prefix),
          { ...request, sources: [...sources, ...dims.map((d) => ({ [d]: { terms: { field: d } } }))] },
          bounds,
        );
  const uniquesExact = plan.kind !== 'dimension' || batchUniquesExact(q.groupBy);
  const raw: RawBucket[] = buckets.map((b) => {
    const startMs = keyDate(b.key.date ?? null) + (plan.kind === 'hour' ? Number(b.key.hour) * INTERVALS.hour : 0);
    const byStatus = plan.kind === 'dimension' ? termsSums(b, 'by_status') : null;
    const group = { ...nullDims(dims), ...Object.fromEntries(dims.map((d) => [d, String(b.key[d])])) };
    return {
      startMs,
      endMs: startMs + INTERVALS[plan.bucket],
      source: 'batch' as const,
      group,
      sums: {
        events: aggValue(b, 'requests'),
        uniqueCustomers: uniquesExact ? aggValue(b, 'uniq') : null,
        unknownCustomerEvents: aggValue(b, 'unknown'),
        watchMs: null,
        bytes: aggValue(b, 'bytes'),
        errors: plan.kind === 'hour' ? aggValue(b, 'errors') : byStatus ? errorEvents(byStatus) : null,
        byStatusCategory: byStatus,
      },
    };
  });
  // Whole hours (or days) of the batch view, those that overlap the query.
  return raw.filter((b) => b.startMs < q.toMs && b.endMs > q.fromMs);
}
