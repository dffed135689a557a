/** Chooses the orders store adapter from its options: orders live in the same database as the profiles. */
import type { ProfilesStoreOptions } from './index.js';
import { createOracleOrdersStore } from './orders-oracle.js';
import { createPostgresOrdersStore } from './orders-postgres.js';
import type { OrdersStore } from './orders-types.js';

/** Build the chosen backend's orders store (PROFILES_STORE picks PostgreSQL or Oracle). */
export function createOrdersStore(opts: ProfilesStoreOptions): OrdersStore {
  return opts.store === 'oracle' ? createOracleOrdersStore(opts.oracle) : createPostgresOrdersStore(opts.postgres);
}

export type { Order, OrdersStore, OrderWatermark } from './orders-types.js';
