/**
 * The ad stream's input topics must be co-partitioned: impressions and clicks keyed by the impression id, with
 * the same partition count (≥ 3), so a click lands in the partition of its impression.
 */
import type { Admin } from 'kafkajs';
import { ConfigError } from '../errors.js';

/** Partitions of newly created ad input topics. */
export const AD_TOPIC_PARTITIONS = 3;

/**
 * Check that `impressions` and `clicks` exist with the same partition count ≥ 3, creating a missing one (with the
 * other's count, or {@link AD_TOPIC_PARTITIONS}); a mismatch or too few partitions is a {@link ConfigError}.
 * Returns the partition count.
 */
export async function ensureAdTopics(
  admin: Admin,
  topics: { impressions: string; clicks: string },
  attempt = 1,
): Promise<number> {
  const names = [topics.impressions, topics.clicks];
  if (topics.impressions === topics.clicks)
    throw new ConfigError(`ADS_TOPIC_IMPRESSIONS and ADS_TOPIC_CLICKS must differ (both "${topics.clicks}")`, {
      topic: topics.clicks,
    });
  const existing = new Set(await admin.listTopics());
  const present = names.filter((t) => existing.has(t));
  const counts = new Map<string, number>();
  if (present.length) {
    const meta = await admin.fetchTopicMetadata({ topics: present });
    for (const t of meta.topics) counts.set(t.name, t.partitions.length);
  }
  const [a, b] = names.map((t) => counts.get(t));
  if (a !== undefined && b !== undefined && a !== b) {
    throw new ConfigError(
      `ad topics are not co-partitioned: ${topics.impressions} has ${a} partitions, ${topics.clicks} has ${b}; clicks must land in their impression's partition (recreate one with ${Math.max(a, b)} partitions)`,
      { topic: topics.clicks },
    );
  }
  const n = a ?? b ?? AD_TOPIC_PARTITIONS;
  if (n < AD_TOPIC_PARTITIONS) {
    throw new ConfigError(
      `ad topics need at least ${AD_TOPIC_PARTITIONS} partitions (${present.join(' and ')} ${present.length > 1 ? 'have' : 'has'} ${n})`,
      { topic: present[0] },
    );
  }
  const missing = names.filter((t) => !counts.has(t));
  if (missing.length) {
    let created = false;
    try {
      created = await admin.createTopics({
        topics: missing.map((topic) => ({ topic, numPartitions: n })),
        waitForLeaders: true,
      });
    } catch (err) {
      if (!/already exists/i.test(String((err as Error).message))) throw err;
    }
    // Created meanwhile by someone else: fine when the counts agree, which another check shows.
    if (!created && attempt < 3) return ensureAdTopics(admin, topics, attempt + 1);
  }
  return n;
}
