/**
 * The loyalty refresh (`workflows/loyalty.ts`): recompute `customer_loyalty` for the customers whose orders or
 * profile changed since the last run (high-water marks in `loyalty_state`), or who have activity in lake
 * partitions registered since then — or for every customer with a profile (`full`, and the first run). Rows of
 * customers whose profile was deleted are removed. The formula is lib/loyalty/formula.ts.
 */
import { Context } from '@temporalio/activity';
import type { LakeCatalog } from '../adapters/catalog/types.js';
import type { LoyaltyRow, LoyaltyState, LoyaltyStore } from '../adapters/profiles/loyalty-postgres.js';
import type { OrdersStore } from '../adapters/profiles/orders-types.js';
import type { ProfilesStore } from '../adapters/profiles/types.js';
import { withDuckDb, type DuckDbSettings } from '../lib/batch/duckdb.js';
import { toTemporalFailure } from '../lib/errors.js';
import { activeSince, customerActivity } from '../lib/loyalty/activity.js';
import { promotionsFor, scoreLoyalty, sumToCents } from '../lib/loyalty/formula.js';

/** Dependencies of the loyalty activity. */
export interface LoyaltyActivityDeps {
  lakeDir: string;
  workDir: string;
  loyalty: () => LoyaltyStore;
  orders: () => OrdersStore;
  profiles: ProfilesStore;
  catalog: () => LakeCatalog;
  duckdb: Omit<DuckDbSettings, 'tempDir'>;
  /** Order rows stamped less than this long before the run wait for the next one (default 5000 ms). */
  settleMs?: number;
}

/** What a refresh did. */
export interface LoyaltyRefreshResult {
  asOf: string;
  full: boolean;
  customers: number;
  deleted: number;
  byTier: Record<string, number>;
}

const PAGE = 5000;
/** Lake partitions registered this long before the last run are read again (a registration may commit late). */
const ACTIVITY_MARGIN_MS = 10 * 60_000;

/** Create the loyalty activity. */
export function createLoyaltyActivities(deps: LoyaltyActivityDeps) {
  const beat = (step: string, n?: number) => Context.current().heartbeat({ step, n });
  return {
    /** Refresh the loyalty rows of the changed customers (every customer with `full`). */
    async refreshLoyalty(input: { full?: boolean }): Promise<LoyaltyRefreshResult> {
      try {
        const store = deps.loyalty();
        const asOf = await store.serverTime();
        const prev = await store.state();
        const full = input?.full === true || !prev;
        const ids = new Set<string>();
        // Orders changed since the mark (their customers), up to the settle bound.
        const until = new Date(asOf.getTime() - (deps.settleMs ?? 5000));
        let oh = prev?.ordersHwm ? { updatedAt: prev.ordersHwm.updatedAt, orderId: prev.ordersHwm.key } : null;
        for (;;) {
          const page = await deps.orders().changedSince(oh, until, PAGE);
          for (const o of page.rows) ids.add(o.customerId);
          oh = page.next ?? oh;
          beat('orders', ids.size);
          if (page.rows.length < PAGE) break;
        }
        // Profiles changed since the mark (all of them for a full refresh).
        let ph = full
          ? null
          : prev?.profilesHwm
            ? { updatedAt: prev.profilesHwm.updatedAt, customerId: prev.profilesHwm.key }
            : null;
        for (;;) {
          const page = await deps.profiles.changedSince(ph, PAGE);
          for (const p of page.rows) ids.add(p.customerId);
          ph = page.next ?? ph;
          beat('profiles', ids.size);
          if (page.rows.length < PAGE) break;
        }
        const deleted = await removeDeleted(store, deps.profiles);
        const rules = await store.rules();
        const byTier: Record<string, number> = {};
        let customers = 0;
        await withDuckDb({ ...deps.duckdb, tempDir: `${deps.workDir}/duckdb-tmp` }, async (db) => {
          if (!full && prev?.lastRunAt)
            for (const id of await activeSince(
              db,
              deps.catalog(),
              deps.lakeDir,
              new Date(prev.lastRunAt.getTime() - ACTIVITY_MARGIN_MS),
            ))
              ids.add(id);
          const activity = await customerActivity(db, deps.catalog(), deps.lakeDir, ids, asOf);
          const all = [...ids].sort();
          for (let i = 0; i < all.length; i += 2000) {
            const chunk = all.slice(i, i + 2000);
            const profiles = await deps.profiles.getMany(chunk);
            const totals = new Map(
              (
                await deps.orders().customerTotals(
                  profiles.map((p) => p.customerId),
                  asOf,
                )
              ).map((t) => [t.customerId, t]),
            );
            const rows: LoyaltyRow[] = profiles.map((p) => {
              const t = totals.get(p.customerId);
              const a = activity.get(p.customerId);
              const s = scoreLoyalty(
                {
                  signupDate: p.signupDate,
                  ordersLifetime: t?.ordersLifetime ?? 0,
                  orders90d: t?.orders90d ?? 0,
                  paid90dCents: sumToCents(t?.paid90d ?? '0'),
                  lastOrderAt: t?.lastOrderAt ?? null,
                  watchMs90d: a?.watchMs90d ?? 0,
                },
                asOf,
              );
              byTier[s.tier] = (byTier[s.tier] ?? 0) + 1;
              return {
                customerId: p.customerId,
                name: p.name,
                email: p.email,
                country: p.country,
                plan: p.plan,
                signupDate: p.signupDate,
                orders90d: t?.orders90d ?? 0,
                paid90d: t?.paid90d ?? '0',
                ordersLifetime: t?.ordersLifetime ?? 0,
                paidLifetime: t?.paidLifetime ?? '0',
                refundedLifetime: t?.refundedLifetime ?? '0',
                lastOrderAt: t?.lastOrderAt ?? null,
                watchMs90d: a?.watchMs90d ?? 0,
                visits90d: a?.visits90d ?? 0,
                activity30d: a?.days ?? [],
                ...s,
                promotions: promotionsFor(s.tier, s.segment, rules),
                computedAt: asOf,
              };
            });
            await store.upsert(rows);
            customers += rows.length;
            beat('upsert', customers);
          }
        });
        const next: LoyaltyState = {
          ordersHwm: oh ? { updatedAt: oh.updatedAt, key: oh.orderId } : null,
          profilesHwm: ph ? { updatedAt: ph.updatedAt!, key: ph.customerId } : null,
          lastRunAt: asOf,
        };
        const info = Context.current().info;
        await store.saveState(
          next,
          info.workflowExecution ? `${info.workflowExecution.workflowId}/${info.workflowExecution.runId}` : 'activity',
        );
        return { asOf: asOf.toISOString(), full, customers, deleted, byTier };
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },
  };
}

/** Delete the rows of customers whose profile no longer exists; returns how many. */
async function removeDeleted(store: LoyaltyStore, profiles: ProfilesStore): Promise<number> {
  let after: string | null = null;
  let n = 0;
  for (;;) {
    const ids = await store.idsAfter(after, PAGE);
    if (ids.length === 0) return n;
    const present = new Set((await profiles.getMany(ids)).map((p) => p.customerId));
    n += await store.deleteIds(ids.filter((id) => !present.has(id)));
    after = ids.at(-1)!;
  }
}
