/**
 * Paged composite aggregations through the engine-neutral search sink (the same DSL on OpenSearch and
 * Elasticsearch): every bucket of a multi-source grouping a page at a time, or the top N groups of each time slot
 * with the limit pushed into the query; both within the request's bounds (bucket budget, deadline).
 */
import type { Json, SearchSink } from '../../adapters/search/types.js';
import { checkBounds, TooManyBucketsError, type ReadBounds } from './bounds.js';

/** One composite bucket: its key values and sub-aggregation results. */
export interface CompositeBucket {
  key: Record<string, string | number | null>;
  doc_count: number;
  [agg: string]: unknown;
}

const PAGE = 1000;
/** Upper bound on composite buckets read for one query (1M), a guard against a runaway loop. */
const MAX_COMPOSITE_BUCKETS = 1_000_000;

/** True when the error is the engine's 404 (index not created yet). */
export function isIndexMissing(err: unknown): boolean {
  const e = err as { meta?: { statusCode?: number }; statusCode?: number };
  return e?.meta?.statusCode === 404 || e?.statusCode === 404;
}

/** A composite aggregation request: the query, the composite sources and the sub-aggregations of each bucket. */
export interface CompositeRequest {
  query: Json;
  sources: Json[];
  aggs: Json;
}

/** The pages of a composite aggregation over `index`, `size` buckets each (none when the index does not exist). */
async function* compositePages(
  search: SearchSink,
  index: string,
  o: CompositeRequest,
  size: number,
  bounds?: ReadBounds,
): AsyncGenerator<CompositeBucket[]> {
  let after: Json | undefined;
  const maxPages = Math.ceil(MAX_COMPOSITE_BUCKETS / size);
  for (let page = 0; page < maxPages; page++) {
    checkBounds(bounds);
    let r;
    try {
      r = await search.search(index, {
        size: 0,
        query: o.query,
        aggs: { g: { composite: { size, sources: o.sources, ...(after ? { after } : {}) }, aggs: o.aggs } },
      });
    } catch (err) {
      if (isIndexMissing(err)) return;
      throw err;
    }
    checkBounds(bounds);
    const g = (r.aggregations?.g ?? { buckets: [] }) as { buckets: CompositeBucket[]; after_key?: Json };
    yield g.buckets;
    if (g.buckets.length < size || !g.after_key) return;
    after = g.after_key;
  }
  throw new Error(`composite aggregation over ${index} exceeded ${MAX_COMPOSITE_BUCKETS} buckets`);
}

/**
 * Every bucket of a composite aggregation over `index` (none when the index does not exist). With `bounds`, each
 * page's buckets are taken from the request's budget (a throw past it) and the deadline is checked between pages.
 */
export async function compositeAll(
  search: SearchSink,
  index: string,
  o: CompositeRequest,
  bounds?: ReadBounds,
): Promise<CompositeBucket[]> {
  const out: CompositeBucket[] = [];
  for await (const page of compositePages(search, index, o, PAGE, bounds)) {
    bounds?.budget?.take(page.length);
    out.push(...page);
  }
  return out;
}

/** Most group buckets one page of `topGroupsAll` asks for (time slots × limit), far under the engines' default `search.max_buckets` (65,536) with the status split's buckets counted too. */
const TOP_PAGE_BUCKETS = 5000;

/** Search sinks whose engine has no `multi_terms` aggregation (Elasticsearch without its analytics module). */
const withoutMultiTerms = new WeakSet<SearchSink>();

/** True when the engine rejected a request for not knowing the `multi_terms` aggregation. */
function isMultiTermsUnknown(err: unknown): boolean {
  const e = err as { message?: string; meta?: { body?: unknown } };
  const text = `${e?.message ?? ''} ${JSON.stringify(e?.meta?.body ?? '')}`;
  return /multi_terms/.test(text) && /unknown (aggregation|field)|named_object_not_found|parsing_exception/i.test(text);
}

