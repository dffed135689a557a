/**
 * The demo's live event stream: produces customer web events to the events topic at a steady rate (customers
 * from the generated profiles, small shares of bad, late and duplicate messages) until stopped.
 */
import type { AppConfig } from '../lib/config.js';
import { createKafka } from '../lib/clients.js';
import { createEventGenerator, type EventKind } from '../lib/generate/events.js';
import { startPacedLoop } from './paced-loop.js';

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
  let sent = 0;
  return startPacedLoop({
    ratePerS: o.ratePerS,
    async step(due, now) {
      if (due <= sent) return;
      const msgs = Array.from({ length: Math.min(2000, due - sent) }, () => gen.next(now));
      for (const m of msgs) counts[m.kind]++;
      await producer.send({ topic: cfg.kafka.topics.events, messages: msgs.map(({ key, value }) => ({ key, value })) });
      sent += msgs.length;
    },
    counts: () => ({ ...counts }),
    onReport: o.onReport,
    reportEveryMs: o.reportEveryMs,
    close: () => producer.disconnect(),
  });
}
