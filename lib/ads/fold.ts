/**
 * One micro-batch of one ad-stream partition folded into its state (`state.ts`): orphans found by the batch's
 * watermark first, then the impressions and the clicks read, each either dead-lettered (bad, late), counted as a
 * duplicate, or joined. Returns what the sinks write and the checkpoint delta. Pure: no I/O.
 */
import { minuteStart, parseClick, parseImpression, UNKNOWN_NETWORK, type AdDlqReason } from '../../common/ads.js';
import type { ReadMessage } from '../stream/kafka-reader.js';
import type {
  AdCell,
  AdDeadLetter,
  AdDelta,
  AdPartitionState,
  HeldImpression,
  JoinedClick,
  PendingClick,
} from './state.js';

/** Counters of what was not counted as an impression or a matched click, per minute. */
export interface AdRejects {
  orphanClicks: number;
  duplicates: number;
  late: number;
  deadLettered: number;
}

/** Everything one partition's batch produced. */
export interface AdBatch {
  delta: AdDelta;
  /** Cells the batch changed (absolute values), by key. */
  dirty: Map<string, AdCell>;
  joined: JoinedClick[];
  deadLetters: AdDeadLetter[];
  /** Minute start → counters (this batch only). */
  rejects: Map<number, AdRejects>;
  stats: { impressions: number; clicks: number } & AdRejects;
  /** Largest valid event time read per topic (the workflow's watermark takes the minimum over both topics). */
  maxImpressionMs: number | undefined;
  maxClickMs: number | undefined;
}

const decoder = new TextDecoder();
const decode = (b: Uint8Array) => decoder.decode(b);
const raw = (m: ReadMessage) => (m.value ? Buffer.from(m.value).toString('base64') : null);

/** Open a batch at `watermarkMs`: the state's evictions, and the clicks that became orphans. */
export function beginAdBatch(state: AdPartitionState, watermarkMs: number): AdBatch {
  const orphans = state.advance(watermarkMs);
  const b: AdBatch = {
    delta: {
      watermarkMs: state.watermarkMs,
      impressions: [],
      pendingAdded: [],
      pendingRemoved: [],
      clicksSeen: [],
      cells: [],
    },
    dirty: new Map(),
    joined: [],
    deadLetters: [],
    rejects: new Map(),
    stats: { impressions: 0, clicks: 0, orphanClicks: 0, duplicates: 0, late: 0, deadLettered: 0 },
    maxImpressionMs: undefined,
    maxClickMs: undefined,
  };
  for (const c of orphans) {
    b.deadLetters.push({ topic: 'clicks', offset: c.offset, kafkaTs: c.kafkaTs, value: c.raw, reason: 'orphan_click' });
    count(b, c.t, 'orphanClicks');
  }
  return b;
}

function count(b: AdBatch, t: number, k: keyof AdRejects): void {
  const m = minuteStart(t);
  let r = b.rejects.get(m);
  if (!r) b.rejects.set(m, (r = { orphanClicks: 0, duplicates: 0, late: 0, deadLettered: 0 }));
  r[k]++;
  b.stats[k]++;
}

const seen = (b: AdBatch, t: number, k: 'maxImpressionMs' | 'maxClickMs') => {
  if (b[k] === undefined || t > b[k]) b[k] = t;
};

/**
 * The checks both topics share, in order: a message that does not parse is dead-lettered with its reason; a valid
 * one raises the topic's high event time; one behind the watermark is dead-lettered as `late`. Returns the parsed
 * message when it goes on to the duplicate check and the join, undefined when it was set aside.
 */
function admit<T extends { eventTimeMs: number }>(
  state: AdPartitionState,
  b: AdBatch,
  topic: 'impressions' | 'clicks',
  m: ReadMessage,
  r: { ok: true; impression?: T; click?: T } | { ok: false; reason: AdDlqReason },
): T | undefined {
  const dead = (reason: AdDlqReason | 'late') =>
    b.deadLetters.push({ topic, offset: m.offset, kafkaTs: m.timestampMs, value: raw(m), reason });
  if (!r.ok) {
    dead(r.reason);
    count(b, m.timestampMs, 'deadLettered');
    return undefined;
  }
  const e = (r.impression ?? r.click)!;
  seen(b, e.eventTimeMs, topic === 'impressions' ? 'maxImpressionMs' : 'maxClickMs');
  if (e.eventTimeMs < state.watermarkMs) {
    dead('late');
    count(b, e.eventTimeMs, 'late');
    return undefined;
  }
  return e;
}

