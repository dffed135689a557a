/** `viewership generate campaigns|ads`: a sample campaigns CSV, and ad impressions + clicks produced to Kafka. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from 'kafkajs';
import type { AppConfig } from '../lib/config.js';
import { BadInputError, ReferenceDataError } from '../lib/errors.js';
import { writeFileAtomic } from '../lib/fsutil.js';
import { CampaignDirectory } from '../lib/ads/campaigns.js';
import { ensureAdTopics } from '../lib/ads/topics.js';
import { createKafka } from '../lib/clients.js';
import { createAdGenerator, type AdGenOptions, type AdMessage } from '../lib/generate/ads.js';
import type { AdTally } from '../lib/generate/ads-tally.js';
import { campaignsCsv, generateCampaignList } from '../lib/generate/campaigns.js';
import { count, progress } from './progress.js';

/** Options of `generate campaigns`. */
export interface CampaignsCliOptions {
  count: number;
  networks: number;
  seed: number;
  out?: string;
}

/** Write `count` sample campaigns over `networks` networks to `out` (default the configured campaigns file), atomically. */
export function generateCampaigns(cfg: AppConfig, o: CampaignsCliOptions): string {
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > 1_000_000)
    throw new BadInputError(`--count must be an integer from 1 to 1000000 (got ${o.count})`);
  if (!Number.isInteger(o.networks) || o.networks < 1)
    throw new BadInputError(`--networks must be a positive integer (got ${o.networks})`);
  const path = o.out ?? cfg.ads.campaignsPath;
  const list = generateCampaignList(o);
  writeFileAtomic(path, campaignsCsv(list));
  console.error(
    `[generate campaigns] ${list.length} campaigns over ${new Set(list.map((c) => c.networkId)).size} networks → ${path}`,
  );
  return path;
}

/** Options of `generate ads`: rates of {@link AdGenOptions} plus pace, size and the campaigns file. */
export interface AdsCliOptions extends Omit<AdGenOptions, 'campaigns' | 'joinWindowMs'> {
  /** Impressions per second. */
  rate: number;
  durationS: number;
  /** Impressions to produce; overrides the duration. */
  impressions?: number;
  campaigns?: string;
  /** Keep pacing until the last scheduled click is due instead of sending the remaining clicks at once. */
  waitForClicks?: boolean;
}

const toBatch = (cfg: AppConfig, msgs: AdMessage[]) => {
  const by: Record<'impressions' | 'clicks', Message[]> = { impressions: [], clicks: [] };
  for (const m of msgs) by[m.topic].push({ key: m.key, value: m.value });
  return (['impressions', 'clicks'] as const)
    .filter((t) => by[t].length)
    .map((t) => ({ topic: cfg.ads.topics[t], messages: by[t] }));
};

/**
 * Produce impressions and clicks (keyed by the impression id) at `rate` impressions per second, creating the two
 * topics co-partitioned when missing; returns the generator's independent tally of what it produced.
 */
export async function generateAds(cfg: AppConfig, o: AdsCliOptions): Promise<AdTally> {
  if (!(o.rate > 0))
    throw new BadInputError(`--rate must be a positive number of impressions per second (got ${o.rate})`);
  if (o.impressions !== undefined && !(Number.isInteger(o.impressions) && o.impressions > 0))
    throw new BadInputError(`--impressions must be a positive integer (got ${o.impressions})`);
  if (o.impressions === undefined && !(o.durationS > 0))
    throw new BadInputError(`--duration must be a positive number of seconds (got ${o.durationS})`);
  const dir = new CampaignDirectory(o.campaigns ?? cfg.ads.campaignsPath, { quarantineDir: cfg.paths.quarantineDir });
  const st = dir.status();
  if (st.problem) throw new ReferenceDataError(`campaigns file unusable: ${st.problem}`, { file: st.path });
  const gen = createAdGenerator({ ...o, campaigns: dir.all(), joinWindowMs: cfg.ads.joinWindowMs });
  const total = o.impressions ?? Math.round(o.rate * o.durationS);
  const kafka = createKafka(cfg.kafka, '-ads-generator');
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureAdTopics(admin, cfg.ads.topics);
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const p = progress(`[generate ads → ${cfg.ads.topics.impressions}, ${cfg.ads.topics.clicks}]`);
  let made = 0;
  const line = () => {
    const t = gen.tally();
    return `${count(made)} / ${count(total)} impressions; sent ${count(t.sent.impressions)} + ${count(t.sent.clicks)} messages (${t.matchedClicks} matched clicks, ${t.orphanClicks} orphan, ${t.duplicates} duplicates, ${t.late} late, ${Object.values(t.bad).reduce((a, b) => a + b, 0)} bad); ${gen.pending} scheduled`;
  };
  const send = async (msgs: AdMessage[]) => {
    if (msgs.length) await producer.sendBatch({ topicMessages: toBatch(cfg, msgs) });
  };
  const t0 = Date.now();
  try {
    while (made < total) {
      // Make what is due by now (in chunks of at most 2000 impressions), then wait for the next 100 ms slice.
      const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * o.rate) + 1);
      while (made < due) {
        const k = Math.min(2000, due - made);
        const now = Date.now();
        const out: AdMessage[] = [];
        for (let i = 0; i < k; i++) out.push(...gen.step(now));
        await send(out);
        made += k;
      }
      await send(gen.due(Date.now()));
      p.update(line());
      if (made < total) await sleep(100);
    }
    while (o.waitForClicks && gen.pending > 0) {
      await sleep(100);
      await send(gen.due(Date.now()));
      p.update(line());
    }
    await send(gen.flush());
  } finally {
    await producer.disconnect();
  }
  p.done(`${line()} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return gen.tally();
}
