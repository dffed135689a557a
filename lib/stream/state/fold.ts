/**
 * One micro-batch of one partition folded into its keyed state: each message is dead-lettered (bad, too far in
 * the future, late), counted as a duplicate (its id already seen in its window), or accepted — enriched from the
 * profile cache and added to its window's cube cell, content cell and customer sketch. Records what changed
 * (the delta a checkpoint stores, the cells whose documents must be rewritten). Pure: no I/O.
 */
import { parseEvent, windowStart, type DlqReason, type WebEvent } from '../../../common/events.js';
import { statusCategory } from '../../../common/status.js';
import { hash64, lastLow } from '../hash64.js';
import { HashSet64 } from '../hash-set64.js';
import { CustomerSketch } from '../sketch.js';
import type { ReadMessage } from '../kafka-reader.js';
import type { ContentCell, CubeCell, PartitionState } from './partition-state.js';

/** A message bound for the dead-letter topic. */
export interface DeadLetter {
  msg: ReadMessage;
  reason: DlqReason;
}

/** Per-minute counters of what was not accepted: late and duplicates by event time, dead letters by Kafka time. */
export interface RejectCounters {
  late: number;
  deadLettered: number;
  duplicates: number;
}

/** What one window gained in a batch: new ids and customers (as sets), for the checkpoint delta. */
export interface WindowDelta {
  ids: HashSet64;
  customers: CustomerSketch;
}

/** Everything one partition's batch produced. */
export interface FoldResult {
  deadLetters: DeadLetter[];
  /** Minute start (epoch ms) → counters. */
  counters: Map<number, RejectCounters>;
  accepted: number;
  late: number;
  duplicates: number;
  deadLettered: number;
  /** Largest valid event time of the batch (epoch ms), for the workflow's watermark. */
  maxEventTimeMs: number | undefined;
  /** Cells and windows the batch changed (their documents are rewritten with absolute values). */
  dirtyCube: Set<CubeCell>;
  dirtyContent: Set<ContentCell>;
  /** Window start → what it gained (every window the batch touched). */
  windows: Map<number, WindowDelta>;
}

/** Parameters of a batch fold, all decided before the batch so that a retry classifies every message alike. */
export interface FoldParams {
  /** Start offset of the batch (cells it creates carry it). */
  batchStart: number;
  watermarkMs: number;
  /** An event time further than this ahead of its message's Kafka timestamp is dead-lettered. */
  maxFutureMs: number;
  /** The customer's profile, by id and by the id's `hash64` (hi, lo), which the fold has computed already. */
  lookup: (customerId: string, hi: number, lo: number) => { country: string; plan: string } | undefined;
  /**
   * Called with each accepted event and what the fold derived for it (the lake sink stages it; positional, so no
   * object is made per event); the fold stays pure without it.
   */
  onAccept?: (
    event: WebEvent,
    country: string,
    plan: string,
    unknownCustomer: boolean,
    statusCategory: string,
    partition: number,
    offset: number,
  ) => void;
}

const decoder = new TextDecoder();
const decode = (b: Uint8Array) => decoder.decode(b);
const minute = (t: number) => windowStart(t, 60_000);

/** An empty result, to fold a batch's messages into chunk by chunk. */
export function newFoldResult(): FoldResult {
  return {
    deadLetters: [],
    counters: new Map(),
    accepted: 0,
    late: 0,
    duplicates: 0,
    deadLettered: 0,
    maxEventTimeMs: undefined,
    dirtyCube: new Set(),
    dirtyContent: new Set(),
    windows: new Map(),
  };
}

/**
 * Fold `messages` (one partition, offset order) into `state`, adding to `out` (a batch may arrive in several
 * chunks: folding them one after the other into the same result equals folding them at once). The caller
 * advances `state.offset`.
 */
