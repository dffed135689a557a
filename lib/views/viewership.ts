/**
 * `GET /api/viewership`: the merged view. Days whose batch run completed are answered by the batch view
 * (authoritative), every other part of the range by the speed view; each bucket names its source.
 */
import type { SearchSink } from '../../adapters/search/types.js';
import { batchBuckets, batchTotals } from './batch-view.js';
import { checkBounds, type ReadBounds } from './bounds.js';
import { daysOverlapping, finishBuckets, speedRanges, type Bucket } from './merge.js';
import type { ViewershipQuery } from './params.js';
import { speedBuckets } from './speed-view.js';

/** The API's answer. */
export interface ViewershipResult {
  from: string;
  to: string;
  interval: ViewershipQuery['interval'];
  groupBy: ViewershipQuery['groupBy'];
  metrics: ViewershipQuery['metrics'];
  /** Days answered by the batch view (their batch run completed). */
  batchDays: string[];
  /** Ranges answered by the speed view. */
  speedRanges: { from: string; to: string }[];
  buckets: Bucket[];
}

/**
 * Answer a validated query from both views, within `bounds`: the bucket budget (a `TooManyBucketsError` once the
 * reads pass it) and the deadline signal (reads stop at their next page once it is aborted).
 */
export async function queryViewership(
  search: SearchSink,
  prefix: string,
  q: ViewershipQuery,
  bounds?: ReadBounds,
): Promise<ViewershipResult> {
  checkBounds(bounds);
  const totals = await batchTotals(search, prefix, daysOverlapping(q.fromMs, q.toMs));
  const batchDays = [...totals.keys()].sort();
  const ranges = speedRanges(q.fromMs, q.toMs, new Set(batchDays));
  const [b, s] = await Promise.all([
    batchBuckets(search, prefix, q, totals, bounds),
    speedBuckets(search, prefix, q, ranges, bounds),
  ]);
  return {
    from: new Date(q.fromMs).toISOString(),
    to: new Date(q.toMs).toISOString(),
    interval: q.interval,
    groupBy: q.groupBy,
    metrics: q.metrics,
    batchDays,
    speedRanges: ranges.map((r) => ({ from: new Date(r.fromMs).toISOString(), to: new Date(r.toMs).toISOString() })),
    buckets: finishBuckets([...b, ...s], q),
  };
}
