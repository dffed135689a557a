/**
 * Orders of the transactional database (issue 12) and the store contract every backend (PostgreSQL locally,
 * Oracle in production) implements. Amounts are exact decimal strings (`"12.30"`), never floats.
 */

/** What an order buys. */
export const ORDER_KINDS = ['subscription', 'rental', 'purchase'] as const;
/** One of {@link ORDER_KINDS}. */
export type OrderKind = (typeof ORDER_KINDS)[number];
/** Payment state of an order: a refund turns `paid` into `refunded` (the amount stays what was charged). */
export const ORDER_STATUSES = ['paid', 'refunded'] as const;
/** One of {@link ORDER_STATUSES}. */
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** One order as the transactional database holds it. */
export interface Order {
  orderId: string;
  customerId: string;
  kind: OrderKind;
  /** The title rented or bought (null for subscriptions). */
  contentId: string | null;
  /** Exact decimal with two places, e.g. `"12.30"` (NUMERIC(12,2)). */
  amount: string;
  /** ISO 4217 code, e.g. `USD`. */
  currency: string;
  status: OrderStatus;
  /** When the order was placed; immutable (its UTC date names the order's lake partition). */
  createdAt: Date;
  /** Stamped by the database on every insert and update (millisecond precision). */
  updatedAt?: Date;
}

/** Position in the (updated_at, order_id) order of the incremental import. */
export interface OrderWatermark {
  updatedAt: Date;
  orderId: string;
}

/** A page of orders changed after a watermark, and the watermark to resume from. */
export interface ChangedOrders {
  rows: Order[];
  /** Largest (updatedAt, orderId) of `rows`; null when `rows` is empty. */
  next: OrderWatermark | null;
}

/** One customer's order figures at a point in time (paid orders only count as paid; amounts exact decimal strings). */
export interface CustomerOrderTotals {
  customerId: string;
  /** Paid orders placed in the 90 days up to the time asked. */
  orders90d: number;
  paid90d: string;
  ordersLifetime: number;
  paidLifetime: string;
  refundedLifetime: string;
  /** Last paid order (null when none). */
  lastOrderAt: Date | null;
}

/** Contract of an orders store (bind variables only in every implementation). */
export interface OrdersStore {
  /** Backend name, for logs and status. */
  readonly kind: 'postgres' | 'oracle';
  /** Insert or overwrite orders by id (a row whose fields are unchanged is left alone). Returns rows written. */
  upsert(orders: Order[]): Promise<number>;
  /** Orders by id (missing ids are simply absent). */
  getMany(orderIds: string[]): Promise<Order[]>;
  /**
   * Up to `limit` orders in (updated_at, order_id) order, strictly after `after` (from the start when null)
   * and with `updated_at <= until`.
   */
  changedSince(after: OrderWatermark | null, until: Date, limit: number): Promise<ChangedOrders>;
  /** Order figures of the given customers as of `asOf` (orders placed later are ignored); customers without orders are absent. */
  customerTotals(customerIds: string[], asOf: Date): Promise<CustomerOrderTotals[]>;
  /** The database server's clock (the import's upper bound is taken from it, not from the worker's). */
  serverTime(): Promise<Date>;
  /** Release connections. */
  close(): Promise<void>;
}
