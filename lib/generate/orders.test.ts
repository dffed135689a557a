import { describe, expect, it } from 'vitest';
import { decimalToCents, isAmount } from '../../common/orders.js';
import { generateOrderDays } from './orders.js';

describe('generateOrderDays', () => {
  const opts = { to: '2024-09-13', days: 5, perDay: 400, updateRate: 0.2, seed: 7, customers: 50 };

  it('gives each day its paid orders inside the day, and changes of earlier orders on later days', () => {
    const days = [...generateOrderDays(opts)];
    expect(days.map((d) => d.date)).toEqual(['2024-09-09', '2024-09-10', '2024-09-11', '2024-09-12', '2024-09-13']);
    const placed = new Map(days.flatMap((d) => d.created.map((o) => [o.orderId, { ...o, day: d.date }] as const)));
    expect(placed.size).toBe(5 * 400);
    for (const d of days) {
      for (const o of d.created) {
        expect(o.createdAt.toISOString().slice(0, 10)).toBe(d.date);
        expect(o.status).toBe('paid');
        expect(isAmount(o.amount)).toBe(true);
        expect(o.contentId === null).toBe(o.kind === 'subscription');
        expect(o.customerId).toMatch(/^C0000[0-5]\d$/);
      }
      for (const u of d.updates) {
        const orig = placed.get(u.orderId)!;
        expect(orig.day <= d.date).toBe(true);
        expect(u.createdAt).toEqual(orig.createdAt);
        if (u.status === 'refunded') expect(u.amount).toBe(orig.amount);
        else expect(decimalToCents(u.amount) < decimalToCents(orig.amount)).toBe(true);
      }
    }
    const updates = days.flatMap((d) => d.updates);
    // 20 % are changed 0-6 days later: those due after the last day are not generated yet (about 3/7 remain).
    expect(updates.length).toBeGreaterThan(100);
    expect(updates.length).toBeLessThan(250);
    expect(updates.filter((u) => u.status === 'refunded').length / updates.length).toBeGreaterThan(0.55);
    expect(new Set(updates.map((u) => u.orderId)).size).toBe(updates.length);
  });

  it('is deterministic per seed and id prefix', () => {
    const a = [...generateOrderDays(opts)];
    expect([...generateOrderDays(opts)]).toEqual(a);
    const b = [...generateOrderDays({ ...opts, seed: 8, idPrefix: 'T1-' })];
    expect(b[0]!.created[0]!.orderId).toBe('T1-20240909-000001');
    expect(b[0]!.created.map((o) => o.amount)).not.toEqual(a[0]!.created.map((o) => o.amount));
  });
});
