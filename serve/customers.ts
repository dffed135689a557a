/**
 * `GET /api/customers/{id}`: the look-up by key (lib/loyalty/lookup.ts) for the server. The loyalty table's
 * reader is created once per server's resources, and its idle connections never keep the process alive.
 */
import { createLoyaltyStore, type LoyaltyStore } from '../adapters/profiles/loyalty-postgres.js';
import { lookupCustomer, type CustomerView } from '../lib/loyalty/lookup.js';
import type { ServeResources } from './resources.js';

const readers = new WeakMap<ServeResources, LoyaltyStore>();

function reader(r: ServeResources): LoyaltyStore {
  let s = readers.get(r);
  if (!s) {
    const pg = r.cfg.stream.checkpoints.postgres;
    s = createLoyaltyStore({ ...pg, password: pg.password ?? '', maxConnections: 8 }, r.cfg.loyalty.table, {
      allowExitOnIdle: true,
    });
    readers.set(r, s);
  }
  return s;
}

/** The customer's view, `malformed` for an id that cannot be one, undefined for an unknown customer. */
export function customerLookup(r: ServeResources, id: string): Promise<CustomerView | 'malformed' | undefined> {
  return lookupCustomer(r.profiles, reader(r), id);
}
