/**
 * The demo's live ad producer: impressions and clicks (keyed by the impression id) for the campaigns file's
 * campaigns at a steady rate, with small shares of each kind of bad input (malformed, late, duplicate, orphan
 * clicks, unknown campaigns), until stopped. Clicks come 1–60 s after their impression, so the join shows soon.
 */
import type { Message } from 'kafkajs';
import type { Campaign } from '../common/ads.js';
import type { AppConfig } from '../lib/config.js';
import { createKafka } from '../lib/clients.js';
import { createAdGenerator, type AdMessage, type AdMessageKind } from '../lib/generate/ads.js';
import { startPacedLoop } from './paced-loop.js';

/** Options of the live ad producer (rates are per impression, as in `viewership generate ads`). */
export interface LiveAdsOptions {
  /** Impressions per second. */
  ratePerS: number;
  ctr: number;
  orphanRate: number;
  lateRate: number;
  duplicateRate: number;
  badRate: number;
  unknownCampaignRate: number;
  /** Called every `reportEveryMs` with the messages sent so far, by kind. */
  onReport?: (counts: Record<AdMessageKind, number>) => void;
  reportEveryMs?: number;
}

/** Start producing in the background; `stop()` finishes the current send, disconnects and returns the counts. */
export async function startLiveAds(
  cfg: AppConfig,
  campaigns: readonly Campaign[],
  o: LiveAdsOptions,
): Promise<{ stop: () => Promise<Record<AdMessageKind, number>>; done: Promise<void> }> {
  const gen = createAdGenerator({
    campaigns,
    ctr: o.ctr,
    orphanRate: o.orphanRate,
    lateRate: o.lateRate,
    duplicateRate: o.duplicateRate,
    badRate: o.badRate,
    unknownCampaignRate: o.unknownCampaignRate,
    seed: Date.now() % 1_000_000,
    joinWindowMs: cfg.ads.joinWindowMs,
    clickDelayMs: [1000, 60_000],
  });
  const producer = createKafka(cfg.kafka, '-demo-ads').producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const counts: Record<AdMessageKind, number> = { impression: 0, click: 0, orphan: 0, duplicate: 0, late: 0, bad: 0 };
  const send = async (msgs: AdMessage[]) => {
    if (msgs.length === 0) return;
    const by: Record<'impressions' | 'clicks', Message[]> = { impressions: [], clicks: [] };
    for (const m of msgs) {
      by[m.topic].push({ key: m.key, value: m.value });
      counts[m.kind]++;
    }
    await producer.sendBatch({
      topicMessages: (['impressions', 'clicks'] as const)
        .filter((t) => by[t].length)
        .map((t) => ({ topic: cfg.ads.topics[t], messages: by[t] })),
    });
  };
  let made = 0;
  return startPacedLoop({
    ratePerS: o.ratePerS,
    async step(due, now) {
      const out: AdMessage[] = [];
      for (; made < due && out.length < 4000; made++) out.push(...gen.step(now));
      out.push(...gen.due(now));
      await send(out);
    },
    counts: () => ({ ...counts }),
    onReport: o.onReport,
    reportEveryMs: o.reportEveryMs,
    close: () => producer.disconnect(),
  });
}
