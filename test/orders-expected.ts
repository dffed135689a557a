/**
 * Independent expectations of the orders tests: per-date figures computed by PostgreSQL itself over the source
 * `orders` table (NUMERIC arithmetic, no pipeline code), and the revenue documents read back from the index.
 */
import type pg from 'pg';
import { createSearchSink } from '../adapters/search/index.js';
import type { RevenueTotals } from '../common/orders.js';
import type { AppConfig } from '../lib/config.js';
import { revenueIndex } from '../lib/orders/revenue.js';

const money = (expr: string) => `coalesce(${expr}, 0)::numeric(16,2)::text`;
const FIGURES = `count(*)::int AS orders, ${money("sum(amount) FILTER (WHERE status = 'paid')")} AS paid, ${money("sum(amount) FILTER (WHERE status = 'refunded')")} AS refunded,
  ${money('max(amount)')} AS max, count(DISTINCT customer_id)::int AS customers, ${money('sum(amount)')} AS amount_sum,
  (count(*) FILTER (WHERE status = 'refunded'))::int AS refunded_orders`;

const dayBounds = (date: string): [string, string] => [
  `${date}T00:00:00Z`,
  new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString(),
];

/** Orders, amounts and customers of `date` (UTC created date) in every source row, as the status prints them. */
export async function expectedByDate(
  db: pg.Pool,
  date: string,
): Promise<{ orders: number; amountSum: string; totals: RevenueTotals }> {
  const [from, to] = dayBounds(date);
  const [t] = (await db.query(`SELECT ${FIGURES} FROM orders WHERE created_at >= $1 AND created_at < $2`, [from, to]))
    .rows;
  const kinds = (
    await db.query(`SELECT kind, ${FIGURES} FROM orders WHERE created_at >= $1 AND created_at < $2 GROUP BY kind`, [
      from,
      to,
    ])
  ).rows;
  const byKind: RevenueTotals['byKind'] = {};
  for (const k of ['subscription', 'rental', 'purchase']) {
    const r = kinds.find((x) => x.kind === k);
    byKind[k] = { orders: r?.orders ?? 0, paidAmount: r?.paid ?? '0.00', refundedAmount: r?.refunded ?? '0.00' };
  }
  return {
    orders: t.orders,
    amountSum: t.amount_sum,
    totals: {
      orders: t.orders,
      paidAmount: t.paid,
      refundedAmount: t.refunded,
      maxAmount: t.max,
      uniqueCustomers: t.customers,
      byKind,
    },
  };
}

/** Per created date in [from, to), the orders whose id starts with `prefix`: counts and refunds. */
export async function sqlByDate(
  db: pg.Pool,
  prefix: string,
  from: string,
  to: string,
): Promise<Record<string, { orders: number; refundedOrders: number }>> {
  const { rows } = await db.query(
    `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS d, ${FIGURES} FROM orders
     WHERE order_id LIKE $1 AND created_at >= $2 AND created_at < $3 GROUP BY 1 ORDER BY 1`,
    [`${prefix}%`, `${from}T00:00:00Z`, `${to}T00:00:00Z`],
  );
  return Object.fromEntries(rows.map((r) => [r.d, { orders: r.orders, refundedOrders: r.refunded_orders }]));
}

/** Every revenue document of `date`, ordered by id. */
export async function revenueDocsOf(cfg: AppConfig, date: string): Promise<Record<string, unknown>[]> {
  const sink = createSearchSink(cfg.search);
  try {
    const r = await sink.search<Record<string, unknown>>(revenueIndex(cfg.search.indexPrefix), {
      query: { term: { date } },
      size: 1000,
    });
    return r.hits.map((h) => ({ _id: h.id, ...h.source })).sort((a, b) => (a._id < b._id ? -1 : 1));
  } finally {
    await sink.close();
  }
}
