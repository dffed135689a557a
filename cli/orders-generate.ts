/** `viewership generate orders`: a realistic order history into the transactional database's `orders` table. */
import { createOrdersStore } from '../adapters/profiles/orders.js';
import { isIsoDate } from '../common/weblog.js';
import type { AppConfig } from '../lib/config.js';
import { BadInputError } from '../lib/errors.js';
import { generateOrderDays } from '../lib/generate/orders.js';
import { count, progress } from './progress.js';
import { profilesStoreOptions } from '../lib/adapter-options.js';

/** Options of `generate orders`. */
export interface OrdersCliOptions {
  days: number;
  perDay: number;
  updateRate: number;
  seed: number;
  customers: number;
  /** Last day of the range (default: yesterday, UTC). */
  to?: string;
  idPrefix?: string;
}

/** What `generate orders` wrote. */
export interface GeneratedOrdersSummary {
  from: string;
  to: string;
  orders: number;
  updates: number;
  refunds: number;
}

const BATCH = 5000;

/** Write the generated days in time order (each day's new orders, then the changes due that day). */
export async function generateOrders(cfg: AppConfig, o: OrdersCliOptions): Promise<GeneratedOrdersSummary> {
  for (const [flag, v] of [
    ['--days', o.days],
    ['--per-day', o.perDay],
    ['--customers', o.customers],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new BadInputError(`${flag} must be a positive integer (got ${v})`);
  }
  if (o.days > 3660) throw new BadInputError(`--days must be at most 3660 (got ${o.days})`);
  if (!(o.updateRate >= 0 && o.updateRate <= 1))
    throw new BadInputError(`--update-rate must be between 0 and 1 (got ${o.updateRate})`);
  if (!Number.isSafeInteger(o.seed)) throw new BadInputError(`--seed must be an integer (got ${o.seed})`);
  const to = o.to ?? new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  if (!isIsoDate(to)) throw new BadInputError(`--to must be a date YYYY-MM-DD (got "${to}")`);
  if (o.idPrefix !== undefined && !/^[A-Za-z0-9_-]{1,40}$/.test(o.idPrefix))
    throw new BadInputError(`--id-prefix must be 1-40 of A-Z a-z 0-9 _ - (got "${o.idPrefix}")`);
  const store = createOrdersStore(profilesStoreOptions(cfg));
  const p = progress('[generate orders]');
  const sum: GeneratedOrdersSummary = { from: '', to, orders: 0, updates: 0, refunds: 0 };
  try {
    for (const day of generateOrderDays({ ...o, to })) {
      sum.from ||= day.date;
      for (const rows of [day.created, day.updates]) {
        for (let i = 0; i < rows.length; i += BATCH) await store.upsert(rows.slice(i, i + BATCH));
      }
      sum.orders += day.created.length;
      sum.updates += day.updates.length;
      sum.refunds += day.updates.filter((u) => u.status === 'refunded').length;
      p.update(`${day.date}: ${count(sum.orders)} orders, ${count(sum.updates)} changes`);
    }
    p.done(
      `${sum.orders} orders ${sum.from}…${sum.to}, ${sum.updates} changed later (${sum.refunds} refunds) in ${store.kind}`,
    );
    return sum;
  } finally {
    await store.close();
  }
}
