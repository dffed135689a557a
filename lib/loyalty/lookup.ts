/**
 * The look-up by key (`GET /api/customers/{id}`, `viewership customers show ID`): the live profile, the loyalty
 * row (points, tier, segment, order figures), its promotions and the last 30 days of activity — primary-key reads
 * only (one query when the profiles are in the same PostgreSQL database).
 */
import type { LoyaltyStore } from '../../adapters/profiles/loyalty-postgres.js';
import type { ProfilesStore } from '../../adapters/profiles/types.js';

/** Pattern of a customer id the look-up accepts (anything else is malformed: 400). */
export const CUSTOMER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** What the look-up answers for a known customer. */
export interface CustomerView {
  customerId: string;
  profile: { name: string; email: string | null; country: string; plan: string; signupDate: string | null };
  /** Null until the first loyalty refresh after the profile appeared. */
  loyalty: null | {
    points: number;
    tier: string;
    segment: string;
    rfm: { recency: number; frequency: number; monetary: number };
    orders: {
      last90Days: { count: number; paidAmount: string };
      lifetime: { count: number; paidAmount: string; refundedAmount: string };
      lastOrderAt: string | null;
    };
    computedAt: string;
  };
  promotions: { ruleId: string; offer: string }[];
  activity: null | {
    last30Days: { date: string; watchMs: number; visits: number }[];
    watchMs90d: number;
    visits90d: number;
  };
}

/** Exact decimal text with 2 places ("12.3" and "12" read back as "12.30", "12.00"). */
const two = (s: string): string => (s.includes('.') ? s.padEnd(s.indexOf('.') + 3, '0') : `${s}.00`);

/** Look a customer up: `malformed` for a bad id, undefined for an unknown one (no profile). */
export async function lookupCustomer(
  profiles: ProfilesStore,
  loyalty: LoyaltyStore,
  id: string,
): Promise<CustomerView | 'malformed' | undefined> {
  if (!CUSTOMER_ID.test(id)) return 'malformed';
  // Profiles in the same PostgreSQL database: one round trip; otherwise (Oracle) the two reads in parallel.
  const both =
    profiles.kind === 'postgres'
      ? await loyalty.getWithProfile(id)
      : await Promise.all([profiles.getMany([id]), loyalty.get(id)]).then(([[profile], l]) =>
          profile ? { profile, loyalty: l } : undefined,
        );
  if (!both) return undefined;
  const { profile: p, loyalty: l } = both;
  return {
    customerId: p.customerId,
    profile: { name: p.name, email: p.email, country: p.country, plan: p.plan, signupDate: p.signupDate },
    loyalty: l
      ? {
          points: l.points,
          tier: l.tier,
          segment: l.segment,
          rfm: { recency: l.recency, frequency: l.frequency, monetary: l.monetary },
          orders: {
            last90Days: { count: l.orders90d, paidAmount: two(l.paid90d) },
            lifetime: {
              count: l.ordersLifetime,
              paidAmount: two(l.paidLifetime),
              refundedAmount: two(l.refundedLifetime),
            },
            lastOrderAt: l.lastOrderAt?.toISOString() ?? null,
          },
          computedAt: l.computedAt.toISOString(),
        }
      : null,
    promotions: l?.promotions ?? [],
    activity: l ? { last30Days: l.activity30d, watchMs90d: l.watchMs90d, visits90d: l.visits90d } : null,
  };
}
