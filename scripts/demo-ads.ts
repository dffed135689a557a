/**
 * The ad-analytics part of `npm run demo`: keeps (or writes) the sample campaigns file, starts the ads stream
 * (`stream-ads`, the path of `viewership ads start`), runs a live ad producer and says where the Superset
 * dashboard is; `stop()` stops the producer, then the ads stream (stop Update), in that order.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync } from 'node:fs';
import { adsStart, adsStreamConfig } from '../cli/ads.js';
import { generateCampaigns } from '../cli/generate-ads.js';
import { streamCommand } from '../cli/stream.js';
import type { AdMessageKind } from '../lib/generate/ads.js';
import { CampaignDirectory } from '../lib/ads/campaigns.js';
import { ensureAdTopics } from '../lib/ads/topics.js';
import { createKafka } from '../lib/clients.js';
import type { AppConfig } from '../lib/config.js';
import { BadInputError, ReferenceDataError } from '../lib/errors.js';
import { connectTemporal, workflowUrl } from '../lib/temporal.js';
import { HOME } from './services/cli.js';
import { DASHBOARD_SLUG, SUPERSET_ADMIN, supersetUrl } from './services/superset.js';
import { startLiveAds, type LiveAdsOptions } from './demo-ads-live.js';

/** Options of the demo's ad part. */
export interface DemoAdsOptions {
  log: (m: string) => void;
  /** Micro-batch interval of the ads stream when this call starts it (default 5000 ms). */
  intervalMs?: number;
  /** The live producer's pace and bad-input shares (defaults: 50 impressions/s, a little of each kind). */
  live?: Partial<LiveAdsOptions>;
}

/** The running ad part: what `stop()` ends, and whether the ads stream was started here. */
export interface DemoAds {
  streamStarted: boolean;
  /** Settles when the producer ends (rejects when it failed). */
  producerDone: Promise<void>;
  /** Stop the ad producer, then the ads stream (when started here); returns the messages sent, by kind. */
  stop: () => Promise<Record<AdMessageKind, number>>;
}

/** Start the ad part: campaigns, topics, the ads stream and the live producer. */
export async function startDemoAds(cfg: AppConfig, o: DemoAdsOptions): Promise<DemoAds> {
  const { log } = o;
  // The configured campaigns file (default the shipped reference/campaigns.csv) is kept; a missing one is generated.
  if (!existsSync(cfg.ads.campaignsPath)) generateCampaigns(cfg, { count: 40, networks: 5, seed: 1 });
  const dir = new CampaignDirectory(cfg.ads.campaignsPath, { quarantineDir: cfg.paths.quarantineDir });
  const st = dir.status();
  if (st.problem) throw new ReferenceDataError(`campaigns file unusable: ${st.problem}`, { file: st.path });
  const campaigns = dir.all();
  log(`campaigns: ${campaigns.length} from ${cfg.ads.campaignsPath}`);

  const admin = createKafka(cfg.kafka, '-demo-ads').admin();
  await admin.connect();
  try {
    await ensureAdTopics(admin, cfg.ads.topics);
  } finally {
    await admin.disconnect();
  }
  const streamStarted = await startAdsStream(cfg, o.intervalMs ?? 5000, log);

  const live = await startLiveAds(cfg, campaigns, {
    ratePerS: 50,
    ctr: 0.05,
    orphanRate: 0.005,
    lateRate: 0.002,
    duplicateRate: 0.005,
    badRate: 0.002,
    unknownCampaignRate: 0.02,
    reportEveryMs: 60_000,
    onReport: (c) => log(`live ads produced: ${JSON.stringify(c)}`),
    ...o.live,
  });
  log(
    `producing ~${o.live?.ratePerS ?? 50} impressions/s to ${cfg.ads.topics.impressions} (+ clicks to ${cfg.ads.topics.clicks})`,
  );
  return {
    streamStarted,
    producerDone: live.done,
    async stop() {
      const counts = await live.stop();
      log(`ad producer stopped: ${JSON.stringify(counts)}`);
      if (streamStarted) await stopAdsStream(cfg, log);
      return counts;
    },
  };
}

/** Start the ads stream (resuming its checkpoint); false when one is already running (then it is left running). */
async function startAdsStream(cfg: AppConfig, intervalMs: number, log: (m: string) => void): Promise<boolean> {
  try {
    log(`ads stream started: ${await adsStart(cfg, { intervalMs })}`);
    return true;
  } catch (err) {
    if (!(err instanceof BadInputError)) throw err;
    if (/already running/.test(err.message)) {
      log(`ads stream already running (left running at exit): ${workflowUrl(cfg.temporal, cfg.ads.workflowId)}`);
      return false;
    }
    log(`${err.message} — starting from scratch`);
    log(`ads stream started: ${await adsStart(cfg, { intervalMs }, true)}`);
    return true;
  }
}

/** Send the stop Update to the ads stream and wait (up to 60 s) for it to finish its micro-batch and close. */
async function stopAdsStream(cfg: AppConfig, log: (m: string) => void): Promise<void> {
  try {
    await streamCommand(adsStreamConfig(cfg), 'stop');
    const client = await connectTemporal(cfg.temporal);
    try {
      await Promise.race([client.workflow.getHandle(cfg.ads.workflowId).result(), sleep(60_000)]);
    } finally {
      await client.connection.close();
    }
    log('ads stream stopped (its checkpoint resumes on the next start)');
  } catch (err) {
    log(`ads stream stop failed: ${(err as Error).message}`);
  }
}

/**
 * The demo's Superset line: the dashboard's URL and where the admin password is (never the password itself),
 * or one line saying Superset is not running (skipped install, or not among the selected services).
 */
export function supersetLine(
  o: { selected: readonly string[]; skipped: readonly string[] },
  env = process.env,
): string {
  if (!o.selected.includes('superset'))
    return 'Superset:        not started (not among VIEWERSHIP_SERVICES); the ads stream runs without it';
  if (o.skipped.includes('superset'))
    return 'Superset:        skipped (not installed: no network for its install, see `npm run services -- status`); the ads stream runs without it';
  return `Superset:        ${supersetUrl(env)}/superset/dashboard/${DASHBOARD_SLUG}/ (user ${SUPERSET_ADMIN}, password: SUPERSET_ADMIN_PASSWORD in ${HOME}/secrets.env)`;
}
