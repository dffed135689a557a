import { describe, expect, it } from 'vitest';
import type { ReadMessage } from './kafka-reader.js';
import { cellKey, foldPartition, parseMessages } from './microbatch.js';

const T0 = Date.parse('2024-09-13T06:49:00Z');
let offset = 0;
const msg = (value: unknown, timestampMs = T0): ReadMessage => ({
  partition: 1,
  offset: offset++,
  key: null,
  value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  timestampMs,
});
const ev = (id: string, customer: string, sec: number, extra: Record<string, unknown> = {}) => ({
  event_id: id, customer_id: customer, event_time: new Date(T0 + sec * 1000).toISOString(), event_type: 'play', content_id: 'V1', device: 'tv', watch_ms: 1000, ...extra,
});

describe('foldPartition', () => {
  it('dead-letters bad messages, counts late events and duplicates, and folds the rest into window cells', () => {
    const profiles: Record<string, { country: string; plan: string }> = { C1: { country: 'DE', plan: 'premium' } };
    const seen = new Set<string>();
    const messages = [
      msg(ev('e1', 'C1', 5)),
      msg(ev('e2', 'C1', 65)), // next minute window
      msg(ev('e3', 'C9', 10, { http_status: 503 })), // unknown customer, 5xx
      msg(ev('e1', 'C1', 5)), // duplicate id
      msg(ev('e4', 'C1', -120)), // behind the watermark
      msg('{not json', T0 + 3000),
      msg({ event_id: 'x' }),
    ];
    const out = foldPartition({
      messages: parseMessages(messages),
      watermarkMs: T0 - 30_000,
      windowMs: 60_000,
      lookup: (id) => profiles[id],
      isDuplicate: (e) => (seen.has(e.eventId) ? true : (seen.add(e.eventId), false)),
    });
    expect(out.accepted).toBe(3);
    expect(out.deadLetters.map((d) => d.reason)).toEqual(['late', 'not_json', 'bad_customer_id']);
    expect([...out.counters.entries()]).toEqual([
      [T0, { late: 0, deadLettered: 2, duplicates: 1 }],
      [T0 - 120_000, { late: 1, deadLettered: 0, duplicates: 0 }],
    ]);
    const dims = { eventType: 'play', country: 'DE', plan: 'premium', device: 'tv', statusCategory: '2xx', contentId: 'V1' };
    const first = out.contributions.get(cellKey(T0, dims))!;
    expect(first).toMatchObject({ events: 1, watchMs: 1000, unknownCustomerEvents: 0 });
    expect(out.contributions.get(cellKey(T0 + 60_000, dims))!.events).toBe(1);
    const unknown = out.contributions.get(cellKey(T0, { ...dims, country: 'unknown', plan: 'unknown', statusCategory: '5xx' }))!;
    expect(unknown).toMatchObject({ events: 1, unknownCustomerEvents: 1 });
    expect([...unknown.customers]).toEqual(['C9']);
    expect(out.maxEventTimeMs).toBe(T0 + 65_000);
  });

  it('classifies the same messages identically on a retry (same watermark in, same cells out)', () => {
    const messages = [msg(ev('a', 'C1', 1)), msg(ev('b', 'C2', 2)), msg(ev('c', 'C1', -100))];
    const run = () => foldPartition({ messages: parseMessages(messages), watermarkMs: T0 - 30_000, windowMs: 60_000, lookup: () => undefined, isDuplicate: () => false });
    const a = run();
    const b = run();
    expect([...b.contributions.keys()]).toEqual([...a.contributions.keys()]);
    expect(b.deadLetters.map((d) => d.msg.offset)).toEqual(a.deadLetters.map((d) => d.msg.offset));
  });
});
