/**
 * `viewership generate campaigns` + `generate ads` against the real Kafka: the two topics are created
 * co-partitioned (3 partitions), every message the tally says was sent is in them, a click lands in its
 * impression's partition, and topics with different partition counts are refused.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka } from '../lib/clients.js';
import type { AdTally } from '../lib/generate/ads-tally.js';
import { testConfig, uniqueName } from './helpers.js';

const id = uniqueName('adsgen').replace(/[^a-z0-9-]/g, '');
const dir = mkdtempSync(`${tmpdir()}/ads-generate-`);
const env = {
  ADS_TOPIC_IMPRESSIONS: `${id}-impressions`,
  ADS_TOPIC_CLICKS: `${id}-clicks`,
  ADS_TOPIC_DLQ: `${id}-dlq`,
  ADS_TOPIC_METRICS: `${id}-metrics`,
  ADS_CAMPAIGNS_PATH: `${dir}/campaigns.csv`,
  QUARANTINE_DIR: `${dir}/quarantine`,
};
const mismatched = [`${id}-mm-impressions`, `${id}-mm-clicks`];
const cfg = testConfig(env);
const kafka = createKafka(cfg.kafka, '-test');
const admin = kafka.admin();
const cli = (args: string[], extra: Record<string, string> = {}) =>
  spawnSync('node', ['bin/viewership.mjs', ...args], {
    env: { ...process.env, ...env, ...extra },
    encoding: 'utf8',
    timeout: 90_000,
  });

afterAll(async () => {
  await admin
    .deleteTopics({ topics: [env.ADS_TOPIC_IMPRESSIONS, env.ADS_TOPIC_CLICKS, ...mismatched] })
    .catch(() => undefined);
  await admin.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

describe('generate ads', () => {
  it('produces what its tally says into co-partitioned topics it creates', async () => {
    const c = cli(['generate', 'campaigns', '--count', '20', '--networks', '4']);
    expect(c.status, c.stderr).toBe(0);
    expect(readFileSync(env.ADS_CAMPAIGNS_PATH, 'utf8').split('\n')[0]).toBe(
      'campaign_id,campaign_name,network_id,advertiser',
    );

    const r = cli([
      'generate',
      'ads',
      '--rate',
      '1500',
      '--impressions',
      '1500',
      '--ctr',
      '0.1',
      '--orphan-rate',
      '0.01',
      '--late-rate',
      '0.01',
      '--duplicate-rate',
      '0.02',
      '--bad-rate',
      '0.01',
      '--unknown-campaign-rate',
      '0.05',
      '--seed',
      '4242',
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\[generate ads → .*\] 1500 \/ 1500 impressions; sent \d+ \+ \d+ messages/);
    const tally = JSON.parse(r.stdout) as AdTally;
    expect(tally.impressions).toBe(1500);
    expect(tally.matchedClicks).toBeGreaterThan(100);
    expect(Object.values(tally.bad).reduce((a, b) => a + b, 0)).toBeGreaterThan(5);

    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [env.ADS_TOPIC_IMPRESSIONS, env.ADS_TOPIC_CLICKS] });
    expect(meta.topics.map((t) => t.partitions.length)).toEqual([3, 3]);
    const total = async (topic: string) =>
      (await admin.fetchTopicOffsets(topic)).reduce((s, p) => s + Number(p.high) - Number(p.low), 0);
    expect(await total(env.ADS_TOPIC_IMPRESSIONS)).toBe(tally.sent.impressions);
    expect(await total(env.ADS_TOPIC_CLICKS)).toBe(tally.sent.clicks);

    // Every click is in the partition of the impression with its key.
    const consumer = kafka.consumer({ groupId: `${id}-check` });
    await consumer.connect();
    await consumer.subscribe({ topics: [env.ADS_TOPIC_IMPRESSIONS, env.ADS_TOPIC_CLICKS], fromBeginning: true });
    const want = tally.sent.impressions + tally.sent.clicks;
    const seen: { topic: string; key: string; partition: number }[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${want} consumed`)), 60_000);
      void consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          seen.push({ topic, key: message.key!.toString(), partition });
          if (seen.length === want) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    await admin.deleteGroups([`${id}-check`]).catch(() => undefined);
    const impPartition = new Map(
      seen.filter((s) => s.topic === env.ADS_TOPIC_IMPRESSIONS).map((s) => [s.key, s.partition]),
    );
    const clicks = seen.filter((s) => s.topic === env.ADS_TOPIC_CLICKS && impPartition.has(s.key));
    expect(clicks.length).toBeGreaterThanOrEqual(tally.matchedClicks);
    for (const k of clicks) expect(k.partition).toBe(impPartition.get(k.key));
  });

  it('refuses topics with different partition counts, naming both', async () => {
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: mismatched[0]!, numPartitions: 3 },
        { topic: mismatched[1]!, numPartitions: 4 },
      ],
      waitForLeaders: true,
    });
    const r = cli(['generate', 'ads', '--impressions', '10', '--seed', '1'], {
      ADS_TOPIC_IMPRESSIONS: mismatched[0]!,
      ADS_TOPIC_CLICKS: mismatched[1]!,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      `viewership: ad topics are not co-partitioned: ${mismatched[0]} has 3 partitions, ${mismatched[1]} has 4`,
    );
    expect(await admin.fetchTopicOffsets(mismatched[0]!)).toSatisfy((ps: { high: string }[]) =>
      ps.every((p) => p.high === '0'),
    );
  });
});
