/**
 * aggregate step of the orders import: a date's registered `orders` files (latest version of each order)
 * joined with a snapshot of the profiles (plan, country; `unknown` for a customer without a profile) give the
 * date's revenue documents — a total, and one per order kind, plan, country and currency. Sums are DuckDB
 * DECIMAL sums turned into integer cents: exact, never through a float.
 */
import { ORDER_KINDS } from '../../adapters/profiles/orders-types.js';
import { ORDER_COLUMNS } from '../../common/lake.js';
import type { DuckSession } from '../batch/duckdb.js';
import { sqlLiteral } from '../fsutil.js';
import {
  REVENUE_DIMENSIONS,
  revenueMarkerId,
  type RevenueDoc,
  type RevenueMeasures,
  type RevenueTotalDoc,
} from './revenue.js';

/** Input of {@link computeRevenueDocs}. */
export interface RevenueInput {
  date: string;
  /** Registered files of the date's partition (none: a date without orders). */
  files: string[];
  /** Fingerprint of the registered partition ('' without one). */
  fingerprint: string;
}

const MEASURES = `count(*)::BIGINT AS orders,
  count(*) FILTER (WHERE status = 'paid')::BIGINT AS paid_orders,
  count(*) FILTER (WHERE status = 'refunded')::BIGINT AS refunded_orders,
  CAST(coalesce(sum(amount) FILTER (WHERE status = 'paid'), 0) * 100 AS BIGINT) AS paid_cents,
  CAST(coalesce(sum(amount) FILTER (WHERE status = 'refunded'), 0) * 100 AS BIGINT) AS refunded_cents,
  CAST(coalesce(max(amount), 0) * 100 AS BIGINT) AS max_cents,
  count(DISTINCT customer_id)::BIGINT AS unique_customers`;

/** A BIGINT from DuckDB as a number, refusing one that a JSON number cannot carry exactly. */
function exact(v: unknown): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`aggregate ${String(v)} is beyond 2^53: cannot be indexed exactly`);
  return n;
}

const measuresOf = (r: Record<string, unknown>): RevenueMeasures => ({
  orders: exact(r.orders),
  paid_orders: exact(r.paid_orders),
  refunded_orders: exact(r.refunded_orders),
  paid_cents: exact(r.paid_cents),
  refunded_cents: exact(r.refunded_cents),
  max_cents: exact(r.max_cents),
  unique_customers: exact(r.unique_customers),
});

/** Compute the date's revenue documents; the `profiles` table (lib/batch/aggregate.ts `loadProfileSnapshot`) must be loaded. */
export async function computeRevenueDocs(db: DuckSession, input: RevenueInput): Promise<RevenueDoc[]> {
  const cols = ORDER_COLUMNS.map(([c, t]) => `${c} ${t}`).join(', ');
  const source = input.files.length
    ? `SELECT * FROM read_parquet([${input.files.map(sqlLiteral).join(', ')}], hive_partitioning = false)`
    : `SELECT * FROM (SELECT ${ORDER_COLUMNS.map(([c, t]) => `CAST(NULL AS ${t}) AS ${c}`).join(', ')}) WHERE false`;
  await db.run(`CREATE OR REPLACE TABLE day_orders (${cols}, plan VARCHAR, country VARCHAR, order_kind VARCHAR)`);
  await db.run(
    `INSERT INTO day_orders SELECT o.*, coalesce(p.plan, 'unknown'), coalesce(p.country, 'unknown'), o.kind
     FROM (${source}) o LEFT JOIN (SELECT DISTINCT ON (customer_id) * FROM profiles) p USING (customer_id)`,
  );
  const [total] = await db.rows(`SELECT ${MEASURES} FROM day_orders`);
  const byKind = Object.fromEntries(ORDER_KINDS.map((k) => [k, { orders: 0, paid_cents: 0, refunded_cents: 0 }]));
  const docs: RevenueDoc[] = [];
  for (const dim of REVENUE_DIMENSIONS) {
    const rows = await db.rows(`SELECT ${dim} AS value, ${MEASURES} FROM day_orders GROUP BY ${dim} ORDER BY ${dim}`);
    for (const r of rows) {
      const m = measuresOf(r);
      const value = String(r.value);
      docs.push({ id: `${input.date}:${dim}:${value}`, doc: { date: input.date, kind: dim, [dim]: value, ...m } });
      if (dim === 'order_kind')
        byKind[value] = { orders: m.orders, paid_cents: m.paid_cents, refunded_cents: m.refunded_cents };
    }
  }
  const currencies = docs.filter((d) => d.doc.kind === 'currency').map((d) => String(d.doc.currency));
  const totalDoc: RevenueTotalDoc = {
    date: input.date,
    kind: 'total',
    ...measuresOf(total!),
    by_kind: byKind,
    currencies,
    input_fingerprint: input.fingerprint,
    lake_files: input.files.length,
  };
  return [{ id: revenueMarkerId(input.date), doc: totalDoc as RevenueDoc['doc'] }, ...docs];
}
