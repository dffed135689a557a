/**
 * The loyalty formula (issue 12), pure: points, tier, recency-frequency-monetary scores, segment and the
 * eligible promotions of one customer at the time `asOf` of a refresh. README and docs/orders.md document it:
 *
 * - points = ⌊paid amount of the last 90 days⌋ + ⌊hours watched in the last 90 days⌋ (1 point per currency unit
 *   paid, 1 per hour watched; refunded orders count for nothing);
 * - tier: gold from 500 points, silver from 100, bronze below;
 * - R (days since the last paid order): ≤ 7 → 5, ≤ 30 → 4, ≤ 60 → 3, ≤ 90 → 2, older or never → 1;
 *   F (paid orders in 90 days): ≥ 10 → 5, ≥ 6 → 4, ≥ 3 → 3, ≥ 1 → 2, none → 1;
 *   M (paid in 90 days): ≥ 200 → 5, ≥ 100 → 4, ≥ 50 → 3, > 0 → 2, nothing → 1;
 * - segment, the first that applies: `new` (signed up in the last 30 days), `prospect` (never paid), `champion`
 *   (R, F and M ≥ 4), `loyal` (R ≥ 3 and F ≥ 3), `at_risk` (R ≤ 2 and at least 3 paid orders ever),
 *   `hibernating` (R = 1), `regular`;
 * - promotions: the active rules whose tier and segment match (a rule's NULL matches any), by priority.
 */

/** Points from which a tier starts. */
export const TIERS = [
  ['gold', 500],
  ['silver', 100],
  ['bronze', 0],
] as const;
/** A loyalty tier. */
export type Tier = (typeof TIERS)[number][0];
/** Segments in the order their rules are tried. */
export const SEGMENTS = ['new', 'prospect', 'champion', 'loyal', 'at_risk', 'hibernating', 'regular'] as const;
/** A recency-frequency-monetary segment. */
export type Segment = (typeof SEGMENTS)[number];

/** A row of `loyalty_promotion_rules`. */
export interface PromotionRule {
  ruleId: string;
  tier: string | null;
  segment: string | null;
  offer: string;
  priority: number;
  active: boolean;
}

/** What the formula needs about one customer. */
export interface LoyaltyInputs {
  signupDate: string | null;
  ordersLifetime: number;
  orders90d: number;
  paid90dCents: bigint;
  lastOrderAt: Date | null;
  watchMs90d: number;
}

/** What the formula gives. */
export interface LoyaltyScore {
  points: number;
  tier: Tier;
  recency: number;
  frequency: number;
  monetary: number;
  segment: Segment;
}

const DAY = 86_400_000;
const score = (v: number, steps: readonly number[], up: boolean): number => {
  // steps for scores 5, 4, 3, 2 (in that order); 1 otherwise
  for (let i = 0; i < steps.length; i++) if (up ? v >= steps[i]! : v <= steps[i]!) return 5 - i;
  return 1;
};

/** Score one customer at `asOf`. */
export function scoreLoyalty(x: LoyaltyInputs, asOf: Date): LoyaltyScore {
  const points = Number(x.paid90dCents / 100n) + Math.floor(x.watchMs90d / 3_600_000);
  const tier = TIERS.find(([, from]) => points >= from)![0];
  const days = x.lastOrderAt ? Math.floor((asOf.getTime() - x.lastOrderAt.getTime()) / DAY) : Infinity;
  const recency = score(days, [7, 30, 60, 90], false);
  const frequency = score(x.orders90d, [10, 6, 3, 1], true);
  const monetary = x.paid90dCents === 0n ? 1 : score(Number(x.paid90dCents), [20_000, 10_000, 5_000, 1], true);
  const signupMs = x.signupDate ? Date.parse(`${x.signupDate}T00:00:00Z`) : NaN;
  const segment: Segment =
    asOf.getTime() - signupMs <= 30 * DAY
      ? 'new'
      : x.ordersLifetime === 0
        ? 'prospect'
        : recency >= 4 && frequency >= 4 && monetary >= 4
          ? 'champion'
          : recency >= 3 && frequency >= 3
            ? 'loyal'
            : recency <= 2 && x.ordersLifetime >= 3
              ? 'at_risk'
              : recency === 1
                ? 'hibernating'
                : 'regular';
  return { points, tier, recency, frequency, monetary, segment };
}

/** Offers of the active rules matching `tier` and `segment`, by priority then rule id. */
export function promotionsFor(
  tier: string,
  segment: string,
  rules: readonly PromotionRule[],
): { ruleId: string; offer: string }[] {
  return rules
    .filter((r) => r.active && (r.tier === null || r.tier === tier) && (r.segment === null || r.segment === segment))
    .sort((a, b) => a.priority - b.priority || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0))
    .map((r) => ({ ruleId: r.ruleId, offer: r.offer }));
}

/** Integer cents of a non-negative decimal sum as PostgreSQL or Oracle print it (`"0"`, `"12.3"`, `"123456789012.50"`). */
export function sumToCents(s: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) throw new Error(`not a non-negative decimal sum: ${JSON.stringify(s)}`);
  return BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'));
}
