/**
 * Oracle implementation of the orders store (`oracledb` thin mode, bind variables only): the same queries as
 * the PostgreSQL one. Untested here (no Oracle server on this machine); the schema is created on first use
 * from migrations/oracle/005_orders.sql. Amounts travel as decimal strings both ways (TO_NUMBER / TO_CHAR with
 * an explicit decimal point), so they are never rounded through a float.
 */
import { oracleTls } from '../../lib/security.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import oracledb from 'oracledb';
import type { OracleProfilesOptions } from './oracle.js';
import type {
  ChangedOrders,
  CustomerOrderTotals,
  Order,
  OrderKind,
  OrdersStore,
  OrderStatus,
  OrderWatermark,
} from './orders-types.js';

const MIGRATION = fileURLToPath(new URL('./migrations/oracle/005_orders.sql', import.meta.url));
const NLS = `'NLS_NUMERIC_CHARACTERS=''.,'''`;
const COLUMNS = `order_id, customer_id, kind, content_id, TO_CHAR(amount, 'FM9999999990D00', ${NLS}) AS amount, currency, status, created_at, updated_at`;
const IN_CHUNK = 1000;

function toOrder(r: Record<string, unknown>): Order {
  return {
    orderId: String(r.ORDER_ID),
    customerId: String(r.CUSTOMER_ID),
    kind: r.KIND as OrderKind,
    contentId: (r.CONTENT_ID as string | null) ?? null,
    amount: String(r.AMOUNT),
    currency: String(r.CURRENCY).trim(),
    status: r.STATUS as OrderStatus,
    createdAt: r.CREATED_AT as Date,
    updatedAt: r.UPDATED_AT as Date,
  };
}

