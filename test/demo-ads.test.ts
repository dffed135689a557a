/**
 * The ad part of `npm run demo` (scripts/demo-ads.ts) on the real services, without the rest of the demo: with no
 * campaigns file it writes the sample campaigns, creates the co-partitioned input topics, starts the ads stream on
 * the `viewership ads start` path, and its live producer's impressions, clicks and bad input reach PostgreSQL
 * within seconds; stop() ends the producer, then the stream (stop Update: the workflow completes). The Superset
 * line names the dashboard and where the password is, never the password.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Client } from '@temporalio/client';
import { migratePostgres } from '../adapters/profiles/postgres.js';
import { adTotals, type AdTotals } from '../lib/ads/totals.js';
import { createKafka, createPgPool } from '../lib/clients.js';
import { connectTemporal } from '../lib/temporal.js';
import { HOME } from '../scripts/services/cli.js';
import { startDemoAds, supersetLine, type DemoAds } from '../scripts/demo-ads.js';
import { adsTestEnv } from './ads-env.js';
import { testConfig } from './helpers.js';
import { killHard, spawnStreamWorker } from './stream-fixtures.js';

const { dir, env } = adsTestEnv('demo-ads');
const cfg = testConfig(env);
const kafka = createKafka(cfg.kafka, '-demo-ads-test');

describe('demo: the ad part', () => {
  let client: Client;
  let worker: ReturnType<typeof spawnStreamWorker> | undefined;
  let ads: DemoAds | undefined;
  const admin = kafka.admin();
  const pool = createPgPool(cfg, 2);

  beforeAll(async () => {
    await admin.connect();
    // The demo's input topics are its own to create (services up provisions the output ones).
    await admin.createTopics({
      topics: [env.ADS_TOPIC_DLQ, env.ADS_TOPIC_METRICS].map((topic) => ({ topic, numPartitions: 1 })),
      waitForLeaders: true,
    });
    await migratePostgres(pool);
    client = await connectTemporal(cfg.temporal);
    worker = spawnStreamWorker(env);
    await worker.ready;
  });

  afterAll(async () => {
    await ads?.stop().catch(() => undefined);
    if (worker) await killHard(worker.child);
    await client?.workflow
      .getHandle(env.ADS_STREAM_WORKFLOW_ID)
      .terminate('test cleanup')
      .catch(() => undefined);
    await admin
      .deleteTopics({
        topics: [env.ADS_TOPIC_IMPRESSIONS, env.ADS_TOPIC_CLICKS, env.ADS_TOPIC_DLQ, env.ADS_TOPIC_METRICS],
      })
      .catch(() => undefined);
    await admin.disconnect();
    for (const t of ['ad_metrics_minute_partition', 'ad_clicks_joined', 'ad_stream_counters', 'ad_checkpoints'])
      await pool.query(`DELETE FROM ${t} WHERE stream_id = $1`, [env.ADS_STREAM_WORKFLOW_ID]);
    await pool.end();
    await client?.connection.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'writes the campaigns, starts the ads stream and a live producer; totals in PostgreSQL; a clean stop',
    { timeout: 180_000 },
    async () => {
      const logs: string[] = [];
      const from = new Date(Date.now() - 3_600_000);
      expect(existsSync(env.ADS_CAMPAIGNS_PATH)).toBe(false);
      ads = await startDemoAds(cfg, {
        log: (m) => logs.push(m),
        intervalMs: 500,
        live: { ratePerS: 40, ctr: 0.2, badRate: 0.03, duplicateRate: 0.02, unknownCampaignRate: 0.05 },
      });
      expect(ads.streamStarted).toBe(true);
      const csv = readFileSync(env.ADS_CAMPAIGNS_PATH, 'utf8').trim().split('\n');
      expect(csv[0]).toBe('campaign_id,campaign_name,network_id,advertiser');
      expect(csv).toHaveLength(41);
      const meta = await admin.fetchTopicMetadata({ topics: [env.ADS_TOPIC_IMPRESSIONS, env.ADS_TOPIC_CLICKS] });
      expect(meta.topics.map((t) => t.partitions.length)).toEqual([3, 3]);

      // A few seconds of live production: impressions, matched clicks and dead-lettered bad input in PostgreSQL.
      const to = new Date(Date.now() + 3_600_000);
      const totals = () => adTotals(pool, env.ADS_STREAM_WORKFLOW_ID, from, to);
      const t: AdTotals = await vi.waitFor(
        async () => {
          const now = await totals();
          expect(now.impressions, 'impressions').toBeGreaterThan(0);
          expect(now.clicks, 'matched clicks').toBeGreaterThan(0);
          expect(now.deadLettered, 'dead letters').toBeGreaterThan(0);
          expect(now.unknownCampaignImpressions, 'unknown campaigns').toBeGreaterThan(0);
          return now;
        },
        { timeout: 90_000, interval: 500 },
      );
      expect(Object.keys(t.byNetwork).length).toBeGreaterThan(1);

      const counts = await ads.stop();
      ads = undefined;
      expect(counts.impression).toBeGreaterThanOrEqual(t.impressions);
      expect(counts.bad).toBeGreaterThan(0);
      const desc = await client.workflow.getHandle(env.ADS_STREAM_WORKFLOW_ID).describe();
      expect(desc.status.name).toBe('COMPLETED');
      const at = (s: string) => logs.findIndex((l) => l.startsWith(s));
      expect(at('ad producer stopped')).toBeGreaterThan(-1);
      expect(at('ads stream stopped')).toBeGreaterThan(at('ad producer stopped'));
      // Everything the stopped stream read is in PostgreSQL: totals no longer move.
      const final = await totals();
      await sleep(1500);
      expect(await totals()).toEqual(final);
    },
  );

  it('the Superset line: the dashboard URL and where the password is, or one line when Superset is not running', () => {
    const line = supersetLine({ selected: ['postgres', 'superset'], skipped: [] }, {});
    expect(line).toBe(
      `Superset:        http://127.0.0.1:8088/superset/dashboard/ad-performance/ (user admin, password: SUPERSET_ADMIN_PASSWORD in ${HOME}/secrets.env)`,
    );
    // `services up` generated the password into secrets.env (the test run starts the services first).
    const password = /^SUPERSET_ADMIN_PASSWORD=(.+)$/m
      .exec(readFileSync(`${HOME}/secrets.env`, 'utf8'))?.[1]
      ?.replace(/^['"]|['"]$/g, '');
    expect(password?.length).toBeGreaterThan(8);
    expect(line).not.toContain(password);
    expect(supersetLine({ selected: ['postgres', 'superset'], skipped: ['superset'] }, {})).toMatch(
      /^Superset: +skipped \(not installed.*\); the ads stream runs without it$/,
    );
    expect(supersetLine({ selected: ['postgres'], skipped: [] }, {})).toMatch(/^Superset: +not started/);
  });
});
