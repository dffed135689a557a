/**
 * The pure core of a micro-batch: classify each message (dead-letter, late, duplicate, accepted), enrich the
 * accepted events from the profile cache and the status reference, and fold them into per-(window, dimensions)
 * contributions of one partition. No I/O: duplicate detection is delegated to `isDuplicate`.
 */
import { statusCategory } from '../../common/status.js';
import { parseEvent, windowStart, type DlqReason, type WebEvent } from '../../common/events.js';
import type { ReadMessage } from './kafka-reader.js';

/** Dimensions of a speed-view window. */
export interface WindowDims {
  eventType: string;
  country: string;
  plan: string;
  device: string;
  statusCategory: string;
  contentId: string;
}

/** One partition-batch's contribution to a (window, dimensions) cell. */
export interface Contribution extends WindowDims {
  windowStartMs: number;
  events: number;
  watchMs: number;
  unknownCustomerEvents: number;
  customers: Set<string>;
}

/** A message bound for the dead-letter topic. */
export interface DeadLetter {
  msg: ReadMessage;
  reason: DlqReason;
}

/** Per-minute counters of what was not accepted: late and duplicates by event time, dead letters by Kafka message time. */
export interface RejectCounters {
  late: number;
  deadLettered: number;
  duplicates: number;
}

/** A message with its validation result, parsed once per micro-batch (dedupe and folding share it). */
export interface ParsedMessage {
  msg: ReadMessage;
  parsed: ReturnType<typeof parseEvent>;
}

const decoder = new TextDecoder();
const decode = (b: Uint8Array) => decoder.decode(b);

/** Parse and validate each message once. */
export function parseMessages(messages: ReadMessage[]): ParsedMessage[] {
  return messages.map((msg) => ({ msg, parsed: parseEvent(msg.value, decode) }));
}

/** Everything one partition's messages of a batch produced. */
export interface PartitionOutcome {
  contributions: Map<string, Contribution>;
  deadLetters: DeadLetter[];
  /** minute start (epoch ms) → counters */
  counters: Map<number, RejectCounters>;
  accepted: number;
  maxEventTimeMs: number | undefined;
}

/** Stable key of a window cell (also the output topic's message key). */
export function cellKey(windowStartMs: number, d: WindowDims): string {
  return [new Date(windowStartMs).toISOString(), d.eventType, d.country, d.plan, d.device, d.statusCategory, d.contentId].join('|');
}

const minute = (t: number) => windowStart(t, 60_000);

/**
 * Fold one partition's messages. `watermarkMs` is fixed for the whole batch (decided by the workflow before the
 * batch), so a retried batch classifies every message the same way.
 */
export function foldPartition(o: {
  messages: ParsedMessage[];
  watermarkMs: number;
  windowMs: number;
  lookup: (customerId: string) => { country: string; plan: string } | undefined;
  isDuplicate: (e: WebEvent, msg: ReadMessage) => boolean;
}): PartitionOutcome {
  const out: PartitionOutcome = { contributions: new Map(), deadLetters: [], counters: new Map(), accepted: 0, maxEventTimeMs: undefined };
  const count = (t: number, k: keyof RejectCounters) => {
    const m = minute(t);
    const c = out.counters.get(m) ?? { late: 0, deadLettered: 0, duplicates: 0 };
    c[k]++;
    out.counters.set(m, c);
  };
  for (const { msg, parsed: r } of o.messages) {
    if (!r.ok) {
      out.deadLetters.push({ msg, reason: r.reason });
      count(msg.timestampMs, 'deadLettered');
      continue;
    }
    const e = r.event;
    out.maxEventTimeMs = Math.max(out.maxEventTimeMs ?? -Infinity, e.eventTimeMs);
    if (e.eventTimeMs < o.watermarkMs) {
      out.deadLetters.push({ msg, reason: 'late' });
      count(e.eventTimeMs, 'late');
      continue;
    }
    if (o.isDuplicate(e, msg)) {
      count(e.eventTimeMs, 'duplicates');
      continue;
    }
    const profile = o.lookup(e.customerId);
    const dims: WindowDims = {
      eventType: e.eventType,
      country: profile?.country ?? 'unknown',
      plan: profile?.plan ?? 'unknown',
      device: e.device,
      statusCategory: statusCategory(e.httpStatus),
      contentId: e.contentId,
    };
    const w = windowStart(e.eventTimeMs, o.windowMs);
    const key = cellKey(w, dims);
    let c = out.contributions.get(key);
    if (!c) {
      c = { ...dims, windowStartMs: w, events: 0, watchMs: 0, unknownCustomerEvents: 0, customers: new Set() };
      out.contributions.set(key, c);
    }
    c.events++;
    c.watchMs += e.watchMs;
    if (!profile) c.unknownCustomerEvents++;
    c.customers.add(e.customerId);
    out.accepted++;
  }
  return out;
}
