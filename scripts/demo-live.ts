/**
 * The demo's live event stream: produces customer web events to the events topic at a steady rate (customers
 * from the generated profiles, small shares of bad, late and duplicate messages) until stopped.
 */
import type { AppConfig } from '../lib/config.js';
import { createKafka } from '../lib/clients.js';
import { createEventGenerator, type EventKind } from '../lib/generate/events.js';

/** Options of the live producer. */
export interface LiveEventsOptions {
  ratePerS: number;
  customers: number;
  badRate: number;
  lateRate: number;
  duplicateRate: number;
  unknownRate: number;
  /** Called every `reportEveryMs` with the counts so far. */
  onReport?: (counts: Record<EventKind, number>) => void;
  reportEveryMs?: number;
}

/** Start producing in the background; `stop()` finishes the current send and disconnects. */
export async function startLiveEvents(
  cfg: AppConfig,
  o: LiveEventsOptions,
): Promise<{ stop: () => Promise<Record<EventKind, number>>; done: Promise<void> }> {
  const gen = createEventGenerator({
    customers: o.customers,
    badRate: o.badRate,
    lateRate: o.lateRate,
    duplicateRate: o.duplicateRate,
    unknownRate: o.unknownRate,
    seed: Date.now() % 1_000_000,
  });
  const producer = createKafka(cfg.kafka, '-demo-live').producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const counts: Record<EventKind, number> = { good: 0, bad: 0, late: 0, duplicate: 0 };
  let stopping = false;
  let wake: (() => void) | undefined;
  const run = async () => {
    const t0 = Date.now();
    let sent = 0;
    let lastReport = t0;
    while (!stopping) {
      const due = Math.floor(((Date.now() - t0) / 1000) * o.ratePerS);
      if (due > sent) {
        const now = Date.now();
        const msgs = Array.from({ length: Math.min(2000, due - sent) }, () => gen.next(now));
        for (const m of msgs) counts[m.kind]++;
        await producer.send({
          topic: cfg.kafka.topics.events,
          messages: msgs.map(({ key, value }) => ({ key, value })),
        });
        sent += msgs.length;
      }
      if (o.onReport && Date.now() - lastReport >= (o.reportEveryMs ?? 30_000)) {
        lastReport = Date.now();
        o.onReport({ ...counts });
      }
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 200);
      });
    }
  };
  const done = run().finally(() => producer.disconnect());
  return {
    done,
    async stop() {
      stopping = true;
      wake?.();
      await done.catch(() => undefined);
      return counts;
    },
  };
}
