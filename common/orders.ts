/**
 * The orders import and revenue aggregates (issue 12): workflow ids, argument checks, exact money formatting
 * and the shapes of results and status. Pure and workflow-safe (no I/O).
 */
import { dateProblem } from './batch-input.js';

/** Workflow id of a date's orders import (`orders-YYYY-MM-DD`). */
export const ordersWorkflowId = (date: string): string => `orders-${date}`;

/** Key of the orders import in `lake_import_state` (one high-water mark per lake root and source). */
export const ORDERS_SOURCE = 'orders';

/** Default settle time: rows stamped less than this long before the import's start wait for the next run. */
export const DEFAULT_SETTLE_MS = 5000;

/** Argument of `ordersDay`. */
export interface OrdersDayInput {
  /** The business date (UTC) the run is for: its partition is (re)aggregated even when no order of it changed. */
  date: string;
  /**
   * Rows whose `updated_at` is within this many milliseconds of the database's clock are left for the next run,
   * so a transaction that stamped its rows earlier but commits later is not skipped by the high-water mark.
   */
  settleMs?: number;
}

/** The import's high-water mark as shown in memos and status (null before the first import). */
export interface HighWaterMark {
  /** ISO-8601 UTC, millisecond precision. */
  updatedAt: string;
  orderId: string;
}

/** What an `ordersDay` run did. */
export interface OrdersDayResult {
  date: string;
  /** Changed rows read from the database by this run. */
  rows: number;
  highWaterMark: HighWaterMark | null;
  /** Dates whose partition was rewritten, registered, aggregated and indexed by this run (always includes `date`). */
  dates: string[];
  /** Orders in `date`'s partition. */
  orders: number;
}

/** Totals of one date, as `orders status --json` prints them (amounts as exact decimal strings). */
export interface RevenueTotals {
  orders: number;
  paidAmount: string;
  refundedAmount: string;
  maxAmount: string;
  uniqueCustomers: number;
  byKind: Record<string, { orders: number; paidAmount: string; refundedAmount: string }>;
}

/** Shape printed by `viewership orders status --date D --json`. */
export interface OrdersStatus {
  date: string;
  state: 'running' | 'completed' | 'failed' | 'not_found';
  imported: { rows: number; highWaterMark: HighWaterMark | null };
  totals: RevenueTotals;
}

const AMOUNT = /^(\d{1,10})(?:\.(\d{1,2}))?$/;

/** True when `s` is a non-negative decimal amount with at most 10 integer digits and 2 decimals (NUMERIC(12,2)). */
export const isAmount = (s: unknown): s is string => typeof s === 'string' && AMOUNT.test(s);

/** Integer cents of a decimal amount string (`"12.3"` → 1230n); throws on anything else. */
export function decimalToCents(s: string): bigint {
  const m = AMOUNT.exec(s);
  if (!m) throw new Error(`not a decimal amount with at most 2 places: ${JSON.stringify(s)}`);
  return BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'));
}

/** Exact decimal string with 2 places of integer cents (`1230` → `"12.30"`, `-5` → `"-0.05"`). */
export function centsToDecimal(cents: bigint | number | string): string {
  const c = BigInt(cents);
  const neg = c < 0n;
  const abs = neg ? -c : c;
  return `${neg ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** What is wrong with an `ordersDay` argument, or undefined. */
export function ordersDayInputProblem(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return `expected one argument {"date": "YYYY-MM-DD"} (got ${JSON.stringify(input) ?? 'nothing'})`;
  const o = input as Record<string, unknown>;
  const bad = dateProblem(o.date);
  if (bad) return bad;
  const s = o.settleMs;
  if (s !== undefined && (!Number.isSafeInteger(s) || (s as number) < 0 || (s as number) > 3_600_000))
    return `settleMs must be an integer from 0 to 3600000 (got ${JSON.stringify(s)})`;
  return undefined;
}

/** UTC date (YYYY-MM-DD) of an instant: the lake partition of an order created then. */
export const utcDate = (t: Date | number): string => new Date(t).toISOString().slice(0, 10);
