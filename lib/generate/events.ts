/**
 * Customer web events for the speed layer, with optional shares of bad messages (every dead-letter reason),
 * late events (10 minutes behind), re-sent duplicates and unknown customers. Deterministic per seed.
 */
import { createRng, customerId } from './random.js';

/** Options of the event generator. */
export interface EventGenOptions {
  customers: number;
  badRate: number;
  lateRate: number;
  duplicateRate: number;
  unknownRate: number;
  seed: number;
}

/** What each produced message is, for progress and tests. */
export type EventKind = 'good' | 'bad' | 'late' | 'duplicate';

const TYPES: [string, number][] = [
  ['play', 40],
  ['pause', 15],
  ['view', 30],
  ['complete', 10],
  ['error', 5],
];
const DEVICES = ['tv', 'mobile', 'desktop', 'tablet', 'console'];
const BAD = [
  () => '{"event_id": "broken',
  () => '[1,2,3]',
  (e: Record<string, unknown>) => JSON.stringify({ ...e, event_id: '' }),
  (e: Record<string, unknown>) => JSON.stringify({ ...e, customer_id: 42 }),
  (e: Record<string, unknown>) => JSON.stringify({ ...e, event_time: 'yesterday' }),
  (e: Record<string, unknown>) => JSON.stringify({ ...e, event_type: '' }),
  (e: Record<string, unknown>) => JSON.stringify({ ...e, http_status: 700 }),
  (e: Record<string, unknown>) => JSON.stringify({ ...e, pad: 'x'.repeat(66_000) }),
];

/** A generator of messages; `next(nowMs)` returns one keyed message and its kind. */
export function createEventGenerator(o: EventGenOptions) {
  const rng = createRng(o.seed);
  const recent: { key: string; value: string }[] = [];
  let n = 0;
  let bad = 0;
  return {
    next(nowMs: number): { key: string; value: string; kind: EventKind } {
      n++;
      if (recent.length && rng.next() < o.duplicateRate) return { ...rng.pick(recent), kind: 'duplicate' };
      const unknown = rng.next() < o.unknownRate;
      const customer = unknown
        ? customerId(o.customers + rng.int(1, 10_000))
        : customerId(rng.int(1, Math.max(1, o.customers)));
      const late = rng.next() < o.lateRate;
      const e = {
        event_id: `ev-${o.seed}-${n}`,
        customer_id: customer,
        event_time: new Date(late ? nowMs - 600_000 : nowMs - rng.int(0, 2000)).toISOString(),
        event_type: rng.weighted(TYPES),
        content_id: `V${rng.int(1, 300)}`,
        device: rng.pick(DEVICES),
        http_status: rng.next() < 0.03 ? rng.pick([404, 500, 503]) : 200,
        watch_ms: rng.int(0, 60_000),
      };
      if (rng.next() < o.badRate) return { key: customer, value: BAD[bad++ % BAD.length]!(e), kind: 'bad' };
      const msg = { key: customer, value: JSON.stringify(e) };
      if (!late) {
        recent.push(msg);
        if (recent.length > 1000) recent.shift();
      }
      return { ...msg, kind: late ? 'late' : 'good' };
    },
  };
}
