import { describe, expect, it } from 'vitest';
import {
  batchReadPlan,
  batchUniquesExact,
  daysOverlapping,
  finishBuckets,
  speedRanges,
  type RawBucket,
} from './merge.js';

const t = (s: string) => Date.parse(s);

describe('merge rule', () => {
  it('lists the UTC days a range overlaps', () => {
    expect(daysOverlapping(t('2026-11-20T23:00:00Z'), t('2026-11-22T00:00:00Z'))).toEqual(['2026-11-20', '2026-11-21']);
    expect(daysOverlapping(t('2026-11-20T10:00:00Z'), t('2026-11-20T10:01:00Z'))).toEqual(['2026-11-20']);
  });

  it('gives the speed view every part of the range not on a batch day, merged into runs', () => {
    const r = speedRanges(t('2026-11-19T12:00:00Z'), t('2026-11-23T06:00:00Z'), new Set(['2026-11-21']));
    expect(r).toEqual([
      { fromMs: t('2026-11-19T12:00:00Z'), toMs: t('2026-11-21T00:00:00Z') },
      { fromMs: t('2026-11-22T00:00:00Z'), toMs: t('2026-11-23T06:00:00Z') },
    ]);
    expect(speedRanges(t('2026-11-21T01:00:00Z'), t('2026-11-21T02:00:00Z'), new Set(['2026-11-21']))).toEqual([]);
  });

  it('reads the finest batch documents the query allows', () => {
    expect(batchReadPlan('day', [])).toEqual({ kind: 'total', bucket: 'day' });
    expect(batchReadPlan('minute', [])).toEqual({ kind: 'hour', bucket: 'hour' });
    expect(batchReadPlan('hour', ['event_type'])).toEqual({ kind: 'hour', bucket: 'hour' });
    expect(batchReadPlan('minute', ['country'])).toEqual({ kind: 'dimension', bucket: 'day' });
    expect(batchReadPlan('day', ['content_id', 'country'])).toEqual({ kind: 'content', bucket: 'day' });
    expect(batchUniquesExact(['country', 'plan'])).toBe(false);
    expect(batchUniquesExact(['device', 'status_category', 'country'])).toBe(true);
  });

  it('sorts buckets, limits groups per bucket and picks metrics (errorRate from 4xx+5xx)', () => {
    const sums = (events: number, errors: number | null) => ({
      events,
      uniqueCustomers: 1,
      unknownCustomerEvents: 0,
      watchMs: null,
      bytes: 5,
      errors,
      byStatusCategory: null,
    });
    const raw: RawBucket[] = [
      { startMs: 2, endMs: 3, source: 'speed', group: { country: 'FR' }, sums: sums(4, 1) },
      { startMs: 1, endMs: 2, source: 'batch', group: { country: 'FR' }, sums: sums(3, null) },
      { startMs: 1, endMs: 2, source: 'batch', group: { country: 'DE' }, sums: sums(9, 0) },
    ];
    const out = finishBuckets(raw, { metrics: ['events', 'errorRate', 'watchMs'], limit: 1 });
    expect(out.map((b) => [b.group.country, b.metrics])).toEqual([
      ['DE', { events: 9, errorRate: 0, watchMs: null }],
      ['FR', { events: 4, errorRate: 0.25, watchMs: null }],
    ]);
    expect(out[0]).toMatchObject({ start: new Date(1).toISOString(), end: new Date(2).toISOString(), source: 'batch' });
  });
});
