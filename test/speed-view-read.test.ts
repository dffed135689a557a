/**
 * Reading the speed view on the real engines: the four speed indices are created from SPEED_TEMPLATE under a fresh
 * prefix and filled with hand-made documents (window cube, content rollup, per-window customer sketches, reject
 * counters) for 3 partitions over two hours, built from a list of synthetic events; `speedTotals` and
 * `speedBuckets` must give exactly what is computed from those events directly — unique customers included (a
 * customer seen in two partitions, and in many minutes, counts once). Two hours of windows are 360 uniques
 * documents, so reading the sketches takes several pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createElasticsearchSink } from '../adapters/search/elasticsearch.js';
import { createSearchSink } from '../adapters/search/index.js';
import type { DocWrite, Json, SearchSink } from '../adapters/search/types.js';
import type { RawBucket } from '../lib/views/merge.js';
import { INTERVALS, METRICS, type Dimension, type ViewershipQuery } from '../lib/views/params.js';
import { speedBuckets } from '../lib/views/speed-view.js';
import {
  SPEED_TEMPLATE,
  speedContentIndex,
  speedCountersIndex,
  speedIndex,
  speedIndices,
  speedUniquesIndex,
} from '../lib/search-templates.js';
import { CustomerSketch } from '../lib/stream/sketch.js';
import { speedTotals } from '../lib/stream/totals.js';
import { serviceStatus, testConfig, uniqueName } from './helpers.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-23T09:00:00Z');
const MINUTES = 120;
const PARTITIONS = 3;

interface Event {
  windowStart: number;
  partition: number;
  customer: string;
  event_type: string;
  country: string;
  plan: string;
  device: string;
  status_category: string;
  content_id: string;
  watch_ms: number;
  unknown: boolean;
}

/** Deterministic pseudo-random integers in [0, n). */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor((s / 2 ** 32) * n);
  };
}

/**
 * Events of 60 customers keyed to a partition (customer n in partition n mod 3; customers with n mod 10 = 9 are
 * unknown to the profiles) plus `cust-shared`, seen in partitions 0 and 1; 4 events per window and partition.
 */
function makeEvents(): Event[] {
  const r = rng(7);
  const pick = <T>(xs: T[]) => xs[r(xs.length)]!;
  const customerOf = (partition: number) => `cust-${partition + PARTITIONS * r(20)}`;
  const out: Event[] = [];
  for (let m = 0; m < MINUTES; m++) {
    for (let p = 0; p < PARTITIONS; p++) {
      for (let i = 0; i < 4; i++) {
        const customer = p < 2 && r(6) === 0 ? 'cust-shared' : customerOf(p);
        const n = customer === 'cust-shared' ? 0 : Number(customer.slice(5));
        const unknown = n % 10 === 9;
        out.push({
          windowStart: T0 + m * MIN,
          partition: p,
          customer,
          unknown,
          event_type: pick(['play', 'pause', 'view', 'click']),
          country: unknown ? 'unknown' : ['DE', 'FR', 'US'][n % 3]!,
          plan: unknown ? 'unknown' : ['free', 'basic', 'premium'][Math.floor(n / 3) % 3]!,
          device: pick(['tv', 'mobile', 'web']),
          status_category: pick(['2xx', '2xx', '3xx', '4xx', '5xx']),
          content_id: `movie-${r(7)}`,
          watch_ms: r(5000),
        });
      }
    }
  }
  return out;
}

/** Documents of one index: events folded by `key`, `doc` giving the fields of the first event of a key. */
function fold(events: Event[], key: (e: Event) => string, doc: (e: Event, es: Event[]) => Json): DocWrite[] {
  const by = new Map<string, Event[]>();
  for (const e of events) by.set(key(e), [...(by.get(key(e)) ?? []), e]);
  return [...by].map(([id, es]) => ({ id, doc: doc(es[0]!, es) }));
}

const sumOf = (es: Event[], f: (e: Event) => number) => es.reduce((n, e) => n + f(e), 0);
const offsets = { first_offset: 10, last_offset: 20 };