export function foldBatch(
  state: PartitionState,
  messages: ReadMessage[],
  p: FoldParams,
  out: FoldResult = newFoldResult(),
): FoldResult {
  state.advanceWatermark(p.watermarkMs);
  const wm = state.watermarkMs;
  const count = (t: number, k: keyof RejectCounters) => {
    const m = minute(t);
    let c = out.counters.get(m);
    if (!c) out.counters.set(m, (c = { late: 0, deadLettered: 0, duplicates: 0 }));
    c[k]++;
  };
  const dead = (msg: ReadMessage, reason: DlqReason, atMs: number) => {
    out.deadLetters.push({ msg, reason });
    count(atMs, reason === 'late' ? 'late' : 'deadLettered');
    if (reason === 'late') out.late++;
    else out.deadLettered++;
  };
  for (const msg of messages) {
    const r = parseEvent(msg.value, decode);
    if (!r.ok) {
      dead(msg, r.reason, msg.timestampMs);
      continue;
    }
    const e = r.event;
    // One event far ahead of its broker time must not move the watermark and make real events late.
    if (e.eventTimeMs - msg.timestampMs > p.maxFutureMs) {
      dead(msg, 'future_event_time', msg.timestampMs);
      continue;
    }
    if (out.maxEventTimeMs === undefined || e.eventTimeMs > out.maxEventTimeMs) out.maxEventTimeMs = e.eventTimeMs;
    if (e.eventTimeMs < wm) {
      dead(msg, 'late', e.eventTimeMs);
      continue;
    }
    const w = windowStart(e.eventTimeMs, state.windowMs);
    const win = state.window(w, p.batchStart);
    const idHi = hash64(e.eventId);
    const idLo = lastLow();
    if (!win.ids.add(idHi, idLo)) {
      count(e.eventTimeMs, 'duplicates');
      out.duplicates++;
      continue;
    }
    let delta = out.windows.get(w);
    if (!delta) out.windows.set(w, (delta = { ids: new HashSet64(), customers: new CustomerSketch() }));
    delta.ids.add(idHi, idLo);
    const cHi = hash64(e.customerId);
    const cLo = lastLow();
    if (win.customers.add(cHi, cLo)) delta.customers.add(cHi, cLo);

    const profile = p.lookup(e.customerId, cHi, cLo);
    const unknown = profile ? 0 : 1;
    const country = profile?.country ?? 'unknown';
    const plan = profile?.plan ?? 'unknown';
    const status = statusCategory(e.httpStatus);
    const key = `${e.eventType}|${country}|${plan}|${e.device}|${status}`; // = cubeKey(dims), without a dims object per event
    let cell = win.cube.get(key);
    if (!cell) {
      cell = {
        eventType: e.eventType,
        country,
        plan,
        device: e.device,
        statusCategory: status,
        windowStartMs: w,
        events: 0,
        watchMs: 0,
        unknownCustomerEvents: 0,
        firstOffset: p.batchStart,
      };
      win.cube.set(key, cell);
    }
    cell.events++;
    cell.watchMs += e.watchMs;
    cell.unknownCustomerEvents += unknown;
    out.dirtyCube.add(cell);

    let content = win.content.get(e.contentId);
    if (!content)
      win.content.set(
        e.contentId,
        (content = {
          windowStartMs: w,
          contentId: e.contentId,
          events: 0,
          watchMs: 0,
          unknownCustomerEvents: 0,
          firstOffset: p.batchStart,
        }),
      );
    content.events++;
    content.watchMs += e.watchMs;
    content.unknownCustomerEvents += unknown;
    out.dirtyContent.add(content);

    win.events++;
    out.accepted++;
    p.onAccept?.(e, country, plan, unknown === 1, status, msg.partition, msg.offset);
  }
  if (out.maxEventTimeMs !== undefined && (state.maxEventMs === null || out.maxEventTimeMs > state.maxEventMs))
    state.maxEventMs = out.maxEventTimeMs;
  return out;
}
