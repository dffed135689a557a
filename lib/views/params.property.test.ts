/**
 * Property tests of the API parameter parsers (`/api/viewership`, `/api/ads`, `/api/revenue`): any query string
 * gives a validated query or a BadParameterError naming a parameter (never another exception), and generated
 * valid parameters round-trip.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AD_DIMENSIONS, parseAdsQuery } from './ads.js';
import {
  BadParameterError,
  DIMENSIONS,
  MAX_BUCKETS,
  MAX_LIMIT,
  METRICS,
  INTERVALS,
  parseTime,
  parseViewershipQuery,
} from './params.js';
import { parseRevenueQuery } from './revenue.js';

const NOW = Date.parse('2026-11-23T12:34:56Z');
const RUNS = { numRuns: 500 };
const KNOWN = ['from', 'to', 'interval', 'groupBy', 'metrics', 'limit'];

const timeText = fc.oneof(
  fc.constantFrom(
    '2026-11-20',
    '2026-02-30',
    '1969-12-31',
    '0000-01-01',
    '9999-12-31',
    '2026-11-23T10:00:00+01:00',
    '2026-11-23T24:00Z',
    '2026-11-23T10:00:00+25:00',
    '2026-11-23T10:00:00.123456789Z',
    '2026-11-23T10:00+0100',
    '1764000000000',
    '99999999999999',
    '0000000000',
    '-1',
    '',
    ' ',
    '1e12',
    'NaN',
  ),
  fc.integer({ min: 0, max: 4e12 }).map((t) => new Date(t).toISOString()),
  fc.string({ maxLength: 30 }),
);
const value = fc.oneof(
  timeText,
  fc.constantFrom(
    'minute',
    'hour',
    'day',
    'week',
    'country,plan',
    'country,country',
    'events,,bytes',
    ' device , content_id ',
    '5',
    '0',
    '10001',
    '1.5',
    '1e3',
    '0x10',
    'Infinity',
    '-0',
  ),
  fc
    .array(fc.constantFrom(...DIMENSIONS, ...METRICS, ...AD_DIMENSIONS, 'x', ''), { maxLength: 5 })
    .map((a) => a.join(',')),
  fc.string({ maxLength: 20 }),
);
const key = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'groupby', ''),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);
const query = fc.array(fc.tuple(key, value), { maxLength: 7 }).map((pairs) => new URLSearchParams(pairs));

/** Run a parser: its result, or the BadParameterError it threw (anything else fails the property). */
function typed<T>(f: () => T): T | BadParameterError {
  try {
    return f();
  } catch (err) {
    expect(err, String(err)).toBeInstanceOf(BadParameterError);
    expect(typeof (err as BadParameterError).parameter).toBe('string');
    return err as BadParameterError;
  }
}

