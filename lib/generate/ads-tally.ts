/**
 * The ad generator's independent count of what it produced: kept from its own decisions (never by parsing the
 * messages back), so tests can compare the pipeline's totals with it.
 */
import { UNKNOWN_NETWORK } from '../../common/ads.js';
import { BAD_AD_REASONS, type AdTopic, type BadAdReason } from './ads-messages.js';

/** Sums of one campaign or network: impressions, matched clicks and their costs (micro-units). */
export interface AdGroupTally {
  impressions: number;
  clicks: number;
  impressionCostMicros: number;
  clickCostMicros: number;
}

/** Everything the generator produced, as counted by itself. */
export interface AdTally {
  /** Valid, distinct impressions (late ones excluded). */
  impressions: number;
  /** Valid, distinct clicks whose impression exists and is at most the join window before them. */
  matchedClicks: number;
  /** Valid, distinct clicks without an impression within the join window (late ones excluded). */
  orphanClicks: number;
  /** Re-sent copies of earlier valid messages (same impression_id / click_id). */
  duplicates: number;
  /** Valid messages about 10 minutes behind the others (dead-lettered as `late`). */
  late: number;
  /** Malformed messages by dead-letter reason. */
  bad: Record<BadAdReason, number>;
  /** Matched clicks sent before their impression. */
  outOfOrderClicks: number;
  impressionCostMicros: number;
  /** Sum over matched clicks. */
  clickCostMicros: number;
  /** Sum of view_ms over impressions. */
  viewMs: number;
  /** Impressions whose campaign is not in the campaigns file (network `unknown`). */
  unknownCampaignImpressions: number;
  byCampaign: Record<string, AdGroupTally>;
  byNetwork: Record<string, AdGroupTally>;
  /** Messages sent per topic (every kind: valid, duplicate, late, bad, orphan). */
  sent: Record<AdTopic, number>;
  /** Event-time range [from, to) of every valid message (late, orphan and duplicate ones included); null when none. */
  eventTimeFrom: string | null;
  eventTimeTo: string | null;
}

const group = (): AdGroupTally => ({ impressions: 0, clicks: 0, impressionCostMicros: 0, clickCostMicros: 0 });

/** A tally being counted; `result()` returns a JSON-ready copy. */
export function createAdTally() {
  const t: AdTally = {
    impressions: 0,
    matchedClicks: 0,
    orphanClicks: 0,
    duplicates: 0,
    late: 0,
    bad: Object.fromEntries(BAD_AD_REASONS.map((r) => [r, 0])) as Record<BadAdReason, number>,
    outOfOrderClicks: 0,
    impressionCostMicros: 0,
    clickCostMicros: 0,
    viewMs: 0,
    unknownCampaignImpressions: 0,
    byCampaign: {},
    byNetwork: {},
    sent: { impressions: 0, clicks: 0 },
    eventTimeFrom: null,
    eventTimeTo: null,
  };
  let minMs = Infinity;
  let maxMs = -Infinity;
  const groups = (campaignId: string, networkId: string) => [
    (t.byCampaign[campaignId] ??= group()),
    (t.byNetwork[networkId] ??= group()),
  ];
  return {
    /** A valid event time seen (widens the event-time range). */
    eventTime(ms: number): void {
      minMs = Math.min(minMs, ms);
      maxMs = Math.max(maxMs, ms);
    },
    /** A valid new impression of `campaignId` (network `unknown` when `networkId` is absent). */
    impression(i: {
      campaignId: string;
      networkId?: string;
      costMicros: number;
      viewMs: number;
      eventTimeMs: number;
    }): void {
      this.eventTime(i.eventTimeMs);
      t.impressions++;
      t.impressionCostMicros += i.costMicros;
      t.viewMs += i.viewMs;
      if (!i.networkId) t.unknownCampaignImpressions++;
      for (const g of groups(i.campaignId, i.networkId ?? UNKNOWN_NETWORK)) {
        g.impressions++;
        g.impressionCostMicros += i.costMicros;
      }
    },
    /** A valid new click matched to an impression of `campaignId` / `networkId`. */
    matchedClick(c: {
      campaignId: string;
      networkId?: string;
      costMicros: number;
      eventTimeMs: number;
      outOfOrder: boolean;
    }): void {
      this.eventTime(c.eventTimeMs);
      t.matchedClicks++;
      t.clickCostMicros += c.costMicros;
      if (c.outOfOrder) t.outOfOrderClicks++;
      for (const g of groups(c.campaignId, c.networkId ?? UNKNOWN_NETWORK)) {
        g.clicks++;
        g.clickCostMicros += c.costMicros;
      }
    },
    /** A valid new click that matches no impression. */
    orphanClick(eventTimeMs: number): void {
      this.eventTime(eventTimeMs);
      t.orphanClicks++;
    },
    /** A late valid message. */
    late(eventTimeMs: number): void {
      this.eventTime(eventTimeMs);
      t.late++;
    },
    /** A re-sent copy of an earlier valid message. */
    duplicate(eventTimeMs: number): void {
      this.eventTime(eventTimeMs);
      t.duplicates++;
    },
    /** A malformed message. */
    bad(reason: BadAdReason): void {
      t.bad[reason]++;
    },
    /** A message handed to the producer. */
    sent(topic: AdTopic): void {
      t.sent[topic]++;
    },
    /** A deep copy of the counts so far. */
    result(): AdTally {
      const r = structuredClone(t);
      if (minMs <= maxMs) {
        r.eventTimeFrom = new Date(minMs).toISOString();
        r.eventTimeTo = new Date(maxMs + 1).toISOString();
      }
      return r;
    },
  };
}

/** The tally's counter (see {@link createAdTally}). */
export type AdTallyCounter = ReturnType<typeof createAdTally>;
