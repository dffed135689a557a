/**
 * Property tests of the event parser: any bytes give an event or a known dead-letter reason (never an
 * exception), and a generated valid event round-trips to the same fields.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DLQ_REASONS, MAX_EVENT_BYTES, parseEvent, type WebEvent } from './events.js';

const enc = (s: string) => new TextEncoder().encode(s);
const lenient = new TextDecoder();
const fatal = new TextDecoder('utf-8', { fatal: true });
const decoders = [(b: Uint8Array) => lenient.decode(b), (b: Uint8Array) => fatal.decode(b)];
const RUNS = { numRuns: 400 };

const FIELDS = [
  'event_id',
  'customer_id',
  'event_time',
  'event_type',
  'content_id',
  'device',
  'http_status',
  'watch_ms',
  '__proto__',
  'constructor',
];
/** JSON objects whose known fields hold any JSON value, or a plausible one. */
const plausible = fc.oneof(
  fc.constantFrom(
    'e1',
    '',
    '2024-09-13T06:49:12Z',
    '2024-09-13T06:49:12+0200',
    '2024-02-30T00:00:00Z',
    '9999-99-99T99:99Z',
    200,
    99,
    600,
    200.5,
    -1,
    0,
    1e308,
    null,
    true,
  ),
  fc.string({ maxLength: 300 }),
  fc.jsonValue({ maxDepth: 3 }),
);
const eventish = fc
  .dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 8 })), plausible, { maxKeys: 10 })
  .map((o) => JSON.stringify(o));
const bytes = fc.oneof(
  eventish.map(enc),
  fc.json({ maxDepth: 4 }).map(enc),
  fc.uint8Array({ maxLength: 200 }),
  fc.constantFrom(
    null,
    new Uint8Array(0),
    enc('['.repeat(100_000)),
    enc(`{"event_id":"${'x'.repeat(MAX_EVENT_BYTES)}"}`),
    new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
  ),
);

describe('parseEvent', () => {
  it('any value gives an event or a known reason, with either decoder', () => {
    fc.assert(
      fc.property(bytes, fc.constantFrom(0, 1), (value, d) => {
        const r = parseEvent(value, decoders[d]!);
        if (!r.ok) {
          expect(Object.keys(DLQ_REASONS)).toContain(r.reason);
          return;
        }
        const e = r.event;
        expect(typeof e.eventId === 'string' && e.eventId.length >= 1 && e.eventId.length <= 128).toBe(true);
        expect(typeof e.customerId === 'string' && e.customerId.length >= 1 && e.customerId.length <= 64).toBe(true);
        expect(Number.isFinite(e.eventTimeMs)).toBe(true);
        expect(Number.isInteger(e.httpStatus) && e.httpStatus >= 100 && e.httpStatus <= 599).toBe(true);
        expect(Number.isFinite(e.watchMs) && e.watchMs >= 0).toBe(true);
        expect(typeof e.contentId === 'string' && typeof e.device === 'string').toBe(true);
      }),
      RUNS,
    );
  });

  it('a valid event (any optional fields present or not, unknown fields added) round-trips', () => {
    const s = (max: number) => fc.string({ minLength: 1, maxLength: max });
    fc.assert(
      fc.property(
        fc.record({
          eventId: s(128),
          customerId: s(64),
          eventTimeMs: fc.integer({ min: 0, max: 253402300799999 }),
          eventType: s(64),
          contentId: fc.option(fc.string({ maxLength: 64 }), { nil: undefined }),
          device: fc.option(fc.string({ maxLength: 64 }), { nil: undefined }),
          httpStatus: fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }),
          watchMs: fc.option(fc.double({ min: 0, max: 1e12, noNaN: true }), { nil: undefined }),
        }),
        fc.dictionary(
          fc.string({ maxLength: 6 }).map((k) => `x_${k}`),
          fc.jsonValue({ maxDepth: 2 }),
          { maxKeys: 3 },
        ),
        (g, extra) => {
          const json = JSON.stringify({
            ...extra,
            event_id: g.eventId,
            customer_id: g.customerId,
            event_time: new Date(g.eventTimeMs).toISOString(),
            event_type: g.eventType,
            content_id: g.contentId,
            device: g.device,
            http_status: g.httpStatus,
            watch_ms: g.watchMs,
          });
          const want: WebEvent = {
            eventId: g.eventId,
            customerId: g.customerId,
            eventTimeMs: g.eventTimeMs,
            eventType: g.eventType,
            contentId: g.contentId ?? '',
            device: g.device ?? 'unknown',
            httpStatus: g.httpStatus ?? 200,
            watchMs: g.watchMs ?? 0,
          };
          expect(parseEvent(enc(json), decoders[0]!)).toEqual({ ok: true, event: want });
        },
      ),
      RUNS,
    );
  });
});