/** Build an Oracle-backed orders store; creates the table on first use when it is missing. */
export function createOracleOrdersStore(opts: OracleProfilesOptions): OrdersStore {
  let poolPromise: Promise<oracledb.Pool> | undefined;
  const pool = () =>
    (poolPromise ??= oracledb
      .createPool({
        user: opts.user,
        password: opts.password,
        connectString: opts.connectString,
        poolMax: opts.maxConnections ?? 4,
        ...oracleTls(opts),
      })
      .then(async (p) => (await ensureSchema(p), p)));

  async function ensureSchema(p: oracledb.Pool): Promise<void> {
    const c = await p.getConnection();
    try {
      const r = await c.execute<{ N: number }>(
        `SELECT COUNT(*) AS n FROM user_tables WHERE table_name = 'ORDERS'`,
        [],
        { outFormat: oracledb.OUT_FORMAT_OBJECT },
      );
      if (r.rows?.[0]?.N) return;
      for (const stmt of readFileSync(MIGRATION, 'utf8')
        .split(/^\/\s*$/m)
        .map((s) => s.replace(/^--.*$/gm, '').trim())
        .filter(Boolean))
        await c.execute(stmt);
    } finally {
      await c.close();
    }
  }

  async function withConn<T>(f: (c: oracledb.Connection) => Promise<T>): Promise<T> {
    const c = await (await pool()).getConnection();
    try {
      return await f(c);
    } finally {
      await c.close();
    }
  }
  const query = (c: oracledb.Connection, sql: string, binds: oracledb.BindParameters) =>
    c.execute<Record<string, unknown>>(sql, binds, { outFormat: oracledb.OUT_FORMAT_OBJECT });

  return {
    kind: 'oracle',
    upsert: (orders) =>
      orders.length === 0
        ? Promise.resolve(0)
        : withConn(async (c) => {
            const r = await c.executeMany(
              `MERGE INTO orders t
               USING (SELECT :orderId AS order_id, :customerId AS customer_id, :kind AS kind, :contentId AS content_id,
                             TO_NUMBER(:amount, '9999999999D99', ${NLS}) AS amount, :currency AS currency, :status AS status, :createdAt AS created_at FROM dual) s
               ON (t.order_id = s.order_id)
               WHEN MATCHED THEN UPDATE SET t.customer_id = s.customer_id, t.kind = s.kind, t.content_id = s.content_id, t.amount = s.amount,
                 t.currency = s.currency, t.status = s.status
                 WHERE DECODE(t.customer_id, s.customer_id, 0, 1) + DECODE(t.kind, s.kind, 0, 1) + DECODE(t.content_id, s.content_id, 0, 1)
                   + DECODE(t.amount, s.amount, 0, 1) + DECODE(t.currency, s.currency, 0, 1) + DECODE(t.status, s.status, 0, 1) > 0
               WHEN NOT MATCHED THEN INSERT (order_id, customer_id, kind, content_id, amount, currency, status, created_at)
                 VALUES (s.order_id, s.customer_id, s.kind, s.content_id, s.amount, s.currency, s.status, s.created_at)`,
              orders.map((o) => ({
                orderId: o.orderId,
                customerId: o.customerId,
                kind: o.kind,
                contentId: o.contentId,
                amount: o.amount,
                currency: o.currency,
                status: o.status,
                createdAt: o.createdAt,
              })),
              { autoCommit: true },
            );
            return r.rowsAffected ?? 0;
          }),
    getMany: (ids) =>
      withConn(async (c) => {
        const out: Order[] = [];
        for (let i = 0; i < ids.length; i += IN_CHUNK) {
          const part = ids.slice(i, i + IN_CHUNK);
          const r = await query(
            c,
            `SELECT ${COLUMNS} FROM orders WHERE order_id IN (${part.map((_, k) => `:${k + 1}`).join(', ')}) ORDER BY order_id`,
            part,
          );
          out.push(...(r.rows ?? []).map(toOrder));
        }
        return out;
      }),
    changedSince: (after: OrderWatermark | null, until: Date, limit: number): Promise<ChangedOrders> =>
      withConn(async (c) => {
        const r = after
          ? await query(
              c,
              `SELECT ${COLUMNS} FROM orders WHERE (updated_at > :ts OR (updated_at = :ts AND order_id > :id)) AND updated_at <= :until
               ORDER BY updated_at, order_id FETCH FIRST :n ROWS ONLY`,
              { ts: after.updatedAt, id: after.orderId, until, n: limit },
            )
          : await query(
              c,
              `SELECT ${COLUMNS} FROM orders WHERE updated_at <= :until ORDER BY updated_at, order_id FETCH FIRST :n ROWS ONLY`,
              { until, n: limit },
            );
        const rows = (r.rows ?? []).map(toOrder);
        const last = rows.at(-1);
        return { rows, next: last ? { updatedAt: last.updatedAt!, orderId: last.orderId } : null };
      }),
    customerTotals: (ids, asOf) =>
      withConn(async (c) => {
        const out: CustomerOrderTotals[] = [];
        const money = (cond: string) =>
          `TO_CHAR(COALESCE(SUM(CASE WHEN ${cond} THEN amount END), 0), 'FM999999999999990D00', ${NLS})`;
        const paid = `status = 'paid'`;
        const recent = `status = 'paid' AND created_at > :asOf - NUMTODSINTERVAL(90, 'DAY')`;
        for (let i = 0; i < ids.length; i += IN_CHUNK) {
          const part = ids.slice(i, i + IN_CHUNK);
          const binds: Record<string, unknown> = { asOf };
          part.forEach((id, k) => (binds[`c${k}`] = id));
          const r = await query(
            c,
            `SELECT customer_id, COUNT(CASE WHEN ${recent} THEN 1 END) AS orders_90d, ${money(recent)} AS paid_90d,
               COUNT(CASE WHEN ${paid} THEN 1 END) AS orders_lifetime, ${money(paid)} AS paid_lifetime, ${money(`status = 'refunded'`)} AS refunded_lifetime,
               MAX(CASE WHEN ${paid} THEN created_at END) AS last_order_at
             FROM orders WHERE customer_id IN (${part.map((_, k) => `:c${k}`).join(', ')}) AND created_at <= :asOf GROUP BY customer_id ORDER BY customer_id`,
            binds as oracledb.BindParameters,
          );
          for (const x of r.rows ?? []) {
            out.push({
              customerId: String(x.CUSTOMER_ID),
              orders90d: Number(x.ORDERS_90D),
              paid90d: String(x.PAID_90D),
              ordersLifetime: Number(x.ORDERS_LIFETIME),
              paidLifetime: String(x.PAID_LIFETIME),
              refundedLifetime: String(x.REFUNDED_LIFETIME),
              lastOrderAt: (x.LAST_ORDER_AT as Date | null) ?? null,
            });
          }
        }
        return out;
      }),
    serverTime: () =>
      withConn(async (c) => (await query(c, 'SELECT SYSTIMESTAMP AS T FROM dual', [])).rows![0]!.T as Date),
    async close() {
      if (poolPromise) await (await poolPromise).close(5);
    },
  };
}
