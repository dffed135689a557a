/**
 * The serving layer's merge rule, as pure functions: which UTC days the batch view answers (those whose batch
 * run completed), which time ranges the speed view answers (the rest), which batch documents a query reads, and
 * how buckets are finished (metrics picked, groups limited, sorted).
 */
import { INTERVALS, type Dimension, type Interval, type Metric, type ViewershipQuery } from './params.js';

/** Which view a bucket came from. */
export type Source = 'batch' | 'speed';

/** Raw sums of one bucket before the requested metrics are picked (null: the view cannot provide it). */
export interface BucketSums {
  events: number;
  uniqueCustomers: number | null;
  unknownCustomerEvents: number;
  watchMs: number | null;
  bytes: number | null;
  /** Events in 4xx and 5xx; null when the view cannot split this bucket by status. */
  errors: number | null;
  byStatusCategory: Record<string, number> | null;
}

/** A bucket as read from one view. */
export interface RawBucket {
  startMs: number;
  endMs: number;
  source: Source;
  group: Partial<Record<Dimension, string | null>>;
  sums: BucketSums;
}

/** A bucket as the API returns it. */
export interface Bucket {
  start: string;
  end: string;
  source: Source;
  group: Partial<Record<Dimension, string | null>>;
  metrics: Partial<Record<Metric, number | null | Record<string, number>>>;
}

/** Which batch documents answer a query and how wide their buckets are. */
export interface BatchReadPlan {
  kind: 'total' | 'hour' | 'dimension' | 'content';
  bucket: 'hour' | 'day';
}

const DAY_MS = INTERVALS.day;

/** UTC dates (YYYY-MM-DD) of every day overlapping [fromMs, toMs). */
export function daysOverlapping(fromMs: number, toMs: number): string[] {
  const out: string[] = [];
  for (let d = Math.floor(fromMs / DAY_MS) * DAY_MS; d < toMs; d += DAY_MS)
    out.push(new Date(d).toISOString().slice(0, 10));
  return out;
}

/**
 * The batch documents a query reads. The batch view has day totals, hours (no dimensions), dimension docs
 * (country × plan × device × status category per day) and top content per day; it records no event type.
 * A batch bucket is as fine as the view allows: the interval asked for when it has it, else the next coarser one.
 */
export function batchReadPlan(interval: Interval, groupBy: Dimension[]): BatchReadPlan {
  const dims = groupBy.filter((d) => d !== 'event_type');
  if (dims.includes('content_id')) return { kind: 'content', bucket: 'day' };
  if (dims.length) return { kind: 'dimension', bucket: 'day' };
  return interval === 'day' ? { kind: 'total', bucket: 'day' } : { kind: 'hour', bucket: 'hour' };
}

/**
 * Whether summing dimension docs gives exact unique customers: country and plan are attributes of the customer
 * (one value each in the run's profile snapshot), device and status category are not — a customer can be in
 * several, so a group that sums over either cannot count distinct customers.
 */
export function batchUniquesExact(groupBy: Dimension[]): boolean {
  return groupBy.includes('device') && groupBy.includes('status_category');
}

/** The parts of [fromMs, toMs) on days without a completed batch run: what the speed view answers. */
export function speedRanges(fromMs: number, toMs: number, batchDays: Set<string>): { fromMs: number; toMs: number }[] {
  const out: { fromMs: number; toMs: number }[] = [];
  for (let d = Math.floor(fromMs / DAY_MS) * DAY_MS; d < toMs; d += DAY_MS) {
    if (batchDays.has(new Date(d).toISOString().slice(0, 10))) continue;
    const f = Math.max(d, fromMs);
    const t = Math.min(d + DAY_MS, toMs);
    const last = out[out.length - 1];
    if (last && last.toMs === f) last.toMs = t;
    else out.push({ fromMs: f, toMs: t });
  }
  return out;
}

/** Pick the requested metrics of a bucket; errorRate = share of events with a 4xx or 5xx status. */
export function pickMetrics(s: BucketSums, metrics: Metric[]): Bucket['metrics'] {
  const all: Bucket['metrics'] = {
    events: s.events,
    uniqueCustomers: s.uniqueCustomers,
    unknownCustomerEvents: s.unknownCustomerEvents,
    watchMs: s.watchMs,
    bytes: s.bytes,
    errorRate: s.errors === null || s.events === 0 ? null : s.errors / s.events,
    byStatusCategory: s.byStatusCategory,
  };
  return Object.fromEntries(metrics.map((m) => [m, all[m] ?? null]));
}

/** Sort buckets by time (then most events first), keep `limit` groups per bucket, pick metrics. */
export function finishBuckets(raw: RawBucket[], q: Pick<ViewershipQuery, 'metrics' | 'limit'>): Bucket[] {
  const sorted = [...raw].sort(
    (a, b) =>
      a.startMs - b.startMs ||
      b.sums.events - a.sums.events ||
      JSON.stringify(a.group).localeCompare(JSON.stringify(b.group)),
  );
  const seen = new Map<string, number>();
  const out: Bucket[] = [];
  for (const b of sorted) {
    const slot = `${b.startMs}|${b.source}`;
    const n = (seen.get(slot) ?? 0) + 1;
    seen.set(slot, n);
    if (q.limit !== undefined && n > q.limit) continue;
    out.push({
      start: new Date(b.startMs).toISOString(),
      end: new Date(b.endMs).toISOString(),
      source: b.source,
      group: b.group,
      metrics: pickMetrics(b.sums, q.metrics),
    });
  }
  return out;
}

/** Add `add` into `into` (nullable fields stay null once either side is null). */
export function addSums(into: BucketSums, add: BucketSums): void {
  const n = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);
  into.events += add.events;
  into.unknownCustomerEvents += add.unknownCustomerEvents;
  into.uniqueCustomers = n(into.uniqueCustomers, add.uniqueCustomers);
  into.watchMs = n(into.watchMs, add.watchMs);
  into.bytes = n(into.bytes, add.bytes);
  into.errors = n(into.errors, add.errors);
  if (into.byStatusCategory === null || add.byStatusCategory === null) into.byStatusCategory = null;
  else
    for (const [k, v] of Object.entries(add.byStatusCategory))
      into.byStatusCategory[k] = (into.byStatusCategory[k] ?? 0) + v;
}