function match(
  state: AdPartitionState,
  b: AdBatch,
  impressionId: string,
  imp: HeldImpression,
  c: { clickId: string; t: number; costMicros: number; position: string },
): void {
  const cell = state.cells.get(imp.cell)!;
  cell.clicks++;
  cell.clickCostMicros += c.costMicros;
  b.dirty.set(imp.cell, cell);
  b.stats.clicks++;
  b.joined.push({
    clickId: c.clickId,
    impressionId,
    clickTime: c.t,
    impressionTime: imp.t,
    cell,
    adId: imp.adId,
    userId: imp.userId,
    position: c.position,
    clickCostMicros: c.costMicros,
    impressionCostMicros: imp.costMicros,
  });
}

/** Fold impressions (offset order); `networkOf` is the campaigns file's network of a campaign, if listed. */
export function foldImpressions(
  state: AdPartitionState,
  b: AdBatch,
  msgs: ReadMessage[],
  networkOf: (campaignId: string) => string | undefined,
): void {
  for (const m of msgs) {
    const e = admit(state, b, 'impressions', m, parseImpression(m.value, decode));
    if (!e) continue;
    if (state.impressions.has(e.impressionId)) {
      count(b, e.eventTimeMs, 'duplicates');
      continue;
    }
    const network = networkOf(e.campaignId);
    const [key, cell] = state.cell(
      minuteStart(e.eventTimeMs),
      e.campaignId,
      network ?? UNKNOWN_NETWORK,
      e.adCategory,
      e.device,
      e.location,
    );
    cell.impressions++;
    cell.impressionCostMicros += e.costMicros;
    cell.viewMs += e.viewMs;
    if (network === undefined) cell.unknownCampaignImpressions++;
    b.dirty.set(key, cell);
    b.stats.impressions++;
    const held: HeldImpression = {
      t: e.eventTimeMs,
      cell: key,
      costMicros: e.costMicros,
      adId: e.adId,
      userId: e.userId,
    };
    state.impressions.set(e.impressionId, held);
    b.delta.impressions.push([e.impressionId, held]);
    // Clicks that came first and waited for this impression.
    for (const clickId of [...(state.pendingByJoin.get(e.impressionId) ?? [])]) {
      const c = state.pending.get(clickId)!;
      if (c.t < held.t || c.t > held.t + state.joinWindowMs) continue; // outside the window: stays an orphan-to-be
      match(state, b, e.impressionId, held, c);
      state.removePending(clickId);
      b.delta.pendingRemoved.push(clickId);
    }
  }
}

/** Fold clicks (offset order). */
export function foldClicks(state: AdPartitionState, b: AdBatch, msgs: ReadMessage[]): void {
  for (const m of msgs) {
    const c = admit(state, b, 'clicks', m, parseClick(m.value, decode));
    if (!c) continue;
    if (state.clicksSeen.has(c.clickId)) {
      count(b, c.eventTimeMs, 'duplicates');
      continue;
    }
    state.clicksSeen.set(c.clickId, c.eventTimeMs);
    b.delta.clicksSeen.push([c.clickId, c.eventTimeMs]);
    const imp = state.impressions.get(c.joinId);
    const click = { clickId: c.clickId, t: c.eventTimeMs, costMicros: c.costMicros, position: c.position };
    if (imp && imp.t <= c.eventTimeMs && c.eventTimeMs <= imp.t + state.joinWindowMs) {
      match(state, b, c.joinId, imp, click);
      continue;
    }
    const p: PendingClick = { ...click, joinId: c.joinId, raw: raw(m) ?? '', offset: m.offset, kafkaTs: m.timestampMs };
    state.addPending(p);
    b.delta.pendingAdded.push(p);
  }
}

/** Close a batch: the delta gets the changed cells' absolute values and the batch's largest event times. */
export function finishAdBatch(state: AdPartitionState, b: AdBatch): AdBatch {
  b.delta.cells = [...b.dirty.values()].map((c) => ({ ...c }));
  b.delta.maxImpressionMs = b.maxImpressionMs;
  b.delta.maxClickMs = b.maxClickMs;
  state.seen(b.maxImpressionMs, b.maxClickMs);
  return b;
}
