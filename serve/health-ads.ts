/**
 * The ad-analytics stream's part of `/api/health`: its streaming workflow (the same check as the viewership
 * stream's, under ADS_STREAM_WORKFLOW_ID, with the lag taken against both ad topics' end offsets) and the
 * campaigns file the stream enriches impressions with (loaded at, campaigns, rejected rows, and a problem when
 * the file on disk cannot be used).
 */
import { CLICK_OFFSET_KEY, clickKey } from '../common/ads-stream.js';
import type { CampaignStatus } from '../lib/ads/campaigns.js';
import { streamHealth, type StreamHealth } from './health-pipeline.js';
import { withTimeout, type EndOffsets } from './health-services.js';
import type { ServeResources } from './resources.js';

/** What operators see of the ad stream. */
export interface AdsHealth {
  /** `running`, `paused`, `stopped` (the run ended: stopped, failed, terminated…), `not started`, or `unknown` (Temporal did not answer). */
  state: 'running' | 'paused' | 'stopped' | 'not started' | 'unknown';
  /** The workflow as `stream` shows it; `lagByPartition` keys are `impressions/<p>` and `clicks/<p>`. */
  stream: StreamHealth;
  campaigns: CampaignStatus;
}

/** End offsets of both ad topics, keyed like the ad stream's offsets (impressions `p`, clicks `clickKey(p)`). */
async function adEndOffsets(r: ServeResources, timeoutMs: number): Promise<EndOffsets | undefined> {
  const { impressions, clicks } = r.cfg.ads.topics;
  const read = async () => {
    const admin = await r.kafkaAdmin();
    // Only topics that exist: asking kafkajs for the offsets of a missing one would fail its metadata refresh.
    const topics = new Set(await admin.listTopics());
    if (!topics.has(impressions) || !topics.has(clicks)) return undefined;
    const [imp, clk] = await Promise.all([admin.fetchTopicOffsets(impressions), admin.fetchTopicOffsets(clicks)]);
    return Object.fromEntries([
      ...imp.map((o) => [o.partition, Number(o.high)]),
      ...clk.map((o) => [clickKey(o.partition), Number(o.high)]),
    ]) as EndOffsets;
  };
  try {
    return await withTimeout(read(), timeoutMs, 'ad topic offsets');
  } catch {
    // Kafka down (its check says so) or the topics not created yet: the lag falls back to the last micro-batch's.
    return undefined;
  }
}

const stateOf = (s: StreamHealth): AdsHealth['state'] =>
  s.running
    ? s.paused
      ? 'paused'
      : 'running'
    : s.status === 'NOT_FOUND'
      ? 'not started'
      : s.status === 'UNKNOWN'
        ? 'unknown'
        : 'stopped';

/** The ad stream and the campaigns file. */
export async function adsHealth(r: ServeResources, timeoutMs: number): Promise<AdsHealth> {
  const stream = await streamHealth(r, r.cfg.ads.workflowId, adEndOffsets(r, timeoutMs), timeoutMs);
  if (stream.lagByPartition) {
    stream.lagByPartition = Object.fromEntries(
      Object.entries(stream.lagByPartition).map(([k, v]) => [
        Number(k) >= CLICK_OFFSET_KEY ? `clicks/${Number(k) - CLICK_OFFSET_KEY}` : `impressions/${k}`,
        v,
      ]),
    );
  }
  let campaigns: CampaignStatus;
  try {
    const dir = r.campaigns();
    dir.reloadIfChanged();
    campaigns = dir.status();
  } catch (err) {
    campaigns = {
      path: r.cfg.ads.campaignsPath,
      loadedAt: null,
      campaigns: 0,
      rejected: 0,
      problem: `${r.cfg.ads.campaignsPath}: ${(err as Error).message}`,
    };
  }
  return { state: stateOf(stream), stream, campaigns };
}
