/**
 * The keyed state of one partition of the ad-analytics stream and the impression ⋈ click join folded into it.
 * Both topics are keyed by impression id, so a click and its impression meet in the same partition's state:
 *
 * - impressions are held until the watermark passes `event time + join window` (no click can match them after);
 * - a click that finds its impression (impression time ≤ click time ≤ impression time + window) is matched and
 *   counted in the impression's minute; one that does not waits, and once the watermark passes its own event time
 *   no impression can still arrive for it (it would be late): it becomes an `orphan_click`;
 * - metric cells (minute × campaign × network × ad category × device × location) hold absolute values and are
 *   dropped once final (watermark past minute end + window);
 * - duplicate ids (impression or click) are counted once; messages behind the watermark are late.
 *
 * Everything a batch changed is recorded as a delta (`AdDelta`) so a checkpoint can rebuild the state; eviction is
 * a function of the watermark alone. Pure: no I/O.
 */
import { minuteStart, type AdClick, type AdDlqReason, type AdImpression } from '../../common/ads.js';

/** An impression held for the join. */
export interface HeldImpression {
  t: number;
  cell: string;
  costMicros: number;
  adId: string;
  userId: string;
}

/** A click waiting for its impression. */
export interface PendingClick {
  clickId: string;
  joinId: string;
  t: number;
  costMicros: number;
  position: string;
  /** Original message bytes (base64), for the dead-letter topic if it ends up an orphan. */
  raw: string;
  offset: number;
  kafkaTs: number;
}

/** Absolute metrics of one minute × dimension set in this partition. */
export interface AdCell {
  minute: number;
  campaignId: string;
  networkId: string;
  adCategory: string;
  device: string;
  location: string;
  impressions: number;
  clicks: number;
  impressionCostMicros: number;
  clickCostMicros: number;
  viewMs: number;
  unknownCampaignImpressions: number;
}

/** A matched click with its impression's fields. */
export interface JoinedClick {
  clickId: string;
  impressionId: string;
  clickTime: number;
  impressionTime: number;
  cell: AdCell;
  adId: string;
  userId: string;
  position: string;
  clickCostMicros: number;
  impressionCostMicros: number;
}

/** What a batch changed (the checkpoint delta): adds and removals; evictions follow from `watermarkMs`. */
export interface AdDelta {
  watermarkMs: number;
  /** Largest event time read so far per topic (a rewind gives them back to the workflow's watermark). */
  maxImpressionMs?: number;
  maxClickMs?: number;
  impressions: [string, HeldImpression][];
  pendingAdded: PendingClick[];
  pendingRemoved: string[];
  clicksSeen: [string, number][];
  cells: AdCell[];
}

/** A message bound for the dead-letter topic. */
export interface AdDeadLetter {
  topic: 'impressions' | 'clicks';
  offset: number;
  kafkaTs: number;
  value: string | null;
  reason: AdDlqReason;
}

const SEP = '\u0001';
const cellKey = (minute: number, c: string, n: string, cat: string, dev: string, loc: string) =>
  [minute, c, n, cat, dev, loc].join(SEP);

/** The state of one partition (see module doc). */
export class AdPartitionState {
  watermarkMs = 0;
  /** Largest valid event time read per topic (late messages included), undefined before the first. */
  maxImpressionMs: number | undefined;
  maxClickMs: number | undefined;
  readonly impressions = new Map<string, HeldImpression>();
  readonly pending = new Map<string, PendingClick>();
  /** Join id → pending click ids. */
  readonly pendingByJoin = new Map<string, Set<string>>();
  readonly clicksSeen = new Map<string, number>();
  readonly cells = new Map<string, AdCell>();
  constructor(
    readonly partition: number,
    readonly joinWindowMs: number,
  ) {}

  /** Raise the watermark and drop what it made final; returns the clicks that became orphans. */
  advance(watermarkMs: number): PendingClick[] {
    if (watermarkMs > this.watermarkMs) this.watermarkMs = watermarkMs;
    const wm = this.watermarkMs;
    const orphans: PendingClick[] = [];
    for (const [id, c] of this.pending) {
      if (c.t >= wm) continue;
      orphans.push(c);
      this.removePending(id);
    }
    for (const [id, i] of this.impressions) if (i.t + this.joinWindowMs < wm) this.impressions.delete(id);
    for (const [id, t] of this.clicksSeen) if (t < wm) this.clicksSeen.delete(id);
    for (const [k, c] of this.cells) if (c.minute + 60_000 + this.joinWindowMs < wm) this.cells.delete(k);
    return orphans;
  }

  /** The cell of an impression (created empty when new). */
  cell(
    minute: number,
    campaignId: string,
    networkId: string,
    adCategory: string,
    device: string,
    location: string,
  ): [string, AdCell] {
    const k = cellKey(minute, campaignId, networkId, adCategory, device, location);
    let c = this.cells.get(k);
    if (!c) {
      c = {
        minute,
        campaignId,
        networkId,
        adCategory,
        device,
        location,
        impressions: 0,
        clicks: 0,
        impressionCostMicros: 0,
        clickCostMicros: 0,
        viewMs: 0,
        unknownCampaignImpressions: 0,
      };
      this.cells.set(k, c);
    }
    return [k, c];
  }

  addPending(c: PendingClick): void {
    this.pending.set(c.clickId, c);
    let s = this.pendingByJoin.get(c.joinId);
    if (!s) this.pendingByJoin.set(c.joinId, (s = new Set()));
    s.add(c.clickId);
  }

  removePending(clickId: string): void {
    const c = this.pending.get(clickId);
    if (!c) return;
    this.pending.delete(clickId);
    const s = this.pendingByJoin.get(c.joinId);
    s?.delete(clickId);
    if (s?.size === 0) this.pendingByJoin.delete(c.joinId);
  }

  /** Apply a checkpoint delta (restore): the batch's evictions, then its additions. */
  apply(d: AdDelta): void {
    this.advance(d.watermarkMs);
    this.seen(d.maxImpressionMs, d.maxClickMs);
    for (const [id, i] of d.impressions) this.impressions.set(id, i);
    for (const c of d.pendingAdded) this.addPending(c);
    for (const id of d.pendingRemoved) this.removePending(id);
    for (const [id, t] of d.clicksSeen) this.clicksSeen.set(id, t);
    for (const c of d.cells)
      this.cells.set(cellKey(c.minute, c.campaignId, c.networkId, c.adCategory, c.device, c.location), { ...c });
  }

  /** Raise the largest event times read. */
  seen(impressionMs: number | undefined, clickMs: number | undefined): void {
    if (impressionMs !== undefined && (this.maxImpressionMs === undefined || impressionMs > this.maxImpressionMs))
      this.maxImpressionMs = impressionMs;
    if (clickMs !== undefined && (this.maxClickMs === undefined || clickMs > this.maxClickMs))
      this.maxClickMs = clickMs;
  }

  /** The whole state as a delta from the empty state (a snapshot). */
  snapshot(): AdDelta {
    return {
      watermarkMs: this.watermarkMs,
      maxImpressionMs: this.maxImpressionMs,
      maxClickMs: this.maxClickMs,
      impressions: [...this.impressions],
      pendingAdded: [...this.pending.values()],
      pendingRemoved: [],
      clicksSeen: [...this.clicksSeen],
      cells: [...this.cells.values()],
    };
  }
}

export { minuteStart };
export type { AdClick, AdImpression };
