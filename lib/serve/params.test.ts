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
    const q = parse('from=2026-11-20&to=2026-11-23T10:00:00%2B01:00&interval=day&groupBy=country,plan&metrics=events,bytes&limit=5');
    expect(q.fromMs).toBe(Date.parse('2026-11-20T00:00:00Z'));
    expect(q.toMs).toBe(Date.parse('2026-11-23T09:00:00Z'));
    expect(q).toMatchObject({ interval: 'day', groupBy: ['country', 'plan'], metrics: ['events', 'bytes'], limit: 5 });
    expect(parseTime(String(NOW))).toBe(NOW);
  });

  it('names the bad parameter', () => {
    expect(badParam('from=yesterday').parameter).toBe('from');
    expect(badParam('to=2026-13-45').parameter).toBe('to');
    expect(badParam('from=2026-11-23&to=2026-11-22').parameter).toBe('to');
    expect(badParam('interval=week')).toMatchObject({ parameter: 'interval', message: expect.stringMatching(/minute, hour, day/) });
    expect(badParam('groupBy=country,planet')).toMatchObject({ parameter: 'groupBy', message: expect.stringMatching(/"planet"/) });
    expect(badParam('groupBy=plan,plan').parameter).toBe('groupBy');
    expect(badParam('metrics=views').parameter).toBe('metrics');
    expect(badParam('groupBy=plan&limit=0').parameter).toBe('limit');
    expect(badParam('groupBy=plan&limit=abc').parameter).toBe('limit');
    expect(badParam('limit=3').parameter).toBe('limit');
    expect(badParam('colour=red').parameter).toBe('colour');
    expect(badParam('interval=day&interval=hour').parameter).toBe('interval');
    expect(badParam('from=2020-01-01&to=2026-01-01&interval=minute')).toMatchObject({ parameter: 'interval', message: expect.stringMatching(/buckets/) });
  });
});
