import { describe, expect, it } from 'vitest';
import { promotionsFor, scoreLoyalty, sumToCents, type LoyaltyInputs, type PromotionRule } from './formula.js';

const asOf = new Date('2026-11-30T12:00:00Z');
const ago = (days: number) => new Date(asOf.getTime() - days * 86_400_000);
const base: LoyaltyInputs = {
  signupDate: '2024-01-01',
  ordersLifetime: 0,
  orders90d: 0,
  paid90dCents: 0n,
  lastOrderAt: null,
  watchMs90d: 0,
};

describe('loyalty formula', () => {
  it('points: whole currency units paid plus whole hours watched (90 days); tiers at 100 and 500', () => {
    expect(scoreLoyalty({ ...base, paid90dCents: 9999n, watchMs90d: 3_599_999 }, asOf).points).toBe(99);
    expect(scoreLoyalty({ ...base, paid90dCents: 9999n, watchMs90d: 3_600_000 }, asOf)).toMatchObject({
      points: 100,
      tier: 'silver',
    });
    expect(scoreLoyalty({ ...base, paid90dCents: 49_900n, watchMs90d: 3_600_000 }, asOf)).toMatchObject({
      points: 500,
      tier: 'gold',
    });
    expect(scoreLoyalty(base, asOf)).toMatchObject({ points: 0, tier: 'bronze' });
  });

  it('R, F and M scores at their edges', () => {
    const rf = (days: number | null, orders: number, cents: bigint) => {
      const s = scoreLoyalty(
        {
          ...base,
          ordersLifetime: orders,
          orders90d: orders,
          paid90dCents: cents,
          lastOrderAt: days === null ? null : ago(days),
        },
        asOf,
      );
      return [s.recency, s.frequency, s.monetary];
    };
    expect(rf(7, 10, 20_000n)).toEqual([5, 5, 5]);
    expect(rf(8, 9, 19_999n)).toEqual([4, 4, 4]);
    expect(rf(30, 6, 10_000n)).toEqual([4, 4, 4]);
    expect(rf(31, 5, 9_999n)).toEqual([3, 3, 3]);
    expect(rf(60, 3, 5_000n)).toEqual([3, 3, 3]);
    expect(rf(61, 2, 4_999n)).toEqual([2, 2, 2]);
    expect(rf(90, 1, 1n)).toEqual([2, 2, 2]);
    expect(rf(91, 0, 0n)).toEqual([1, 1, 1]);
    expect(rf(null, 0, 0n)).toEqual([1, 1, 1]);
  });

  it('segments: the first rule that applies', () => {
    const seg = (x: Partial<LoyaltyInputs>) => scoreLoyalty({ ...base, ...x }, asOf).segment;
    expect(
      seg({ signupDate: '2026-11-01', ordersLifetime: 20, orders90d: 20, paid90dCents: 90_000n, lastOrderAt: ago(1) }),
    ).toBe('new');
    expect(seg({})).toBe('prospect');
    expect(seg({ ordersLifetime: 12, orders90d: 6, paid90dCents: 10_000n, lastOrderAt: ago(30) })).toBe('champion');
    expect(seg({ ordersLifetime: 3, orders90d: 3, paid90dCents: 100n, lastOrderAt: ago(60) })).toBe('loyal');
    expect(seg({ ordersLifetime: 3, orders90d: 1, paid90dCents: 100n, lastOrderAt: ago(61) })).toBe('at_risk');
    expect(seg({ ordersLifetime: 2, orders90d: 0, lastOrderAt: ago(200) })).toBe('hibernating');
    expect(seg({ ordersLifetime: 1, orders90d: 1, paid90dCents: 100n, lastOrderAt: ago(3) })).toBe('regular');
  });

  it('promotions: active rules matching tier and segment (NULL = any), by priority', () => {
    const rules: PromotionRule[] = [
      { ruleId: 'b', tier: 'gold', segment: null, offer: 'B', priority: 20, active: true },
      { ruleId: 'a', tier: null, segment: 'champion', offer: 'A', priority: 10, active: true },
      { ruleId: 'c', tier: 'gold', segment: 'champion', offer: 'C', priority: 20, active: true },
      { ruleId: 'off', tier: null, segment: null, offer: 'X', priority: 1, active: false },
      { ruleId: 'silver', tier: 'silver', segment: null, offer: 'S', priority: 1, active: true },
    ];
    expect(promotionsFor('gold', 'champion', rules).map((p) => p.ruleId)).toEqual(['a', 'b', 'c']);
    expect(promotionsFor('bronze', 'regular', rules)).toEqual([]);
  });

  it('reads decimal sums exactly', () => {
    expect(sumToCents('0')).toBe(0n);
    expect(sumToCents('12.3')).toBe(1230n);
    expect(sumToCents('123456789012.05')).toBe(12345678901205n);
    expect(() => sumToCents('-1')).toThrow();
  });
});
