/**
 * The chaos run's steady event producer: well-formed events with unique ids at a fixed rate, a share re-sent
 * (duplicates) and a share malformed (for the dead-letter topic), with its own tally of what it produced. A send
 * that fails (broker down) is retried with the same messages until the broker takes them, so nothing is dropped.
 */
import type { Kafka } from 'kafkajs';
import { createRng } from '../../lib/generate/random.js';
import { customerId } from '../../lib/generate/random.js';

/** What the producer sent: the independent count the speed view must equal. */
export interface ProducerTally {
  /** Distinct well-formed events (each must be counted exactly once). */
  events: number;
  watchMs: number;
  byEventType: Record<string, number>;
  /** Well-formed events sent a second time on purpose. */
  duplicatesSent: number;
  /** Messages that are not events at all (must be dead-lettered). */
  malformedSent: number;
  /** Messages the broker acknowledged in all. */
  messages: number;
  /** Sends that failed and were retried (a retried send may have reached the broker twice). */
  failedSends: number;
  /** Longest time one batch waited for the broker, ms. */
  longestStallMs: number;
}

const TYPES = ['play', 'pause', 'view'];

/** Start producing `ratePerS` events per second to `topic` until `stop()`; `stop()` resolves to the tally. */
export async function startProducer(
  kafka: Kafka,
  o: { topic: string; ratePerS: number; seed: number; runId: string; log: (m: string) => void },
): Promise<{ stop: () => Promise<ProducerTally>; tally: () => ProducerTally }> {
  const rng = createRng(o.seed ^ 0x5eed);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 3 } });
  await producer.connect();
  const t: ProducerTally = {
    events: 0,
    watchMs: 0,
    byEventType: {},
    duplicatesSent: 0,
    malformedSent: 0,
    messages: 0,
    failedSends: 0,
    longestStallMs: 0,
  };
  let stopping = false;
  let seq = 0;
  const batch = () => {
    const now = Date.now();
    const n = Math.max(1, Math.round(o.ratePerS / 5));
    const msgs: { key: string; value: string }[] = [];
    const counted: { type: string; watch: number }[] = [];
    for (let k = 0; k < n; k++) {
      const customer = customerId(1 + rng.int(0, 199));
      const e = {
        event_id: `${o.runId}-${seq++}`,
        customer_id: customer,
        event_time: new Date(now - rng.int(0, 500)).toISOString(),
        event_type: rng.pick(TYPES),
        content_id: `V${rng.int(0, 20)}`,
        device: rng.pick(['tv', 'mobile', 'web']),
        http_status: rng.next() < 0.05 ? 503 : 200,
        watch_ms: rng.int(0, 30) * 1000,
      };
      msgs.push({ key: customer, value: JSON.stringify(e) });
      counted.push({ type: e.event_type, watch: e.watch_ms });
      if (rng.next() < 0.01) msgs.push({ key: customer, value: JSON.stringify(e) }); // same id, same window
      if (rng.next() < 0.005) msgs.push({ key: customer, value: `{"event_id": "${o.runId}-bad-${seq}", ` }); // truncated JSON
    }
    return { msgs, counted, duplicates: msgs.length - counted.length, n };
  };
  const run = async () => {
    const t0 = Date.now();
    let due = 0;
    while (!stopping) {
      const b = batch();
      const started = Date.now();
      for (;;) {
        try {
          await producer.send({ topic: o.topic, messages: b.msgs });
          break;
        } catch (err) {
          t.failedSends++;
          if (t.failedSends % 20 === 1) o.log(`producer: send failed (${(err as Error).message}); retrying`);
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      t.longestStallMs = Math.max(t.longestStallMs, Date.now() - started);
      t.messages += b.msgs.length;
      t.events += b.counted.length;
      for (const c of b.counted) {
        t.watchMs += c.watch;
        t.byEventType[c.type] = (t.byEventType[c.type] ?? 0) + 1;
      }
      const malformed = b.msgs.filter((m) => !m.value.endsWith('}')).length;
      t.malformedSent += malformed;
      t.duplicatesSent += b.duplicates - malformed;
      due += 200;
      const wait = t0 + due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else due = Date.now() - t0; // behind after a stall: do not burst to catch up
    }
  };
  const done = run().finally(() => producer.disconnect().catch(() => undefined));
  return {
    tally: () => ({ ...t, byEventType: { ...t.byEventType } }),
    async stop() {
      stopping = true;
      await done;
      return { ...t, byEventType: { ...t.byEventType } };
    },
  };
}
