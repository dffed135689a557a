import { describe, expect, it } from 'vitest';
import type { Json, SearchRequest, SearchSink } from '../../adapters/search/types.js';
import { CustomerSketch } from '../stream/sketch.js';
import {
  UNIQUES_PAGE,
  bucketSlot,
  forEachUniquesDoc,
  uniquesByBucket,
  uniquesOver,
  uniquesPageQuery,
  windowStartMs,
  type UniquesDoc,
} from './speed-uniques.js';

const MIN = 60_000;
const T0 = Date.parse('2026-11-23T10:00:00Z');

const sketchOf = (ids: string[]) => {
  const s = new CustomerSketch();
  for (const id of ids) s.addString(id);
  return s.toBase64();
};

/** Whether a stored document matches the subset of the query DSL the reader sends (bool, range, ids). */
function matches(q: Json, id: string, doc: Json): boolean {
  if (q.bool) {
    const b = q.bool as { filter?: Json[]; should?: Json[]; must_not?: Json[]; minimum_should_match?: number };
    if (!(b.filter ?? []).every((c) => matches(c, id, doc))) return false;
    if ((b.must_not ?? []).some((c) => matches(c, id, doc))) return false;
    return !b.should || b.should.filter((c) => matches(c, id, doc)).length >= (b.minimum_should_match ?? 1);
  }
  if (q.range) {
    const [[field, r]] = Object.entries(
      q.range as Record<string, { gt?: number; gte?: number; lt?: number; lte?: number }>,
    ) as [[string, Record<string, number>]];
    const v = Number(doc[field]);
    return (
      (r.gt === undefined || v > r.gt) &&
      (r.gte === undefined || v >= r.gte) &&
      (r.lt === undefined || v < r.lt) &&
      (r.lte === undefined || v <= r.lte)
    );
  }
  if (q.ids) return (q.ids as { values: string[] }).values.includes(id);
  throw new Error(`query not understood: ${JSON.stringify(q)}`);
}

/**
 * A search sink over in-memory documents for the reader's queries, sorted as asked; ties come out in reverse id
 * order (the engine's order among equal sort keys is unspecified). Records every request.
 */
function fakeSink(
  docs: { id: string; doc: UniquesDoc }[],
  missing = false,
): SearchSink & { requests: SearchRequest[] } {
  const requests: SearchRequest[] = [];
  const sink = {
    engine: 'opensearch' as const,
    requests,
    async search(_index: string, req: SearchRequest) {
      requests.push(req);
      if (missing) throw Object.assign(new Error('index_not_found_exception'), { meta: { statusCode: 404 } });
      const hit = docs.filter((d) => matches(req.query ?? { bool: {} }, d.id, d.doc as unknown as Json));
      hit.sort(
        (a, b) =>
          windowStartMs(a.doc.window_start) - windowStartMs(b.doc.window_start) ||
          a.doc.partition - b.doc.partition ||
          b.id.localeCompare(a.id),
      );
      const keep = (d: UniquesDoc) =>
        Object.fromEntries(Object.entries(d).filter(([k]) => !req.fields || req.fields.includes(k)));
      return { total: hit.length, hits: hit.slice(0, req.size ?? 10).map((d) => ({ id: d.id, source: keep(d.doc) })) };
    },
  };
  return sink as unknown as SearchSink & { requests: SearchRequest[] };
}

