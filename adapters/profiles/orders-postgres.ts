/** PostgreSQL implementation of the orders store (`pg`, bind variables only; table from migration 005). */
import pg from 'pg';
import type {
  ChangedOrders,
  CustomerOrderTotals,
  Order,
  OrderKind,
  OrdersStore,
  OrderStatus,
  OrderWatermark,
} from './orders-types.js';
import { migratePostgres, type PostgresProfilesOptions } from './postgres.js';

const COLUMNS =
  'order_id, customer_id, kind, content_id, amount::text AS amount, currency, status, created_at, updated_at';

function toOrder(r: Record<string, unknown>): Order {
  return {
    orderId: String(r.order_id),
    customerId: String(r.customer_id),
    kind: r.kind as OrderKind,
    contentId: (r.content_id as string | null) ?? null,
    amount: String(r.amount),
    currency: String(r.currency),
    status: r.status as OrderStatus,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

/** Build a PostgreSQL-backed orders store with its own pool (the schema is migrated on first use). */
export function createPostgresOrdersStore(opts: PostgresProfilesOptions): OrdersStore {
  const pool = new pg.Pool({ ...opts, max: opts.maxConnections ?? 4, connectionTimeoutMillis: 5000 });
  let ready: Promise<unknown> | undefined;
  const init = () => (ready ??= migratePostgres(pool).catch((err) => ((ready = undefined), Promise.reject(err))));

  return {
    kind: 'postgres',
    async upsert(orders) {
      if (orders.length === 0) return 0;
      await init();
      const col = (f: (o: Order) => unknown) => orders.map(f);
      const r = await pool.query(
        `INSERT INTO orders (order_id, customer_id, kind, content_id, amount, currency, status, created_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::numeric[], $6::text[], $7::text[], $8::timestamptz[])
         ON CONFLICT (order_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, kind = EXCLUDED.kind, content_id = EXCLUDED.content_id,
           amount = EXCLUDED.amount, currency = EXCLUDED.currency, status = EXCLUDED.status, created_at = EXCLUDED.created_at
         WHERE (orders.customer_id, orders.kind, orders.content_id, orders.amount, orders.currency, orders.status, orders.created_at)
           IS DISTINCT FROM (EXCLUDED.customer_id, EXCLUDED.kind, EXCLUDED.content_id, EXCLUDED.amount, EXCLUDED.currency, EXCLUDED.status, EXCLUDED.created_at)`,
        [
          col((o) => o.orderId),
          col((o) => o.customerId),
          col((o) => o.kind),
          col((o) => o.contentId),
          col((o) => o.amount),
          col((o) => o.currency),
          col((o) => o.status),
          col((o) => o.createdAt.toISOString()),
        ],
      );
      return r.rowCount ?? 0;
    },
    async getMany(ids) {
      if (ids.length === 0) return [];
      await init();
      const r = await pool.query(`SELECT ${COLUMNS} FROM orders WHERE order_id = ANY($1::text[]) ORDER BY order_id`, [
        ids,
      ]);
      return r.rows.map(toOrder);
    },
    async changedSince(after: OrderWatermark | null, until: Date, limit: number): Promise<ChangedOrders> {
      await init();
      const r = after
        ? await pool.query(
            `SELECT ${COLUMNS} FROM orders WHERE (updated_at, order_id) > ($1::timestamptz, $2::text) AND updated_at <= $3::timestamptz
             ORDER BY updated_at, order_id LIMIT $4`,
            [after.updatedAt.toISOString(), after.orderId, until.toISOString(), limit],
          )
        : await pool.query(
            `SELECT ${COLUMNS} FROM orders WHERE updated_at <= $1::timestamptz ORDER BY updated_at, order_id LIMIT $2`,
            [until.toISOString(), limit],
          );
      const rows = r.rows.map(toOrder);
      const last = rows.at(-1);
      return { rows, next: last ? { updatedAt: last.updatedAt!, orderId: last.orderId } : null };
    },
    async customerTotals(ids, asOf): Promise<CustomerOrderTotals[]> {
      if (ids.length === 0) return [];
      await init();
      const paid = `status = 'paid' AND created_at <= $2::timestamptz`;
      const recent = `${paid} AND created_at > $2::timestamptz - interval '90 days'`;
      const r = await pool.query(
        `SELECT customer_id, count(*) FILTER (WHERE ${recent})::int AS orders_90d, coalesce(sum(amount) FILTER (WHERE ${recent}), 0)::text AS paid_90d,
           count(*) FILTER (WHERE ${paid})::int AS orders_lifetime, coalesce(sum(amount) FILTER (WHERE ${paid}), 0)::text AS paid_lifetime,
           coalesce(sum(amount) FILTER (WHERE status = 'refunded' AND created_at <= $2::timestamptz), 0)::text AS refunded_lifetime,
           max(created_at) FILTER (WHERE ${paid}) AS last_order_at
         FROM orders WHERE customer_id = ANY($1::text[]) AND created_at <= $2::timestamptz GROUP BY customer_id ORDER BY customer_id`,
        [ids, asOf.toISOString()],
      );
      return r.rows.map((x) => ({
        customerId: String(x.customer_id),
        orders90d: x.orders_90d,
        paid90d: x.paid_90d,
        ordersLifetime: x.orders_lifetime,
        paidLifetime: x.paid_lifetime,
        refundedLifetime: x.refunded_lifetime,
        lastOrderAt: (x.last_order_at as Date | null) ?? null,
      }));
    },
    async serverTime() {
      const r = await pool.query('SELECT clock_timestamp() AS t');
      return r.rows[0].t as Date;
    },
    async close() {
      await pool.end();
    },
  };
}
