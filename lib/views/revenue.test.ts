import { describe, expect, it } from 'vitest';
import { BadParameterError } from './params.js';
import { parseRevenueQuery } from './revenue.js';

const NOW = Date.parse('2026-11-30T15:00:00Z');
const parse = (qs: string, maxRangeDays = 366) => parseRevenueQuery(new URLSearchParams(qs), NOW, { maxRangeDays });
const bad = (qs: string, maxRangeDays = 366): string | undefined => {
  try {
    parse(qs, maxRangeDays);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(BadParameterError);
    return (err as BadParameterError).parameter;
  }
};

describe('parseRevenueQuery', () => {
  it('defaults to the 30 days ending today (UTC), no breakdown', () => {
    expect(parse('')).toEqual({ from: '2026-11-01', to: '2026-11-30', groupBy: null });
    expect(parse('to=2026-03-01')).toEqual({ from: '2026-01-31', to: '2026-03-01', groupBy: null });
    expect(parse('from=2026-11-30&to=2026-11-30&groupBy=plan')).toEqual({
      from: '2026-11-30',
      to: '2026-11-30',
      groupBy: 'plan',
    });
  });

  it('names the bad parameter', () => {
    expect(bad('from=2026-02-30')).toBe('from');
    expect(bad('to=yesterday')).toBe('to');
    expect(bad('from=2026-11-02&to=2026-11-01')).toBe('to');
    expect(bad('from=2026-01-01&to=2026-01-31', 30)).toBe('from');
    expect(bad('from=2026-01-01&to=2026-01-30', 30)).toBeUndefined();
    expect(bad('groupBy=device')).toBe('groupBy');
    expect(bad('limit=3')).toBe('limit');
  });
});
