/**
 * Paged composite aggregations through the engine-neutral search sink (the same DSL on OpenSearch and
 * Elasticsearch): every bucket of a multi-source grouping, however many, a page at a time.
 */
import type { Json, SearchSink } from '../../adapters/search/types.js';

/** One composite bucket: its key values and sub-aggregation results. */
export interface CompositeBucket {
  key: Record<string, string | number | null>;
  doc_count: number;
  [agg: string]: unknown;
}

const PAGE = 1000;
/** Upper bound on pages read for one query (1M buckets), a guard against a runaway loop. */
const MAX_PAGES = 1000;

/** True when the error is the engine's 404 (index not created yet). */
export function isIndexMissing(err: unknown): boolean {
  const e = err as { meta?: { statusCode?: number }; statusCode?: number };
  return e?.meta?.statusCode === 404 || e?.statusCode === 404;
}

/** Every bucket of a composite aggregation over `index` (none when the index does not exist). */
export async function compositeAll(
  search: SearchSink,
  index: string,
  o: { query: Json; sources: Json[]; aggs: Json },
): Promise<CompositeBucket[]> {
  const out: CompositeBucket[] = [];
  let after: Json | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    let r;
    try {
      r = await search.search(index, {
        size: 0,
        query: o.query,
        aggs: { g: { composite: { size: PAGE, sources: o.sources, ...(after ? { after } : {}) }, aggs: o.aggs } },
      });
    } catch (err) {
      if (isIndexMissing(err)) return out;
      throw err;
    }
    const g = (r.aggregations?.g ?? { buckets: [] }) as { buckets: CompositeBucket[]; after_key?: Json };
    out.push(...g.buckets);
    if (g.buckets.length < PAGE || !g.after_key) return out;
    after = g.after_key;
  }
  throw new Error(`composite aggregation over ${index} exceeded ${MAX_PAGES * PAGE} buckets`);
}

/** Value of a `sum`/`cardinality` sub-aggregation (0 when absent). */
export const aggValue = (b: CompositeBucket, name: string): number => Number((b[name] as { value?: number } | undefined)?.value ?? 0);

/** `{key: sum}` of a `terms` sub-aggregation whose buckets carry a sum named `n`. */
export function termsSums(b: CompositeBucket, name: string): Record<string, number> {
  const t = b[name] as { buckets?: { key: string; n: { value: number } }[] } | undefined;
  return Object.fromEntries((t?.buckets ?? []).map((x) => [x.key, x.n.value]));
}

/** Sum of the 4xx and 5xx entries of a by-status-category map. */
export const errorEvents = (byStatus: Record<string, number>): number =>
  Object.entries(byStatus).reduce((n, [k, v]) => (k.startsWith('4') || k.startsWith('5') ? n + v : n), 0);