/**
 * The top `limit` groups of each time slot, ranked by the `orderBy` sum (most first, ties by key), read with the
 * limit pushed into the query: a composite aggregation over the time `sources` only, and under each slot a `terms`
 * (one dimension) or `multi_terms` (several) aggregation of `size: limit` over `dims`. The engine returns at most
 * slots × limit groups, however many groups exist. Exact on the project's single-shard indices (the templates set
 * one shard; over several shards a top-N by a sum is the engines' usual approximation). Each returned bucket has
 * the slot's and the group's keys together, like a `compositeAll` bucket over sources + dims.
 * An engine without `multi_terms` (Elasticsearch without its analytics module) gets, for several dimensions, the
 * composite read of every group instead, within the same bucket budget (the caller keeps the top `limit`).
 */
export async function topGroupsAll(
  search: SearchSink,
  index: string,
  o: CompositeRequest & { dims: string[]; orderBy: string; limit: number },
  bounds?: ReadBounds,
): Promise<CompositeBucket[]> {
  const everyGroup = () =>
    compositeAll(
      search,
      index,
      { ...o, sources: [...o.sources, ...o.dims.map((d) => ({ [d]: { terms: { field: d } } }))] },
      bounds,
    ).catch((err: unknown) => {
      if (!(err instanceof TooManyBucketsError)) throw err;
      throw new TooManyBucketsError(
        'groupBy',
        `${err.message} (this search engine has no multi_terms aggregation, so a limit over several dimensions reads every group: group by one dimension to have the limit applied by the engine)`,
      );
    });
  if (o.dims.length > 1 && withoutMultiTerms.has(search)) return everyGroup();
  const order = [{ [o.orderBy]: 'desc' }, { _key: 'asc' }];
  const groups =
    o.dims.length === 1
      ? { terms: { field: o.dims[0], size: o.limit, order } }
      : { multi_terms: { terms: o.dims.map((field) => ({ field })), size: o.limit, order } };
  const size = Math.max(1, Math.min(PAGE, Math.floor(TOP_PAGE_BUCKETS / o.limit)));
  const out: CompositeBucket[] = [];
  try {
    for await (const page of compositePages(
      search,
      index,
      { query: o.query, sources: o.sources, aggs: { top: { ...groups, aggs: o.aggs } } },
      size,
      bounds,
    )) {
      const flat: CompositeBucket[] = [];
      for (const slot of page) {
        for (const g of (slot.top as { buckets?: (Omit<CompositeBucket, 'key'> & { key: unknown })[] } | undefined)
          ?.buckets ?? []) {
          const values = (Array.isArray(g.key) ? g.key : [g.key]) as (string | number | null)[];
          flat.push({
            ...g,
            doc_count: Number(g.doc_count),
            key: { ...slot.key, ...Object.fromEntries(o.dims.map((d, i) => [d, values[i] ?? null])) },
          });
        }
      }
      bounds?.budget?.take(flat.length);
      out.push(...flat);
    }
  } catch (err) {
    if (o.dims.length < 2 || out.length > 0 || !isMultiTermsUnknown(err)) throw err;
    withoutMultiTerms.add(search);
    return everyGroup();
  }
  return out;
}

/** Value of a `sum`/`cardinality` sub-aggregation (0 when absent). */
export const aggValue = (b: CompositeBucket, name: string): number =>
  Number((b[name] as { value?: number } | undefined)?.value ?? 0);

/** `{key: sum}` of a `terms` sub-aggregation whose buckets carry a sum named `n`. */
export function termsSums(b: CompositeBucket, name: string): Record<string, number> {
  const t = b[name] as { buckets?: { key: string; n: { value: number } }[] } | undefined;
  return Object.fromEntries((t?.buckets ?? []).map((x) => [x.key, x.n.value]));
}

/** Sum of the 4xx and 5xx entries of a by-status-category map. */
export const errorEvents = (byStatus: Record<string, number>): number =>
  Object.entries(byStatus).reduce((n, [k, v]) => (k.startsWith('4') || k.startsWith('5') ? n + v : n), 0);
