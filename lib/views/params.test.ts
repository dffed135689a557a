import { describe, expect, it } from 'vitest';
import { BadParameterError, parseTime, parseViewershipQuery } from './params.js';

const NOW = Date.parse('2026-11-23T12:34:56Z');
const parse = (qs: string) => parseViewershipQuery(new URLSearchParams(qs), NOW);
const badParam = (qs: string): { parameter: string; message: string } => {
  try {
    parse(qs);
  } catch (err) {
    expect(err).toBeInstanceOf(BadParameterError);
    return { parameter: (err as BadParameterError).parameter, message: (err as Error).message };
  }
  throw new Error(`expected ${qs} to be rejected`);
};

describe('parseViewershipQuery', () => {
  it('defaults to the last hour by hour with every metric', () => {
    const q = parse('');
    expect(q).toMatchObject({ fromMs: NOW - 3_600_000, toMs: NOW, interval: 'hour', groupBy: [] });
    expect(q.metrics).toContain('watchMs');
  });

  it('reads dates, ISO times and epoch ms, lists and limits', () => {
    const q = parse(
      'from=2026-11-20&to=2026-11-23T10:00:00%2B01:00&interval=day&groupBy=country,plan&metrics=events,bytes&limit=5',
    );
    expect(q.fromMs).toBe(Date.parse('2026-11-20T00:00:00Z'));
    expect(q.toMs).toBe(Date.parse('2026-11-23T09:00:00Z'));
    expect(q).toMatchObject({ interval: 'day', groupBy: ['country', 'plan'], metrics: ['events', 'bytes'], limit: 5 });
    expect(parseTime(String(NOW))).toBe(NOW);
  });

  it('names the bad parameter', () => {
    expect(badParam('from=yesterday').parameter).toBe('from');
    expect(badParam('to=2026-13-45').parameter).toBe('to');
    expect(badParam('from=2026-11-23&to=2026-11-22').parameter).toBe('to');
    expect(badParam('interval=week')).toMatchObject({
      parameter: 'interval',
      message: expect.stringMatching(/minute, hour, day/),
    });
    expect(badParam('groupBy=country,planet')).toMatchObject({
      parameter: 'groupBy',
      message: expect.stringMatching(/"planet"/),
    });
    expect(badParam('groupBy=plan,plan').parameter).toBe('groupBy');
    expect(badParam('metrics=views').parameter).toBe('metrics');
    expect(badParam('groupBy=plan&limit=0').parameter).toBe('limit');
    expect(badParam('groupBy=plan&limit=abc').parameter).toBe('limit');
    expect(badParam('limit=3').parameter).toBe('limit');
    expect(badParam('colour=red').parameter).toBe('colour');
    expect(badParam('interval=day&interval=hour').parameter).toBe('interval');
    expect(badParam('from=2020-01-01&to=2026-01-01&interval=minute')).toMatchObject({
      parameter: 'interval',
      message: expect.stringMatching(/buckets/),
    });
  });

  it('rejects impossible calendar dates and times instead of rolling them over', () => {
    // Date.parse reads 2026-02-30 as 2 March: each of these must be a 400 naming the parameter.
    for (const v of [
      '2026-02-30',
      '2026-02-29',
      '2025-04-31',
      '2026-00-10',
      '2026-13-01',
      '2026-01-00',
      '1969-12-31',
    ]) {
      expect(parseTime(v), v).toBeUndefined();
      expect(badParam(`from=${v}&to=2026-11-23`), v).toMatchObject({
        parameter: 'from',
        message: expect.stringMatching(/not a real date/),
      });
    }
    for (const v of [
      '2026-02-30T10:00:00Z',
      '2026-11-23T24:00:00Z',
      '2026-11-23T10:60:00Z',
      '2026-11-23T10:00:60Z',
      '2026-11-23T10:00:00+24:00',
      '2026-11-23T10:00:00+01:60',
    ]) {
      expect(parseTime(v), v).toBeUndefined();
      expect(badParam(`to=${encodeURIComponent(v)}`).parameter, v).toBe('to');
    }
    expect(parseTime('2028-02-29')).toBe(Date.parse('2028-02-29T00:00:00Z'));
    expect(parseTime('2026-12-31T23:59:59.999+14:00')).toBe(Date.parse('2026-12-31T09:59:59.999Z'));
  });

  it('rejects a range longer than the maximum with 400 naming from', () => {
    expect(badParam('from=2025-11-01&to=2026-11-23&interval=day')).toMatchObject({
      parameter: 'from',
      message: expect.stringMatching(/387 days \(at most 366\)/),
    });
    expect(parseViewershipQuery(new URLSearchParams('from=2025-11-23&to=2026-11-23&interval=day'), NOW).interval).toBe(
      'day',
    );
    expect(() =>
      parseViewershipQuery(new URLSearchParams('from=2026-11-01&to=2026-11-23&interval=day'), NOW, { maxRangeDays: 7 }),
    ).toThrow(/22 days \(at most 7\)/);
  });
});
