/**
 * Unique customers of the speed view: every `<prefix>-speed-uniques` document (one per window and input
 * partition) carries a mergeable customer sketch, so the distinct customers of any set of windows is the
 * estimate of the union of their sketches — exact while the union holds at most 10,000 customers, HyperLogLog
 * (p = 16) above. Summing the documents' own counts would count a customer seen in two windows (or, should it
 * happen, in two partitions) twice.
 */
import type { Json, SearchSink } from '../../adapters/search/types.js';
import { speedUniquesIndex } from '../search-templates.js';
import { CustomerSketch } from '../stream/sketch.js';
import { checkBounds, type ReadBounds } from './bounds.js';
import { isIndexMissing } from './composite.js';

/** A time range `[fromMs, toMs)` of window starts. */
export interface MsRange {
  fromMs: number;
  toMs: number;
}

/** The fields of a uniques document this module reads. */
export interface UniquesDoc {
  window_start: number | string;
  partition: number;
  customers_sketch: string;
}

/** Where a page of documents ended: the last sort key read and the ids already read with exactly that key. */
export interface PageCursor {
  windowStartMs: number;
  partition: number;
  ids: string[];
}

/**
 * Documents per page. A sketch is at most about 107 kB of base64 (an exact set of 10,000 customers; the
 * HyperLogLog registers are 66 kB), so a page stays near 10 MB; a day of 1-minute windows over 3 partitions
 * (4,320 documents) takes 44 pages.
 */
export const UNIQUES_PAGE = 100;
/** Upper bound on pages read for one question (a runaway-loop guard: 10 million documents). */
const MAX_PAGES = 100_000;

/** Epoch ms of a stored `window_start` (written as epoch ms; an ISO string is accepted too). */
export function windowStartMs(v: number | string): number {
  return typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : Date.parse(v);
}

/** Start of the UTC bucket of width `intervalMs` holding `ms` (the slots the engine's fixed-interval histogram uses). */
export const bucketSlot = (ms: number, intervalMs: number): number => Math.floor(ms / intervalMs) * intervalMs;

/**
 * The query of one page, sorted by (window_start, partition): documents whose window starts in one of `ranges`
 * and, after the first page, whose key is after the cursor's — or equal to it, minus the ids already read — so no
 * document is skipped or read twice, even should two documents share a key.
 */
export function uniquesPageQuery(ranges: MsRange[], after?: PageCursor): Json {
  const inRanges = {
    bool: {
      should: ranges.map((r) => ({ range: { window_start: { gte: r.fromMs, lt: r.toMs } } })),
      minimum_should_match: 1,
    },
  };
  if (!after) return { bool: { filter: [inRanges] } };
  const ws = after.windowStartMs;
  const afterKey = {
    bool: {
      should: [
        { range: { window_start: { gt: ws } } },
        {
          bool: {
            filter: [
              { range: { window_start: { gte: ws, lte: ws } } },
              { range: { partition: { gte: after.partition } } },
            ],
          },
        },
      ],
      minimum_should_match: 1,
    },
  };
  return {
    bool: { filter: [inRanges, afterKey], ...(after.ids.length ? { must_not: [{ ids: { values: after.ids } }] } : {}) },
  };
}

/** The cursor after a page: its last key, with every id of that key read so far (carried over from `prev`). */
export function nextCursor(page: { id: string; source: UniquesDoc }[], prev?: PageCursor): PageCursor | undefined {
  const last = page.at(-1);
  if (!last) return undefined;
  const key = { windowStartMs: windowStartMs(last.source.window_start), partition: Number(last.source.partition) };
  const same = page
    .filter(
      (h) => windowStartMs(h.source.window_start) === key.windowStartMs && Number(h.source.partition) === key.partition,
    )
    .map((h) => h.id);
  const carried = prev && prev.windowStartMs === key.windowStartMs && prev.partition === key.partition ? prev.ids : [];
  return { ...key, ids: [...carried, ...same] };
}

/** Union of sketches per slot: `add` merges a window's sketch into its slot's union. */
export class SlotSketches {
  private readonly slots = new Map<number, CustomerSketch>();

  /** Merge `sketch` into the union of `slot`. */
  add(slot: number, sketch: CustomerSketch): void {
    const into = this.slots.get(slot);
    if (into) into.merge(sketch);
    else this.slots.set(slot, sketch);
  }

  /** The distinct-customer estimate of one slot (0 when nothing was added to it). */
  estimate(slot: number): number {
    return Math.round(this.slots.get(slot)?.estimate() ?? 0);
  }

  /** Every slot with its estimate. */
  estimates(): Map<number, number> {
    return new Map([...this.slots.keys()].map((s) => [s, this.estimate(s)]));
  }
}

/**
 * Visit every uniques document whose window starts in `ranges`, a page at a time in (window_start, partition)
 * order, reading only the key and the sketch. A missing index has no documents. Past `bounds`' deadline the
 * next page is not read (the signal's reason is thrown).
 */
export async function forEachUniquesDoc(
  search: SearchSink,
  prefix: string,
  ranges: MsRange[],
  visit: (doc: UniquesDoc) => void,
  bounds?: ReadBounds,
): Promise<void> {
  if (ranges.length === 0) return;
  let cursor: PageCursor | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    checkBounds(bounds);
    let r;
    try {
      r = await search.search<UniquesDoc>(speedUniquesIndex(prefix), {
        size: UNIQUES_PAGE,
        query: uniquesPageQuery(ranges, cursor),
        sort: [{ window_start: 'asc' }, { partition: 'asc' }],
        fields: ['window_start', 'partition', 'customers_sketch'],
      });
    } catch (err) {
      if (isIndexMissing(err)) return;
      throw err;
    }
    for (const h of r.hits) visit(h.source);
    if (r.hits.length < UNIQUES_PAGE) return;
    cursor = nextCursor(r.hits, cursor);
  }
  throw new Error(`reading ${speedUniquesIndex(prefix)} exceeded ${MAX_PAGES * UNIQUES_PAGE} documents`);
}

/**
 * Distinct customers per UTC bucket of width `intervalMs` (keyed by bucket start) over the windows starting in
 * `ranges`: the union of the sketches of every partition's document of every window in the bucket.
 */
export async function uniquesByBucket(
  search: SearchSink,
  prefix: string,
  ranges: MsRange[],
  intervalMs: number,
  bounds?: ReadBounds,
): Promise<Map<number, number>> {
  const slots = new SlotSketches();
  await forEachUniquesDoc(
    search,
    prefix,
    ranges,
    (d) => {
      if (d.customers_sketch)
        slots.add(bucketSlot(windowStartMs(d.window_start), intervalMs), CustomerSketch.fromBase64(d.customers_sketch));
    },
    bounds,
  );
  return slots.estimates();
}

/** Distinct customers over every window starting in `ranges` (one union of all their sketches). */
export async function uniquesOver(search: SearchSink, prefix: string, ranges: MsRange[]): Promise<number> {
  const slots = new SlotSketches();
  await forEachUniquesDoc(search, prefix, ranges, (d) => {
    if (d.customers_sketch) slots.add(0, CustomerSketch.fromBase64(d.customers_sketch));
  });
  return slots.estimate(0);
}
