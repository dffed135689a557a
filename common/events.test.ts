import { describe, expect, it } from 'vitest';
import { MAX_EVENT_BYTES, parseEvent, utf8Bytes, windowStart } from './events.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const parse = (o: unknown) => parseEvent(enc(typeof o === 'string' ? o : JSON.stringify(o)), dec);
const good = {
  event_id: 'e1',
  customer_id: 'C000001',
  event_time: '2024-09-13T06:49:12.345Z',
  event_type: 'play',
  content_id: 'V42',
  device: 'tv',
  http_status: 200,
  watch_ms: 12000,
  extra: 'ignored',
};

describe('parseEvent', () => {
  it('accepts the documented shape, ignores unknown fields and defaults optional ones', () => {
    expect(parse(good)).toEqual({
      ok: true,
      event: {
        eventId: 'e1',
        customerId: 'C000001',
        eventTimeMs: Date.parse(good.event_time),
        eventType: 'play',
        contentId: 'V42',
        device: 'tv',
        httpStatus: 200,
        watchMs: 12000,
      },
    });
    const { content_id: _c, device: _d, http_status: _h, watch_ms: _w, ...minimal } = good;
    expect(parse(minimal)).toMatchObject({
      ok: true,
      event: { contentId: '', device: 'unknown', httpStatus: 200, watchMs: 0 },
    });
    expect(parse({ ...good, event_time: '2024-09-13T08:49:12+02:00' })).toMatchObject({
      ok: true,
      event: { eventTimeMs: Date.parse('2024-09-13T06:49:12Z') },
    });
  });

  it.each([
    ['not json {', 'not_json'],
    ['[1,2]', 'not_object'],
    ['"text"', 'not_object'],
    [{ ...good, event_id: '' }, 'bad_event_id'],
    [{ ...good, event_id: 'x'.repeat(129) }, 'bad_event_id'],
    [{ ...good, customer_id: 7 }, 'bad_customer_id'],
    [{ ...good, event_time: '2024-09-13T06:49:12' }, 'bad_event_time'],
    [{ ...good, event_time: 'yesterday' }, 'bad_event_time'],
    [{ ...good, event_type: undefined }, 'bad_event_type'],
    [{ ...good, http_status: 99 }, 'bad_optional_field'],
    [{ ...good, http_status: 200.5 }, 'bad_optional_field'],
    [{ ...good, watch_ms: -1 }, 'bad_optional_field'],
    [{ ...good, device: 3 }, 'bad_optional_field'],
    [{ ...good, content_id: 'v'.repeat(257) }, 'field_too_long'],
    [{ ...good, device: 'é'.repeat(129) }, 'field_too_long'],
    [{ ...good, event_type: 'p'.repeat(300) }, 'field_too_long'],
  ])('%j → %s', (value, reason) => {
    expect(parse(value)).toEqual({ ok: false, reason });
  });

  it('accepts dimensions of exactly 256 UTF-8 bytes and counts bytes, not characters', () => {
    expect(parse({ ...good, content_id: 'v'.repeat(256), device: 'é'.repeat(128) })).toMatchObject({ ok: true });
    expect(utf8Bytes('aé€😀')).toBe(1 + 2 + 3 + 4);
  });

  it('rejects empty and oversized messages', () => {
    expect(parseEvent(null, dec)).toEqual({ ok: false, reason: 'not_json' });
    expect(parseEvent(enc(JSON.stringify({ ...good, pad: 'x'.repeat(MAX_EVENT_BYTES) })), dec)).toEqual({
      ok: false,
      reason: 'too_large',
    });
  });

  it('computes tumbling window starts', () => {
    expect(windowStart(Date.parse('2024-09-13T06:49:12.345Z'), 60_000)).toBe(Date.parse('2024-09-13T06:49:00Z'));
    expect(windowStart(Date.parse('2024-09-13T06:49:00Z'), 60_000)).toBe(Date.parse('2024-09-13T06:49:00Z'));
  });
});