function speedDocs(events: Event[]): { cube: DocWrite[]; content: DocWrite[]; uniques: DocWrite[] } {
  const totals = (es: Event[]) => ({
    events: es.length,
    watch_ms: sumOf(es, (e) => e.watch_ms),
    unknown_customer_events: es.filter((e) => e.unknown).length,
  });
  const cellOf = (e: Event) => [e.windowStart, e.event_type, e.country, e.plan, e.device, e.status_category].join('|');
  return {
    cube: fold(
      events,
      (e) => `${cellOf(e)}|${e.partition}`,
      (e, es) => ({
        cell: cellOf(e),
        window_start: e.windowStart,
        event_type: e.event_type,
        country: e.country,
        plan: e.plan,
        device: e.device,
        status_category: e.status_category,
        partition: e.partition,
        ...offsets,
        ...totals(es),
      }),
    ),
    content: fold(
      events,
      (e) => `${e.windowStart}|${e.content_id}|${e.partition}`,
      (e, es) => ({
        cell: `${e.windowStart}|${e.content_id}`,
        window_start: e.windowStart,
        content_id: e.content_id,
        partition: e.partition,
        ...offsets,
        ...totals(es),
      }),
    ),
    uniques: fold(
      events,
      (e) => `${e.windowStart}|${e.partition}`,
      (e, es) => {
        const sketch = new CustomerSketch();
        for (const x of es) sketch.addString(x.customer);
        return {
          window_start: e.windowStart,
          partition: e.partition,
          ...offsets,
          events: es.length,
          unique_customers: new Set(es.map((x) => x.customer)).size,
          customers_sketch: sketch.toBase64(),
        };
      },
    ),
  };
}

/** Per-minute reject counters for every partition, from 10 minutes before the events to 10 minutes after. */
function counterDocs(): DocWrite[] {
  const r = rng(11);
  const out: DocWrite[] = [];
  for (let m = -10; m < MINUTES + 10; m++) {
    for (let p = 0; p < PARTITIONS; p++)
      out.push({
        id: `${m}|${p}`,
        doc: {
          minute: T0 + m * MIN,
          partition: p,
          start_offset: 100 + m,
          late: r(3),
          dead_lettered: r(2),
          duplicates: r(4),
        },
      });
  }
  return out;
}

const countBy = (es: Event[], f: (e: Event) => string) => {
  const out: Record<string, number> = {};
  for (const e of es) out[f(e)] = (out[f(e)] ?? 0) + 1;
  return out;
};

/**
 * The buckets `speedBuckets` must return, computed from the events: windows starting in `ranges`, UTC slots of the
 * interval clipped to [first range start, last range end), summed per group; the content rollup has no status
 * split and records only `content_id`; unique customers only without groups.
 */
function expectedBuckets(
  events: Event[],
  ranges: { fromMs: number; toMs: number }[],
  intervalMs: number,
  groupBy: Dimension[],
): RawBucket[] {
  const content = groupBy.includes('content_id');
  const inRange = events.filter((e) => ranges.some((r) => e.windowStart >= r.fromMs && e.windowStart < r.toMs));
  const groupOf = (e: Event) =>
    Object.fromEntries(
      groupBy.map((d) => [d, content && d !== 'content_id' ? null : (e as unknown as Record<string, string>)[d]!]),
    );
  const by = new Map<string, Event[]>();
  for (const e of inRange) {
    const k = JSON.stringify([Math.floor(e.windowStart / intervalMs) * intervalMs, groupOf(e)]);
    by.set(k, [...(by.get(k) ?? []), e]);
  }
  const first = ranges[0]!.fromMs;
  const last = ranges.at(-1)!.toMs;
  return [...by].map(([k, es]) => {
    const slot = (JSON.parse(k) as [number])[0];
    const byStatus = countBy(es, (e) => e.status_category);
    return {
      startMs: Math.max(slot, first),
      endMs: Math.min(slot + intervalMs, last),
      source: 'speed' as const,
      group: groupOf(es[0]!),
      sums: {
        events: es.length,
        uniqueCustomers: groupBy.length ? null : new Set(es.map((e) => e.customer)).size,
        unknownCustomerEvents: es.filter((e) => e.unknown).length,
        watchMs: sumOf(es, (e) => e.watch_ms),
        bytes: null,
        errors: content ? null : (byStatus['4xx'] ?? 0) + (byStatus['5xx'] ?? 0),
        byStatusCategory: content ? null : byStatus,
      },
    };
  });
}

const sorted = (bs: RawBucket[]) =>
  [...bs].sort((a, b) => a.startMs - b.startMs || JSON.stringify(a.group).localeCompare(JSON.stringify(b.group)));
const query = (interval: ViewershipQuery['interval'], groupBy: Dimension[] = []): ViewershipQuery => ({
  fromMs: 0,
  toMs: 0,
  interval,
  groupBy,
  metrics: [...METRICS],
});

