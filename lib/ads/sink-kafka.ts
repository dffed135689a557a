/**
 * The ad stream's Kafka sinks: dead letters (original bytes; reason and source topic/partition/offset in headers)
 * and the `ad-metrics` output topic in update mode — per (minute × dimensions, partition) the cell's current
 * absolute values; summing the latest value of each key over partitions gives a cell's totals.
 */
import type { Producer } from 'kafkajs';
import { microsToDecimal } from '../../common/ads.js';
import type { AdCell, AdDeadLetter } from './state.js';

const SEND = 2000;
const iso = (ms: number) => new Date(ms).toISOString();

async function sendAll(
  producer: Producer,
  topic: string,
  messages: { key: string; value: string | Buffer | null; headers?: Record<string, string> }[],
): Promise<void> {
  for (let i = 0; i < messages.length; i += SEND) await producer.send({ topic, messages: messages.slice(i, i + SEND) });
}

/** Publish a partition's dead letters; `sourceTopic` maps the side to its topic name. */
export async function publishAdDeadLetters(
  producer: Producer,
  dlq: string,
  partition: number,
  sourceTopic: { impressions: string; clicks: string },
  dead: AdDeadLetter[],
): Promise<void> {
  await sendAll(
    producer,
    dlq,
    dead.map((d) => ({
      key: `${d.topic}:${partition}:${d.offset}`,
      value: d.value === null ? null : Buffer.from(d.value, 'base64'),
      headers: {
        reason: d.reason,
        source_topic: sourceTopic[d.topic],
        source_partition: String(partition),
        source_offset: String(d.offset),
      },
    })),
  );
}

/** Publish the current values of the cells a partition's batch changed. */
export async function publishAdMetrics(
  producer: Producer,
  topic: string,
  partition: number,
  cells: AdCell[],
): Promise<void> {
  await sendAll(
    producer,
    topic,
    cells.map((c) => {
      const dims = [iso(c.minute), c.campaignId, c.networkId, c.adCategory, c.device, c.location];
      return {
        key: `${JSON.stringify(dims)}|p${partition}`,
        value: JSON.stringify({
          minute: dims[0],
          campaignId: c.campaignId,
          networkId: c.networkId,
          adCategory: c.adCategory,
          device: c.device,
          location: c.location,
          partition,
          impressions: c.impressions,
          clicks: c.clicks,
          impressionCost: microsToDecimal(c.impressionCostMicros),
          clickCost: microsToDecimal(c.clickCostMicros),
          viewMs: c.viewMs,
          unknownCampaignImpressions: c.unknownCampaignImpressions,
        }),
      };
    }),
  );
}
