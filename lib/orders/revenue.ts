/**
 * The revenue view: one index of daily revenue aggregates per date (`<prefix>-revenue-daily`), its template,
 * document shapes, and the totals readers build from a date's total document. Money is kept in integer
 * cents (`*_cents`, long) so sums are exact; readers print them as decimal strings with 2 places.
 */
import type { IndexDefinition } from '../../adapters/search/types.js';
import { ORDER_KINDS } from '../../adapters/profiles/orders-types.js';
import { centsToDecimal, type RevenueTotals } from '../../common/orders.js';

/** Index of the daily revenue aggregates. */
export const revenueIndex = (prefix: string): string => `${prefix}-revenue-daily`;
/** Name and pattern of the revenue indices' template. */
export const revenueTemplate = (prefix: string): { name: string; pattern: string } => ({
  name: `${prefix}-revenue`,
  pattern: `${prefix}-revenue-*`,
});
/** Id of a date's total document: its presence marks the date complete for readers (written last). */
export const revenueMarkerId = (date: string): string => `${date}:total`;

/** Dimensions a date's revenue is broken down by (one document per value). */
export const REVENUE_DIMENSIONS = ['order_kind', 'plan', 'country', 'currency'] as const;
/** One of {@link REVENUE_DIMENSIONS}. */
export type RevenueDimension = (typeof REVENUE_DIMENSIONS)[number];

/** Measures of a set of orders (every revenue document has them). */
export interface RevenueMeasures {
  orders: number;
  paid_orders: number;
  refunded_orders: number;
  paid_cents: number;
  refunded_cents: number;
  max_cents: number;
  unique_customers: number;
}

/** A date's total document. */
export interface RevenueTotalDoc extends RevenueMeasures {
  date: string;
  kind: 'total';
  by_kind: Record<string, { orders: number; paid_cents: number; refunded_cents: number }>;
  /** Currencies of the date's orders (amounts are summed as recorded: one currency is expected). */
  currencies: string[];
  /** Fingerprint of the registered partition the document was computed from ('' when the date has none). */
  input_fingerprint: string;
  lake_files: number;
}

/** A revenue document with its deterministic id. */
export interface RevenueDoc {
  id: string;
  doc: (
    | RevenueTotalDoc
    | (RevenueMeasures & { date: string; kind: RevenueDimension } & Partial<Record<RevenueDimension, string>>)
  ) &
    Record<string, unknown>;
}

const long = { type: 'long' };
const kw = { type: 'keyword' };
const measures = Object.fromEntries(
  ['orders', 'paid_orders', 'refunded_orders', 'paid_cents', 'refunded_cents', 'max_cents', 'unique_customers'].map(
    (f) => [f, long],
  ),
);
const kindMeasures = { properties: { orders: long, paid_cents: long, refunded_cents: long } };

/** Template of the revenue indices (strict mapping; the same JSON for OpenSearch and Elasticsearch). */
export const REVENUE_TEMPLATE: IndexDefinition = {
  settings: { number_of_shards: 1, number_of_replicas: 0 },
  mappings: {
    dynamic: 'strict',
    properties: {
      date: { type: 'date', format: 'yyyy-MM-dd' },
      kind: kw,
      order_kind: kw,
      plan: kw,
      country: kw,
      currency: kw,
      currencies: kw,
      input_fingerprint: kw,
      lake_files: long,
      ...measures,
      by_kind: { properties: Object.fromEntries(ORDER_KINDS.map((k) => [k, kindMeasures])) },
    },
  },
};

/** Totals of a date as `orders status` prints them, from its total document (zeros when there is none). */
export function totalsFromDoc(doc: Partial<RevenueTotalDoc> | undefined): RevenueTotals {
  const n = (v: unknown) => Number(v ?? 0);
  const byKind: RevenueTotals['byKind'] = {};
  for (const k of ORDER_KINDS) {
    const x = doc?.by_kind?.[k];
    byKind[k] = {
      orders: n(x?.orders),
      paidAmount: centsToDecimal(n(x?.paid_cents)),
      refundedAmount: centsToDecimal(n(x?.refunded_cents)),
    };
  }
  return {
    orders: n(doc?.orders),
    paidAmount: centsToDecimal(n(doc?.paid_cents)),
    refundedAmount: centsToDecimal(n(doc?.refunded_cents)),
    maxAmount: centsToDecimal(n(doc?.max_cents)),
    uniqueCustomers: n(doc?.unique_customers),
    byKind,
  };
}
