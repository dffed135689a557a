/**
 * Property tests of the ad parsers: any bytes give an impression/click or a known dead-letter reason (never an
 * exception), money is exact in micro-units, and generated valid messages round-trip to the same fields.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AD_DLQ_REASONS, MAX_AD_MESSAGE_BYTES, microsToDecimal, parseClick, parseImpression, toMicros } from './ads.js';

const enc = (s: string) => new TextEncoder().encode(s);
const lenient = new TextDecoder();
const fatal = new TextDecoder('utf-8', { fatal: true });
const decoders = [(b: Uint8Array) => lenient.decode(b), (b: Uint8Array) => fatal.decode(b)];
const RUNS = { numRuns: 400 };
const REASONS = Object.keys(AD_DLQ_REASONS);

const FIELDS = [
  'impression_id',
  'click_id',
  'join_id',
  'ad_id',
  'campaign_id',
  'event_time',
  'impression_cost',
  'click_cost',
  'view_ms',
  'user_id',
  'device',
  'location',
  'click_position',
  '__proto__',
];
const plausible = fc.oneof(
  fc.constantFrom(
    'i1',
    '',
    '2030-01-15T10:00:00Z',
    '2030-01-15T10:00',
    0.25,
    -0.01,
    1e9,
    1e10,
    1.5,
    2 ** 53,
    null,
    true,
    'x'.repeat(257),
  ),
  fc.string({ maxLength: 140 }),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
);
const adish = fc
  .dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 8 })), plausible, { maxKeys: 12 })
  .map((o) => JSON.stringify(o));
const bytes = fc.oneof(
  adish.map(enc),
  fc.json({ maxDepth: 4 }).map(enc),
  fc.uint8Array({ maxLength: 200 }),
  fc.constantFrom(
    null,
    new Uint8Array(0),
    enc('['.repeat(100_000)),
    enc(`{"impression_id":"${'x'.repeat(MAX_AD_MESSAGE_BYTES)}"}`),
  ),
);

describe('parseImpression / parseClick', () => {
  it('any value gives a typed result or a known reason, with either decoder', () => {
    fc.assert(
      fc.property(bytes, fc.constantFrom(0, 1), (value, d) => {
        const i = parseImpression(value, decoders[d]!);
        if (i.ok) {
          expect(Number.isSafeInteger(i.impression.costMicros) && i.impression.costMicros >= 0).toBe(true);
          expect(Number.isSafeInteger(i.impression.viewMs) && i.impression.viewMs >= 0).toBe(true);
          expect(Number.isFinite(i.impression.eventTimeMs)).toBe(true);
        } else expect(REASONS).toContain(i.reason);
        const c = parseClick(value, decoders[d]!);
        if (c.ok) {
          expect(Number.isSafeInteger(c.click.costMicros) && c.click.costMicros >= 0).toBe(true);
          expect(Number.isFinite(c.click.eventTimeMs)).toBe(true);
        } else expect(REASONS).toContain(c.reason);
      }),
      RUNS,
    );
  });

  const id = fc.string({ minLength: 1, maxLength: 128 });
  const micros = fc.integer({ min: 0, max: 1e15 }); // cost ≤ 1e9 units
  const at = fc.integer({ min: 0, max: 253402300799999 });

  it('a valid impression round-trips (cost given as its 6-place decimal)', () => {
    fc.assert(
      fc.property(
        id,
        id,
        id,
        at,
        micros,
        fc.option(fc.nat(), { nil: undefined }),
        fc.option(fc.string({ maxLength: 256 }), { nil: undefined }),
        (imp, ad, camp, t, m, view, device) => {
          const json =
            `{"impression_id":${JSON.stringify(imp)},"ad_id":${JSON.stringify(ad)},"campaign_id":${JSON.stringify(camp)},"event_time":"${new Date(t).toISOString()}",` +
            `"impression_cost":${microsToDecimal(m)}${view === undefined ? '' : `,"view_ms":${view}`}${device === undefined ? '' : `,"device":${JSON.stringify(device)}`}}`;
          expect(parseImpression(enc(json), decoders[0]!)).toEqual({
            ok: true,
            impression: {
              impressionId: imp,
              userId: '',
              adId: ad,
              campaignId: camp,
              adCategory: 'unknown',
              device: device || 'unknown',
              location: 'unknown',
              eventTimeMs: t,
              costMicros: m,
              viewMs: view ?? 0,
            },
          });
        },
      ),
      RUNS,
    );
  });

  it('a valid click round-trips', () => {
    fc.assert(
      fc.property(
        id,
        id,
        at,
        micros,
        fc.option(fc.string({ maxLength: 256 }), { nil: undefined }),
        (click, join, t, m, pos) => {
          const json = JSON.stringify({
            click_id: click,
            join_id: join,
            event_time: new Date(t).toISOString(),
            click_position: pos,
          }).replace(/}$/, `,"click_cost":${microsToDecimal(m)}}`);
          expect(parseClick(enc(json), decoders[0]!)).toEqual({
            ok: true,
            click: { clickId: click, joinId: join, position: pos || 'unknown', eventTimeMs: t, costMicros: m },
          });
        },
      ),
      RUNS,
    );
  });

  it('toMicros inverts microsToDecimal for any amount up to 1e9 units', () => {
    fc.assert(
      fc.property(micros, (m) => {
        expect(toMicros(Number(microsToDecimal(m)))).toBe(m);
      }),
      { numRuns: 2000 },
    );
  });
});
