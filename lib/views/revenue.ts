/**
 * `GET /api/revenue`: daily revenue aggregates of the orders import (issue 12), read from the revenue index.
 * A date is answered only once its total document (the day marker, written last) exists; the dates of the range
 * without one are listed in `missingDays`. Amounts are exact decimal strings with 2 places (integer cents inside).
 */
import { z } from 'zod/v4';
import type { SearchSink } from '../../adapters/search/types.js';
import { centsToDecimal, type RevenueTotals } from '../../common/orders.js';
import { dateRange, isIsoDate } from '../../common/weblog.js';
import {
  REVENUE_DIMENSIONS,
  revenueIndex,
  revenueMarkerId,
  totalsFromDoc,
  type RevenueDimension,
  type RevenueMeasures,
  type RevenueTotalDoc,
} from '../orders/revenue.js';
import { TooManyBucketsError, checkBounds, type ReadBounds } from './bounds.js';
import { BadParameterError } from './params.js';

/** A validated revenue query: dates inclusive, optional breakdown. */
export interface RevenueQuery {
  from: string;
  to: string;
  groupBy: RevenueDimension | null;
}

/** One group of a day's breakdown. */
export interface RevenueGroup {
  value: string;
  orders: number;
  paidAmount: string;
  refundedAmount: string;
  maxAmount: string;
  uniqueCustomers: number;
}

/** The API's answer. */
export interface RevenueResult {
  from: string;
  to: string;
  groupBy: RevenueDimension | null;
  days: (RevenueTotals & { date: string; groups?: RevenueGroup[] })[];
  /** Dates of the range not (completely) aggregated yet. */
  missingDays: string[];
  /** Sums over the answered days (unique customers do not add up across days, so they are not summed). */
  total: { orders: number; paidAmount: string; refundedAmount: string };
}

/** Most group documents one answer may read (the engines' default result window). */
export const MAX_REVENUE_GROUPS = 10_000;

const shown = (v: unknown) => String(v).slice(0, 40);
const day = (name: 'from' | 'to', description: string) =>
  z
    .string()
    .refine(isIsoDate, { error: (i) => `${name} must be a calendar date YYYY-MM-DD (got "${shown(i.input)}")` })
    .optional()
    .describe(description);

/**
 * The query parameters of `GET /api/revenue`: checks them in `parseRevenueQuery` and documents them in
 * `/openapi.json`. An empty value is the default; a repeated one counts once.
 */
export const REVENUE_QUERY = z.strictObject({
  from: day('from', 'First date (YYYY-MM-DD, UTC). Default: 29 days before `to`').meta({ example: '2026-11-01' }),
  to: day('to', 'Last date (inclusive). Default: today'),
  groupBy: z
    .enum(REVENUE_DIMENSIONS, {
      error: (i) => `groupBy must be one of ${REVENUE_DIMENSIONS.join(', ')} (got "${shown(i.input)}")`,
    })
    .optional()
    .describe(`Breakdown per date: ${REVENUE_DIMENSIONS.join(', ')}`)
    .meta({ example: 'plan' }),
});
const PARAMS = Object.keys(REVENUE_QUERY.shape);

/** Validate the query parameters (defaults: the 30 days ending today, UTC); a bad one is a `BadParameterError` naming it. */
export function parseRevenueQuery(p: URLSearchParams, nowMs: number, o: { maxRangeDays: number }): RevenueQuery {
  const raw: Record<string, string> = {};
  for (const k of p.keys()) {
    if (!PARAMS.includes(k))
      throw new BadParameterError(k, `unknown parameter "${k.slice(0, 40)}" (known: ${PARAMS.join(', ')})`);
    const v = p.get(k);
    if (v) raw[k] = v;
  }
  const parsed = REVENUE_QUERY.safeParse(raw);
  const issues = new Map(parsed.error?.issues.map((i) => [String(i.path[0]), i.message]));
  // The order of the checks: to, from, the range, groupBy.
  for (const name of ['to', 'from']) if (issues.has(name)) throw new BadParameterError(name, issues.get(name)!);
  const to = raw.to ?? new Date(nowMs).toISOString().slice(0, 10);
  const from = raw.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
  if (to < from) throw new BadParameterError('to', `to (${to}) is before from (${from})`);
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
  if (days > o.maxRangeDays)
    throw new BadParameterError(
      'from',
      `the range is ${days} days; at most ${o.maxRangeDays} (SERVE_MAX_RANGE_DAYS): narrow from–to`,
    );
  if (issues.has('groupBy')) throw new BadParameterError('groupBy', issues.get('groupBy')!);
  return { from, to, groupBy: parsed.data?.groupBy ?? null };
}

const missingIndex = (err: unknown): boolean => /index_not_found/.test(String((err as Error)?.message ?? err));

/** Answer a validated query from the revenue index, within the request's deadline signal. */
export async function queryRevenue(
  search: SearchSink,
  prefix: string,
  q: RevenueQuery,
  bounds?: ReadBounds,
): Promise<RevenueResult> {
  const index = revenueIndex(prefix);
  const dates = dateRange(q.from, q.to);
  const totals = new Map<string, RevenueTotalDoc>();
  for (let i = 0; i < dates.length; i += 500) {
    checkBounds(bounds);
    const ids = dates.slice(i, i + 500).map(revenueMarkerId);
    const got = await search
      .mget<RevenueTotalDoc>(index, ids)
      .catch((err: unknown) => (missingIndex(err) ? new Map<string, RevenueTotalDoc>() : Promise.reject(err)));
    for (const doc of got.values()) totals.set(doc.date, doc);
  }
  const complete = dates.filter((d) => totals.has(d));
  const groups = new Map<string, RevenueGroup[]>();
  if (q.groupBy && complete.length) {
    checkBounds(bounds);
    const r = await search.search<RevenueMeasures & Record<string, string>>(index, {
      query: { bool: { filter: [{ terms: { date: complete } }, { term: { kind: q.groupBy } }] } },
      size: MAX_REVENUE_GROUPS,
    });
    if (r.total > r.hits.length)
      throw new TooManyBucketsError(
        'from',
        `the breakdown has ${r.total} groups (at most ${MAX_REVENUE_GROUPS}): narrow from–to`,
      );
    for (const { source: s } of r.hits) {
      const g: RevenueGroup = {
        value: String(s[q.groupBy]),
        orders: s.orders,
        paidAmount: centsToDecimal(s.paid_cents),
        refundedAmount: centsToDecimal(s.refunded_cents),
        maxAmount: centsToDecimal(s.max_cents),
        uniqueCustomers: s.unique_customers,
      };
      groups.set(String(s.date), [...(groups.get(String(s.date)) ?? []), g]);
    }
  }
  const days = complete.map((date) => ({
    date,
    ...totalsFromDoc(totals.get(date)),
    ...(q.groupBy
      ? { groups: (groups.get(date) ?? []).sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)) }
      : {}),
  }));
  const sum = (f: (d: RevenueTotalDoc) => number) => complete.reduce((n, d) => n + f(totals.get(d)!), 0);
  return {
    from: q.from,
    to: q.to,
    groupBy: q.groupBy,
    days,
    missingDays: dates.filter((d) => !totals.has(d)),
    total: {
      orders: sum((d) => d.orders),
      paidAmount: centsToDecimal(sum((d) => d.paid_cents)),
      refundedAmount: centsToDecimal(sum((d) => d.refunded_cents)),
    },
  };
}