describe('speed-view unique customers', () => {
  it('buckets window starts by UTC slot and reads stored window starts as epoch ms', () => {
    expect(bucketSlot(T0 + 59 * MIN + 1, 3_600_000)).toBe(T0);
    expect(bucketSlot(T0 + 3 * MIN, MIN)).toBe(T0 + 3 * MIN);
    expect(windowStartMs(T0)).toBe(T0);
    expect(windowStartMs(String(T0))).toBe(T0);
    expect(windowStartMs(new Date(T0).toISOString())).toBe(T0);
  });

  it('the first page asks only for the ranges; later pages start at the cursor and leave out ids read at its key', () => {
    const ranges = [
      { fromMs: 0, toMs: 10 },
      { fromMs: 20, toMs: 30 },
    ];
    const first = uniquesPageQuery(ranges);
    expect(first).toEqual({
      bool: {
        filter: [
          {
            bool: {
              should: [
                { range: { window_start: { gte: 0, lt: 10 } } },
                { range: { window_start: { gte: 20, lt: 30 } } },
              ],
              minimum_should_match: 1,
            },
          },
        ],
      },
    });
    const later = uniquesPageQuery(ranges, { windowStartMs: 5, partition: 2, ids: ['a'] }) as {
      bool: { filter: Json[]; must_not: Json[] };
    };
    expect(later.bool.filter).toHaveLength(2);
    expect(later.bool.must_not).toEqual([{ ids: { values: ['a'] } }]);
    const doc = (ws: number, partition: number) => ({ window_start: ws, partition });
    expect([
      matches(later, 'b', doc(5, 1)),
      matches(later, 'b', doc(5, 2)),
      matches(later, 'a', doc(5, 2)),
      matches(later, 'b', doc(6, 0)),
      matches(later, 'b', doc(12, 9)),
    ]).toEqual([false, true, false, true, false]);
  });

  it('visits every document in the ranges exactly once across pages, even with many documents on one key', async () => {
    const docs: { id: string; doc: UniquesDoc }[] = [];
    const sketch = sketchOf(['c']);
    for (let m = 0; m < 60; m++)
      for (let p = 0; p < 3; p++)
        docs.push({ id: `w${m}-p${p}`, doc: { window_start: T0 + m * MIN, partition: p, customers_sketch: sketch } });
    // 150 more documents on (minute 30, partition 1): more than a page, so that key straddles page boundaries.
    for (let i = 0; i < 150; i++)
      docs.push({
        id: `tie-${String(i).padStart(3, '0')}`,
        doc: { window_start: T0 + 30 * MIN, partition: 1, customers_sketch: sketch },
      });
    docs.push({ id: 'before', doc: { window_start: T0 - MIN, partition: 0, customers_sketch: sketch } });
    docs.push({ id: 'after', doc: { window_start: T0 + 60 * MIN, partition: 0, customers_sketch: sketch } });
    const sink = fakeSink(docs);
    const seen: [number, number][] = [];
    await forEachUniquesDoc(sink, 'p', [{ fromMs: T0, toMs: T0 + 60 * MIN }], (d) =>
      seen.push([windowStartMs(d.window_start), d.partition]),
    );
    expect(seen).toHaveLength(180 + 150);
    expect(UNIQUES_PAGE).toBe(100);
    expect(sink.requests).toHaveLength(4); // 100 + 100 + 100 + 30
    expect(
      sink.requests.every(
        (r) =>
          r.size === UNIQUES_PAGE &&
          JSON.stringify(r.fields) === JSON.stringify(['window_start', 'partition', 'customers_sketch']),
      ),
    ).toBe(true);
    expect(seen.filter(([ws, p]) => ws === T0 + 30 * MIN && p === 1)).toHaveLength(151);
    for (let i = 1; i < seen.length; i++) {
      const [[w0, p0], [w1, p1]] = [seen[i - 1]!, seen[i]!];
      expect(w1 > w0 || (w1 === w0 && p1 >= p0)).toBe(true);
    }
  });

  it('merges the sketches of every partition and window in a bucket: a customer counts once per bucket', async () => {
    const doc = (id: string, minute: number, partition: number, customers: string[]) => ({
      id,
      doc: { window_start: T0 + minute * MIN, partition, customers_sketch: sketchOf(customers) },
    });
    const sink = fakeSink([
      doc('a', 0, 0, ['c1', 'c2']),
      doc('b', 0, 1, ['c2', 'c3']), // c2 in two partitions in the same minute
      doc('c', 1, 2, ['c1', 'c4']), // c1 again in the next minute
      doc('d', 61, 0, ['c5']),
    ]);
    const ranges = [{ fromMs: T0, toMs: T0 + 2 * 3_600_000 }];
    expect(await uniquesByBucket(sink, 'p', ranges, MIN)).toEqual(
      new Map([
        [T0, 3],
        [T0 + MIN, 2],
        [T0 + 61 * MIN, 1],
      ]),
    );
    expect(await uniquesByBucket(sink, 'p', ranges, 3_600_000)).toEqual(
      new Map([
        [T0, 4],
        [T0 + 3_600_000, 1],
      ]),
    );
    expect(await uniquesOver(sink, 'p', ranges)).toBe(5);
    expect(await uniquesOver(sink, 'p', [{ fromMs: T0 + MIN, toMs: T0 + 62 * MIN }])).toBe(3);
  });

  it('reads nothing for no ranges, and a missing index as no documents', async () => {
    const none = fakeSink([]);
    expect(await uniquesOver(none, 'p', [])).toBe(0);
    expect(none.requests).toHaveLength(0);
    expect(await uniquesByBucket(fakeSink([], true), 'p', [{ fromMs: 0, toMs: 1 }], MIN)).toEqual(new Map());
    expect(await uniquesOver(fakeSink([], true), 'p', [{ fromMs: 0, toMs: 1 }])).toBe(0);
  });
});