const cfg = testConfig();
const status = await serviceStatus();
const other = cfg.search.engine === 'opensearch' ? 'elasticsearch' : 'opensearch';
const ENGINES: { name: string; make: () => SearchSink; url: string }[] = [
  { name: cfg.search.engine, make: () => createSearchSink(cfg.search), url: cfg.search.url },
  ...(other === 'elasticsearch' && other in status
    ? [
        {
          name: other,
          url: `http://127.0.0.1:${process.env.ELASTICSEARCH_PORT ?? 9201}`,
          make: () => createElasticsearchSink({ url: `http://127.0.0.1:${process.env.ELASTICSEARCH_PORT ?? 9201}` }),
        },
      ]
    : []),
];

for (const engine of ENGINES) {
  describe(`speed view read back on ${engine.name}`, () => {
    const prefix = uniqueName('speedread');
    const events = makeEvents();
    const counters = counterDocs();
    let sink: SearchSink;

    beforeAll(async () => {
      sink = engine.make();
      await sink.putIndexTemplate(`${prefix}-speed`, [`${prefix}-speed-*`], SPEED_TEMPLATE);
      for (const index of speedIndices(prefix)) await sink.ensureIndex(index);
      const docs = speedDocs(events);
      const writes: [string, DocWrite[]][] = [
        [speedIndex(prefix), docs.cube],
        [speedContentIndex(prefix), docs.content],
        [speedUniquesIndex(prefix), docs.uniques],
        [speedCountersIndex(prefix), counters],
      ];
      for (const [index, batch] of writes) {
        const r = await sink.bulkIndex(index, batch);
        expect(r.failed, index).toEqual([]);
        expect(r.written).toBe(batch.length);
      }
      for (const index of speedIndices(prefix)) await sink.refresh(index);
    });

    afterAll(async () => {
      if (!sink) return;
      for (const index of speedIndices(prefix)) await sink.deleteIndex(index);
      const auth =
        engine.name === cfg.search.engine && cfg.search.auth
          ? {
              authorization: `Basic ${Buffer.from(`${cfg.search.auth.username}:${cfg.search.auth.password}`).toString('base64')}`,
            }
          : undefined;
      await fetch(`${engine.url}/_index_template/${prefix}-speed`, { method: 'DELETE', headers: auth }).catch(
        () => undefined,
      );
      await sink.close();
    });

    it('the data set is what the test means: a customer in two partitions, several pages of sketches', () => {
      const partitionsOf = (c: string) => new Set(events.filter((e) => e.customer === c).map((e) => e.partition));
      expect([...partitionsOf('cust-shared')].sort()).toEqual([0, 1]);
      expect(new Set(events.map((e) => `${e.windowStart}|${e.partition}`)).size).toBe(MINUTES * PARTITIONS);
      expect(events.some((e) => e.unknown)).toBe(true);
      // Some minute has cust-shared in both partitions: per-partition counts summed would count it twice.
      const minutesOf = (p: number) =>
        new Set(events.filter((e) => e.customer === 'cust-shared' && e.partition === p).map((e) => e.windowStart));
      expect([...minutesOf(0)].some((m) => minutesOf(1).has(m))).toBe(true);
    });

    it('speedTotals sums the cube and counters and merges the sketches over [from, to)', async () => {
      for (const [from, to] of [
        [T0, T0 + MINUTES * MIN],
        [T0 + 30 * MIN, T0 + 75 * MIN],
        [T0 - HOUR, T0 + 5 * HOUR],
      ] as const) {
        const es = events.filter((e) => e.windowStart >= from && e.windowStart < to);
        const cs = counters
          .map((c) => c.doc as { minute: number; late: number; dead_lettered: number; duplicates: number })
          .filter((c) => c.minute >= from && c.minute < to);
        const got = await speedTotals(sink, prefix, new Date(from), new Date(to));
        expect(got).toEqual({
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          events: es.length,
          uniqueCustomers: new Set(es.map((e) => e.customer)).size,
          unknownCustomerEvents: es.filter((e) => e.unknown).length,
          watchMs: sumOf(es, (e) => e.watch_ms),
          byEventType: countBy(es, (e) => e.event_type),
          byStatusCategory: countBy(es, (e) => e.status_category),
          late: cs.reduce((n, c) => n + c.late, 0),
          deadLettered: cs.reduce((n, c) => n + c.dead_lettered, 0),
          duplicates: cs.reduce((n, c) => n + c.duplicates, 0),
        });
      }
    });

    it('speedBuckets, ungrouped: per minute and per hour, unique customers from the merged sketches of each bucket', async () => {
      const all = [{ fromMs: T0, toMs: T0 + MINUTES * MIN }];
      const minutes = await speedBuckets(sink, prefix, query('minute'), all);
      expect(minutes).toHaveLength(MINUTES);
      expect(sorted(minutes)).toEqual(sorted(expectedBuckets(events, all, MIN, [])));
      const hours = await speedBuckets(sink, prefix, query('hour'), all);
      expect(sorted(hours)).toEqual(sorted(expectedBuckets(events, all, HOUR, [])));
      // Merging matters: an hour's distinct customers are fewer than its minutes' summed.
      for (const h of hours) {
        const inHour = minutes.filter((m) => m.startMs >= h.startMs && m.startMs < h.endMs);
        expect(h.sums.uniqueCustomers!).toBeLessThan(inHour.reduce((n, m) => n + m.sums.uniqueCustomers!, 0));
      }
      // A day bucket is clipped to the query; a part-hour range clips its hour buckets.
      const day = await speedBuckets(sink, prefix, query('day'), all);
      expect(day).toEqual(expectedBuckets(events, all, INTERVALS.day, []));
      expect(day[0]).toMatchObject({
        startMs: T0,
        endMs: T0 + MINUTES * MIN,
        sums: { uniqueCustomers: new Set(events.map((e) => e.customer)).size },
      });
      const part = [{ fromMs: T0 + 30 * MIN, toMs: T0 + 75 * MIN }];
      expect(sorted(await speedBuckets(sink, prefix, query('hour'), part))).toEqual(
        sorted(expectedBuckets(events, part, HOUR, [])),
      );
    });

    it('speedBuckets over two ranges reads sums and sketches of the windows in the ranges only', async () => {
      const two = [
        { fromMs: T0, toMs: T0 + 20 * MIN },
        { fromMs: T0 + 100 * MIN, toMs: T0 + MINUTES * MIN },
      ];
      const hours = await speedBuckets(sink, prefix, query('hour'), two);
      expect(sorted(hours)).toEqual(sorted(expectedBuckets(events, two, HOUR, [])));
      expect(sorted(await speedBuckets(sink, prefix, query('minute'), two))).toHaveLength(40);
    });

    it('speedBuckets grouped by country: sums per country from the cube, unique customers null', async () => {
      const all = [{ fromMs: T0, toMs: T0 + MINUTES * MIN }];
      const got = await speedBuckets(sink, prefix, query('hour', ['country']), all);
      expect(sorted(got)).toEqual(sorted(expectedBuckets(events, all, HOUR, ['country'])));
      expect(new Set(got.map((b) => b.group.country))).toEqual(new Set(['DE', 'FR', 'US', 'unknown']));
      expect(got.every((b) => b.sums.uniqueCustomers === null)).toBe(true);
    });

    it('speedBuckets grouped by content_id: sums from the content rollup, other dimensions and the status split null', async () => {
      const all = [{ fromMs: T0, toMs: T0 + MINUTES * MIN }];
      const got = await speedBuckets(sink, prefix, query('day', ['content_id', 'country']), all);
      expect(sorted(got)).toEqual(sorted(expectedBuckets(events, all, INTERVALS.day, ['content_id', 'country'])));
      expect(got).toHaveLength(7);
      expect(
        got.every(
          (b) =>
            b.group.country === null &&
            b.sums.byStatusCategory === null &&
            b.sums.errors === null &&
            b.sums.uniqueCustomers === null,
        ),
      ).toBe(true);
      const minutes = await speedBuckets(sink, prefix, query('minute', ['content_id']), all);
      expect(sorted(minutes)).toEqual(sorted(expectedBuckets(events, all, MIN, ['content_id'])));
    });

    it('missing indices read as an empty view', async () => {
      const none = uniqueName('speedread-none');
      const zero = await speedTotals(sink, none, new Date(T0), new Date(T0 + HOUR));
      expect(zero).toMatchObject({
        events: 0,
        uniqueCustomers: 0,
        unknownCustomerEvents: 0,
        watchMs: 0,
        byEventType: {},
        byStatusCategory: {},
        late: 0,
        deadLettered: 0,
        duplicates: 0,
      });
      expect(await speedBuckets(sink, none, query('minute'), [{ fromMs: T0, toMs: T0 + HOUR }])).toEqual([]);
    });
  });
}
