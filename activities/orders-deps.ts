/** Wires the orders import's activities (import, register, aggregate, index) and the loyalty refresh to the process's clients. */
import { createImportStateStore, type ImportStateStore } from '../adapters/catalog/import-state.js';
import type { LakeCatalog } from '../adapters/catalog/types.js';
import { createOrdersStore } from '../adapters/profiles/orders.js';
import type { OrdersStore } from '../adapters/profiles/orders-types.js';
import type { Clients } from '../lib/clients.js';
import type { AppConfig } from '../lib/config.js';
import { profilesStoreOptions, statePostgresOptions } from '../lib/adapter-options.js';
import { createLoyaltyStore, type LoyaltyStore } from '../adapters/profiles/loyalty-postgres.js';
import { createLoyaltyActivities } from './loyalty.js';
import { createOrdersActivities } from './orders.js';
import { createRevenueIndexActivities } from './revenue-index.js';

/** The orders store and import state are opened on first use and closed with the process's clients. */
export function ordersActivities(cfg: AppConfig, clients: Clients, catalog: () => LakeCatalog) {
  let orders: OrdersStore | undefined;
  let state: ImportStateStore | undefined;
  const lazyOrders = (): OrdersStore => {
    if (!orders) {
      const o = (orders = createOrdersStore(profilesStoreOptions(cfg)));
      clients.onClose(() => o.close());
    }
    return orders;
  };
  let loyalty: LoyaltyStore | undefined;
  const pgOptions = () =>
    statePostgresOptions(cfg, 'the lake import state and the loyalty tables live in that PostgreSQL database');
  const lazyState = (): ImportStateStore => {
    if (!state) {
      const s = (state = createImportStateStore(pgOptions(), cfg.paths.lakeDir));
      clients.onClose(() => s.close());
    }
    return state;
  };
  const lazyLoyalty = (): LoyaltyStore => {
    if (!loyalty) {
      const s = (loyalty = createLoyaltyStore(pgOptions(), cfg.loyalty.table));
      clients.onClose(() => s.close());
    }
    return loyalty;
  };
  const duckdb = { memoryLimit: cfg.batch.duckdbMemoryLimit, threads: cfg.batch.duckdbThreads };
  return {
    ...createOrdersActivities({
      lakeDir: cfg.paths.lakeDir,
      workDir: cfg.paths.workDir,
      orders: lazyOrders,
      profiles: clients.profiles,
      catalog,
      importState: lazyState,
      duckdb,
    }),
    ...createLoyaltyActivities({
      lakeDir: cfg.paths.lakeDir,
      workDir: cfg.paths.workDir,
      loyalty: lazyLoyalty,
      orders: lazyOrders,
      profiles: clients.profiles,
      catalog,
      duckdb,
    }),
    ...createRevenueIndexActivities({
      search: clients.search,
      indexPrefix: cfg.search.indexPrefix,
      workDir: cfg.paths.workDir,
    }),
  };
}
