/**
 * Realistic orders for `viewership generate orders`, deterministic per seed: every day of a range gets
 * `perDay` paid orders (subscriptions, rentals and purchases at catalogue prices), and a share `updateRate` of
 * them is changed 0–6 days later — refunded, or its amount corrected (a partial credit). Days come out in
 * order with the changes due on each day, so writing them day by day replays the history in time order;
 * changes due after the last day have not happened yet and are left out.
 */
import type { Order, OrderKind } from '../../adapters/profiles/orders-types.js';
import { centsToDecimal } from '../../common/orders.js';
import { dateRange } from '../../common/weblog.js';
import { createRng, customerId } from './random.js';

/** Options of the orders generator. */
export interface OrdersGenOptions {
  /** Last day (YYYY-MM-DD, UTC) of the range. */
  to: string;
  days: number;
  perDay: number;
  /** Share (0–1) of orders changed after they were placed. */
  updateRate: number;
  seed: number;
  /** Customer ids are C000001…C<customers> (as `generate profiles --count`). */
  customers: number;
  /** Order ids are `<prefix><yyyymmdd>-<nnnnnn>` (default `O`; tests use their own). */
  idPrefix?: string;
  currency?: string;
}

/** One day of generated history: the orders placed that day, then the changes applied that day. */
export interface GeneratedOrderDay {
  date: string;
  created: Order[];
  /** Full new versions of earlier (or same-day) orders: refunds and amount corrections. */
  updates: Order[];
}

const KIND_WEIGHTS: [OrderKind, number][] = [
  ['subscription', 40],
  ['rental', 35],
  ['purchase', 25],
];
const SUBSCRIPTION_CENTS = [799, 1199, 1599, 1999];
const RENTAL_CENTS = [299, 399, 499, 599];

function shiftDate(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Generate the days of the range in order (see the module comment). */
export function* generateOrderDays(o: OrdersGenOptions): Generator<GeneratedOrderDay> {
  const dates = dateRange(shiftDate(o.to, -(o.days - 1)), o.to);
  const due = new Map<string, Order[]>();
  const prefix = o.idPrefix ?? 'O';
  for (const date of dates) {
    const dayStart = Date.parse(`${date}T00:00:00Z`);
    const created: Order[] = [];
    for (let n = 1; n <= o.perDay; n++) {
      const rng = createRng(o.seed * 1_000_003 + (dayStart / 86_400_000) * 100_019 + n);
      const kind = rng.weighted(KIND_WEIGHTS);
      const cents =
        kind === 'subscription'
          ? rng.pick(SUBSCRIPTION_CENTS)
          : kind === 'rental'
            ? rng.pick(RENTAL_CENTS)
            : rng.int(9, 24) * 100 + 99;
      const order: Order = {
        orderId: `${prefix}${date.replace(/-/g, '')}-${String(n).padStart(6, '0')}`,
        customerId: customerId(rng.int(1, o.customers)),
        kind,
        contentId: kind === 'subscription' ? null : `V${rng.int(1, 500)}`,
        amount: centsToDecimal(cents),
        currency: o.currency ?? 'USD',
        status: 'paid',
        createdAt: new Date(dayStart + rng.int(0, 86_399_999)),
      };
      created.push(order);
      if (rng.next() < o.updateRate) {
        const on = shiftDate(date, rng.int(0, 6));
        const refund = rng.next() < 0.7;
        const next: Order = refund
          ? { ...order, status: 'refunded' }
          : { ...order, amount: centsToDecimal(cents - rng.int(1, Math.floor(cents / 2))) };
        due.set(on, [...(due.get(on) ?? []), next]);
      }
    }
    const updates = due.get(date) ?? [];
    due.delete(date);
    yield { date, created, updates };
  }
}
