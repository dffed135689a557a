/**
 * Visibility latency of `npm run bench:stream`: poll the speed view's per-partition event sums and turn them,
 * with the production timeline, into the time from each event's production to its window being visible.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isNotFound } from '../../adapters/search/bulk.js';
import type { SearchSink } from '../../adapters/search/types.js';
import { speedIndex } from '../../lib/search-templates.js';
import type { ProductionTimeline } from './stream-kafka.js';

/** Per partition: `[pollResponseTimeMs, visibleEvents]`, visible counts made monotone. */
export type VisibilityTimeline = Map<number, [number, number][]>;

/** Sum of `events` per partition in the speed view (empty while the index does not exist yet). */
export async function visibleByPartition(sink: SearchSink, prefix: string): Promise<Record<number, number>> {
  const r = await sink
    .search(speedIndex(prefix), {
      size: 0,
      aggs: { p: { terms: { field: 'partition', size: 1000 }, aggs: { e: { sum: { field: 'events' } } } } },
    })
    .catch((err: unknown) => (isNotFound(err) ? { aggregations: undefined } : Promise.reject(err)));
  const buckets =
    (r.aggregations?.p as { buckets: { key: number; e: { value: number } }[] } | undefined)?.buckets ?? [];
  return Object.fromEntries(buckets.map((b) => [Number(b.key), b.e.value]));
}

/**
 * Poll every `everyMs` until `stop()`; each sample is stamped with the time its response arrived (an upper
 * bound of when the counts became visible). Returns the timeline, number of polls and mean poll duration.
 */
export function pollVisibility(sink: SearchSink, prefix: string, everyMs: number) {
  const timeline: VisibilityTimeline = new Map();
  let stopped = false;
  let polls = 0;
  let pollMsTotal = 0;
  let lastError: unknown;
  const loop = (async () => {
    while (!stopped) {
      const t0 = Date.now();
      try {
        const v = await visibleByPartition(sink, prefix);
        const t = Date.now();
        polls++;
        pollMsTotal += t - t0;
        for (const [p, n] of Object.entries(v)) {
          const series = timeline.get(Number(p)) ?? timeline.set(Number(p), []).get(Number(p))!;
          if (n > (series.at(-1)?.[1] ?? 0)) series.push([t, n]);
        }
      } catch (err) {
        lastError = err;
      }
      await sleep(Math.max(0, everyMs - (Date.now() - t0)));
    }
  })();
  return {
    timeline,
    /** Visible events per partition at the latest poll. */
    latest: (): Record<number, number> => Object.fromEntries([...timeline].map(([p, s]) => [p, s.at(-1)?.[1] ?? 0])),
    async stop(): Promise<{ polls: number; meanPollMs: number; lastError?: unknown }> {
      stopped = true;
      await loop;
      return { polls, meanPollMs: polls ? pollMsTotal / polls : 0, lastError };
    },
  };
}

/** Latency distribution of one sub-run (ms); a percentile is null when it falls among events never seen visible. */
export interface LatencyStats {
  events: number;
  neverVisible: number;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  maxVisibleMs: number | null;
  meanVisibleMs: number | null;
}

/**
 * Each partition is consumed in offset order, so its n-th produced event is visible at the first poll whose
 * visible count reaches n; latency = that poll's time − the event's production time. Weighted percentiles
 * over every produced event of every partition, events never seen visible ranking last (as if infinite).
 */
export function visibilityLatency(produced: ProductionTimeline, visible: VisibilityTimeline): LatencyStats {
  const samples: [number, number][] = []; // [latencyMs, events]
  let neverVisible = 0;
  for (const [p, sends] of produced) {
    const polls = visible.get(p) ?? [];
    let j = 0;
    let prev = 0;
    for (const [prodMs, cum] of sends) {
      let a = prev + 1;
      while (a <= cum) {
        while (j < polls.length && polls[j]![1] < a) j++;
        if (j === polls.length) {
          neverVisible += cum - a + 1;
          break;
        }
        const upTo = Math.min(cum, polls[j]![1]);
        samples.push([polls[j]![0] - prodMs, upTo - a + 1]);
        a = upTo + 1;
      }
      prev = cum;
    }
  }
  samples.sort((x, y) => x[0] - y[0]);
  const seen = samples.reduce((s, [, w]) => s + w, 0);
  const n = seen + neverVisible;
  const pct = (q: number): number | null => {
    const rank = Math.ceil(q * n);
    let count = 0;
    for (const [ms, w] of samples) if ((count += w) >= rank) return ms;
    return null;
  };
  return {
    events: n,
    neverVisible,
    p50Ms: pct(0.5),
    p90Ms: pct(0.9),
    p99Ms: pct(0.99),
    maxVisibleMs: samples.at(-1)?.[0] ?? null,
    meanVisibleMs: seen ? Math.round(samples.reduce((s, [ms, w]) => s + ms * w, 0) / seen) : null,
  };
}
