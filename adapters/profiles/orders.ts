/** Chooses the orders store adapter from config: orders live in the same database as the profiles. */
import type { AppConfig } from '../../lib/config.js';
import { createOracleOrdersStore } from './orders-oracle.js';
import { createPostgresOrdersStore } from './orders-postgres.js';
import type { OrdersStore } from './orders-types.js';

/** Build the configured backend's orders store (PROFILES_STORE picks PostgreSQL or Oracle). */
export function createOrdersStore(cfg: AppConfig['profiles']): OrdersStore {
  return cfg.store === 'oracle' ? createOracleOrdersStore(cfg.oracle) : createPostgresOrdersStore(cfg.postgres);
}

export type { Order, OrdersStore, OrderWatermark } from './orders-types.js';