describe('API parameter parsers: any query gives a query or a BadParameterError', () => {
  it('/api/viewership', () => {
    fc.assert(
      fc.property(query, (p) => {
        const q = typed(() => parseViewershipQuery(p, NOW, { maxRangeDays: 400 }));
        if (q instanceof BadParameterError) {
          expect([...KNOWN, ...p.keys()]).toContain(q.parameter);
          return;
        }
        expect(Number.isFinite(q.fromMs) && Number.isFinite(q.toMs) && q.fromMs < q.toMs).toBe(true);
        expect(Math.ceil((q.toMs - q.fromMs) / INTERVALS[q.interval])).toBeLessThanOrEqual(MAX_BUCKETS);
        expect(q.toMs - q.fromMs).toBeLessThanOrEqual(400 * 86_400_000);
        for (const g of q.groupBy) expect(DIMENSIONS).toContain(g);
        for (const m of q.metrics) expect(METRICS).toContain(m);
        expect(new Set(q.groupBy).size).toBe(q.groupBy.length);
        if (q.limit !== undefined)
          expect(Number.isInteger(q.limit) && q.limit >= 1 && q.limit <= MAX_LIMIT && q.groupBy.length > 0).toBe(true);
      }),
      RUNS,
    );
  });

  it('/api/ads and /api/revenue', () => {
    fc.assert(
      fc.property(query, (p) => {
        typed(() => parseAdsQuery(p, NOW));
        const r = typed(() => parseRevenueQuery(p, NOW, { maxRangeDays: 366 }));
        if (!(r instanceof BadParameterError)) expect(r.from <= r.to).toBe(true);
      }),
      RUNS,
    );
  });

  it('an unknown parameter is named as unknown, whatever its name (also Object.prototype member names)', () => {
    const unknown = fc
      .oneof(
        fc.constantFrom(
          '__proto__',
          'constructor',
          'toString',
          'hasOwnProperty',
          'valueOf',
          'isPrototypeOf',
          'groupby',
        ),
        fc.string({ minLength: 1, maxLength: 10 }),
      )
      .filter((k) => !KNOWN.includes(k));
    fc.assert(
      fc.property(unknown, fc.string({ maxLength: 5 }), (k, v) => {
        const err = typed(() => parseViewershipQuery(new URLSearchParams([[k, v]]), NOW));
        expect(err).toBeInstanceOf(BadParameterError);
        expect(err).toMatchObject({ parameter: k, message: expect.stringContaining('unknown parameter') });
      }),
      RUNS,
    );
  });

  it('regression: `constructor`, `__proto__`, `toString` were reported as "given more than once" on first use', () => {
    for (const k of ['constructor', '__proto__', 'toString']) {
      expect(typed(() => parseViewershipQuery(new URLSearchParams(`${k}=1`), NOW))).toMatchObject({
        parameter: k,
        message: expect.stringMatching(/^unknown parameter/),
      });
      expect(typed(() => parseAdsQuery(new URLSearchParams(`${k}=1`), NOW))).toMatchObject({
        parameter: k,
        message: expect.stringMatching(/^unknown parameter/),
      });
    }
  });

  it('a parameter given twice is named as such', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KNOWN), fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), (k, a, b) => {
        expect(
          typed(() =>
            parseViewershipQuery(
              new URLSearchParams([
                [k, a],
                [k, b],
              ]),
              NOW,
            ),
          ),
        ).toMatchObject({ parameter: k, message: `${k} is given more than once` });
      }),
      { numRuns: 100 },
    );
  });
});

describe('round trips', () => {
  it('parseTime: any string gives undefined or a finite time; real ISO times and dates give their instant', () => {
    fc.assert(
      fc.property(timeText, (s) => {
        const t = parseTime(s);
        expect(t === undefined || Number.isFinite(t)).toBe(true);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 253402300799999 }),
        fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
        (ms, off) => {
          const iso = new Date(ms).toISOString();
          expect(parseTime(iso)).toBe(ms);
          expect(parseTime(iso.slice(0, 10))).toBe(Date.parse(`${iso.slice(0, 10)}T00:00:00Z`));
          const local = new Date(ms + off * 60_000).toISOString().slice(0, -1);
          const a = Math.abs(off);
          const zoned = `${local}${off < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
          if (/^(19[7-9]\d|[2-9]\d{3})-/.test(local)) expect(parseTime(zoned), zoned).toBe(ms); // the written date's year must be 1970-9999
        },
      ),
      RUNS,
    );
  });

  it('a valid viewership query is returned as given', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2020-01-01'), max: Date.parse('2030-01-01') }),
        fc.constantFrom(...(Object.keys(INTERVALS) as (keyof typeof INTERVALS)[])),
        fc.integer({ min: 1, max: 48 }),
        fc.uniqueArray(fc.constantFrom(...DIMENSIONS), { maxLength: DIMENSIONS.length }),
        fc.uniqueArray(fc.constantFrom(...METRICS), { minLength: 1, maxLength: METRICS.length }),
        fc.option(fc.integer({ min: 1, max: MAX_LIMIT }), { nil: undefined }),
        (fromMs, interval, buckets, groupBy, metrics, limit) => {
          const toMs = fromMs + buckets * INTERVALS[interval];
          const p = new URLSearchParams({
            from: new Date(fromMs).toISOString(),
            to: String(toMs),
            interval,
            groupBy: groupBy.join(','),
            metrics: metrics.join(','),
          });
          const lim = groupBy.length ? limit : undefined;
          if (lim !== undefined) p.set('limit', String(lim));
          expect(parseViewershipQuery(p, NOW)).toEqual({ fromMs, toMs, interval, groupBy, metrics, limit: lim });
        },
      ),
      RUNS,
    );
  });
});
