/**
 * The ad-analytics stream on the real services: a generated run (duplicates, late, malformed, out-of-order and
 * orphan clicks, unknown campaigns) through the impression ⋈ click join, with the stream worker SIGKILLed three
 * times while it writes checkpoints (and once more between the two production phases); `ads totals` read back from PostgreSQL equal the generator's own tally to
 * the micro-unit (by campaign and network too). The per-minute Parquet report equals PostgreSQL, read by partition
 * discovery and through the lake catalog (`lake ls|query|ddl`), where each minute's partitions are registered
 * with the producing run. Then a rewind recomputes to identical totals and replaces the report's registrations.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { microsToDecimal, type Campaign } from '../common/ads.js';
import { clickKey } from '../common/ads-stream.js';
import { rewindUpdate, streamStatusQuery } from '../common/stream-api.js';
import { withDuckDb } from '../lib/batch/duckdb.js';
import { migratePostgres } from '../adapters/profiles/postgres.js';
import { adTotals, type AdTotals } from '../lib/ads/totals.js';
import type { CatalogPartition } from '../adapters/catalog/types.js';
import { partitionFingerprint } from '../adapters/catalog/postgres.js';
import { AD_REPORT_COLUMNS } from '../common/lake.js';
import { createKafka, createLakeCatalog, createPgPool } from '../lib/clients.js';
import { buildAdMessages } from '../lib/generate/ads.js';
import { connectTemporal } from '../lib/temporal.js';
import { streamViewership } from '../workflows/stream.js';
import { adsTestEnv } from './ads-env.js';
import { testConfig } from './helpers.js';
import { ensureSpark, sparkSql } from './spark.js';
import { killHard, spawnStreamWorker, waitCaughtUp } from './stream-fixtures.js';

const { dir, env } = adsTestEnv('ads-stream');
const cfg = testConfig(env);
const kafka = createKafka(cfg.kafka, '-ads-stream');
const campaigns: Campaign[] = Array.from({ length: 8 }, (_, i) => ({
  campaignId: String(200 + i),
  name: `C${i}`,
  networkId: `net-${i % 3}`,
  advertiser: `A${i % 2}`,
}));
const T0 = Date.parse('2031-06-01T10:00:00Z');
/** Totals cover the run's event times and the Kafka time (now) of dead letters without one; not the closers. */
const FROM = new Date(Date.now() - 3_600_000);
const TO = new Date(T0 + 20 * 60_000);
const run = buildAdMessages({
  campaigns,
  ctr: 0.1,
  orphanRate: 0.02,
  lateRate: 0.01,
  duplicateRate: 0.02,
  badRate: 0.01,
  unknownCampaignRate: 0.03,
  seed: 7,
  t0Ms: T0,
  impressions: 3000,
  impressionsPerSecond: 50,
});
const cli = (...args: string[]) =>
  execFileSync('node', ['bin/viewership.mjs', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
/** The report's catalog entries, as `viewership lake ls --table ad_views_report --json` prints them. */
const registered = (): CatalogPartition[] => JSON.parse(cli('lake', 'ls', '--table', 'ad_views_report', '--json'));
/** Partition directories of the report on disk (`network_id=…/minute=…`). */
const reportDirs = () =>
  readdirSync(`${env.LAKE_DIR}/ad_views_report`)
    .flatMap((n) => readdirSync(`${env.LAKE_DIR}/ad_views_report/${n}`).map((m) => `${n}/${m}`))
    .sort();
/** Per network, minute and campaign: impressions, clicks and exact cost, as text (the report's columns). */
const REPORT_SQL = `SELECT network_id, minute, campaign_id, total_count::VARCHAR AS total_count, clicks::VARCHAR AS clicks, cost::VARCHAR AS cost
  FROM ad_views_report ORDER BY 1, 2, 3`;

/** Later impressions and clicks on every partition: the watermark passes every click of the run (orphans resolve). */
const closers = Array.from({ length: 30 }, (_, k) => ({ imp: `close-${k}`, t: T0 + 30 * 60_000 + k }));

describe('ad stream: join, sinks and exactly once', () => {
  let client: Client;
  let handle: WorkflowHandle<typeof streamViewership> | undefined;
  let worker: ReturnType<typeof spawnStreamWorker> | undefined;
  const admin = kafka.admin();
  const pool = createPgPool(cfg, 2);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const produce = async (msgs: typeof run.messages) => {
    for (const [topic, side] of [
      [env.ADS_TOPIC_IMPRESSIONS, 'impressions'],
      [env.ADS_TOPIC_CLICKS, 'clicks'],
    ] as const) {
      const batch = msgs.filter((m) => m.topic === side).map((m) => ({ key: m.key, value: m.value }));
      for (let i = 0; i < batch.length; i += 1000) await producer.send({ topic, messages: batch.slice(i, i + 1000) });
    }
  };
  const produceClosers = async () => {
    await producer.send({
      topic: env.ADS_TOPIC_IMPRESSIONS,
      messages: closers.map((c) => ({
        key: c.imp,
        value: JSON.stringify({
          impression_id: c.imp,
          ad_id: 'A0',
          campaign_id: '200',
          impression_cost: 0.001,
          event_time: new Date(c.t).toISOString(),
        }),
      })),
    });
    await producer.send({
      topic: env.ADS_TOPIC_CLICKS,
      messages: closers.map((c) => ({
        key: c.imp,
        value: JSON.stringify({
          click_id: `k-${c.imp}`,
          join_id: c.imp,
          click_cost: 0.01,
          event_time: new Date(c.t + 1000).toISOString(),
        }),
      })),
    });
  };
  /** Kafka time between the two production phases (the rewind goes back to it). */
  let betweenMs = 0;
  /** The report's rows and registrations before the rewind (the re-run replaces them). */
  let reportRows: unknown[] = [];
  let reportBefore: CatalogPartition[] = [];

  beforeAll(async () => {
    writeFileSync(
      env.ADS_CAMPAIGNS_PATH,
      `campaign_id,campaign_name,network_id,advertiser\n${campaigns.map((c) => `${c.campaignId},${c.name},${c.networkId},${c.advertiser}`).join('\n')}\n`,
    );
    await admin.connect();
    await admin.createTopics({
      topics: [env.ADS_TOPIC_IMPRESSIONS, env.ADS_TOPIC_CLICKS, env.ADS_TOPIC_METRICS]
        .map((topic) => ({ topic, numPartitions: 3 }))
        .concat([{ topic: env.ADS_TOPIC_DLQ, numPartitions: 1 }]),
      waitForLeaders: true,
    });
    await migratePostgres(pool);
    await producer.connect();
    client = await connectTemporal(cfg.temporal);
  });

  afterAll(async () => {
    if (worker) await killHard(worker.child);
    await handle?.terminate('test cleanup').catch(() => undefined);
    await producer.disconnect();
    await admin
      .deleteTopics({
        topics: [env.ADS_TOPIC_IMPRESSIONS, env.ADS_TOPIC_CLICKS, env.ADS_TOPIC_DLQ, env.ADS_TOPIC_METRICS],
      })
      .catch(() => undefined);
    await admin.disconnect();
    for (const t of ['ad_metrics_minute_partition', 'ad_clicks_joined', 'ad_stream_counters', 'ad_checkpoints'])
      await pool.query(`DELETE FROM ${t} WHERE stream_id = $1`, [env.ADS_STREAM_WORKFLOW_ID]);
    await pool.end();
    // Leave no registrations of this temporary lake behind in the shared catalog database.
    const catalog = createLakeCatalog(cfg);
    await catalog
      .list({ table: 'ad_views_report' })
      .then((ps) =>
        catalog.unregister(
          'ad_views_report',
          ps.map((p) => p.path),
        ),
      )
      .catch(() => undefined);
    await catalog.close();
    await client?.connection.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const expected = () => {
    const t = run.tally;
    const dec = microsToDecimal;
    return {
      impressions: t.impressions,
      clicks: t.matchedClicks,
      orphanClicks: t.orphanClicks,
      duplicates: t.duplicates,
      late: t.late,
      deadLettered: Object.values(t.bad).reduce((a, b) => a + b, 0),
      impressionCost: dec(t.impressionCostMicros),
      clickCost: dec(t.clickCostMicros),
      cost: dec(t.impressionCostMicros + t.clickCostMicros),
      unknownCampaignImpressions: t.unknownCampaignImpressions,
      byCampaign: Object.fromEntries(
        Object.entries(t.byCampaign).map(([k, g]) => [
          k,
          { impressions: g.impressions, clicks: g.clicks, cost: dec(g.impressionCostMicros + g.clickCostMicros) },
        ]),
      ),
      byNetwork: Object.fromEntries(
        Object.entries(t.byNetwork).map(([k, g]) => [
          k,
          { impressions: g.impressions, clicks: g.clicks, cost: dec(g.impressionCostMicros + g.clickCostMicros) },
        ]),
      ),
    };
  };
  const actual = (a: AdTotals) => ({
    ...a,
    byCampaign: Object.fromEntries(
      Object.entries(a.byCampaign).map(([k, g]) => [k, { impressions: g.impressions, clicks: g.clicks, cost: g.cost }]),
    ),
  });
  // Orphans resolve once the watermark has passed them (the closers' batch); wait for the last counters.
  const settle = () =>
    vi.waitFor(
      async () => {
        const t = await adTotals(pool, env.ADS_STREAM_WORKFLOW_ID, FROM, TO);
        expect(t.orphanClicks, 'orphan clicks resolved').toBeGreaterThanOrEqual(run.tally.orphanClicks);
        return t;
      },
      { timeout: 60_000, interval: 500 },
    );
  const total = run.messages.length + 2 * closers.length;

  it(
    'totals equal the generator’s tally across three SIGKILLs during checkpoint writes',
    { timeout: 300_000 },
    async () => {
      expect(run.tally.outOfOrderClicks).toBeGreaterThan(0);
      expect(
        run.tally.orphanClicks * run.tally.late * run.tally.duplicates * run.tally.unknownCampaignImpressions,
      ).toBeGreaterThan(0);
      // Phase 1, up to the first late message: once it is read, every partition's watermark is established, so
      // the late messages of phase 2 are behind it whichever batch reads them.
      const firstLate = run.messages.findIndex((m) => m.kind === 'late');
      await produce(run.messages.slice(0, firstLate));
      worker = spawnStreamWorker(env);
      await worker.ready;
      handle = await client.workflow.start(streamViewership, {
        taskQueue: env.TASK_QUEUE_STREAM,
        workflowId: env.ADS_STREAM_WORKFLOW_ID,
        args: [{ settings: { pipeline: 'ads', intervalMs: 200, maxMessagesPerBatch: 300, allowedLatenessMs: 30_000 } }],
      });
      await waitCaughtUp(handle, firstLate, 120_000);
      await killHard(worker.child);
      betweenMs = Date.now();
      await sleep(50);
      await produce(run.messages.slice(firstLate));
      await produceClosers();
      for (let k = 0; k < 3; k++) {
        worker = spawnStreamWorker({ ...env, VIEWERSHIP_FAILPOINT: 'ads-checkpoint-write@2' });
        await worker.ready;
        const died = new Promise<string | null>((r) => worker!.child.once('exit', (_c, sig) => r(sig)));
        expect(await died).toBe('SIGKILL');
      }
      worker = spawnStreamWorker(env);
      await worker.ready;
      const s = await waitCaughtUp(handle!, total, 240_000);
      expect(s.restores).toBeGreaterThan(0);
      expect(
        Object.keys(s.offsets)
          .map(Number)
          .some((k) => k === clickKey(0)),
      ).toBe(true);
      const t = await settle();
      expect(actual(t)).toMatchObject(expected());
      expect(t.ctr).toBeCloseTo(run.tally.matchedClicks / run.tally.impressions, 6);
    },
  );

  it(
    'the Parquet report of the closed minutes equals PostgreSQL: partition discovery, and the catalog’s registrations, lake query and duckdb DDL',
    { timeout: 60_000 },
    async () => {
      // The report follows the watermark by a round: wait for it to cover the run's minutes.
      const through = await vi.waitFor(
        async () => {
          const ms = (await handle!.query(streamStatusQuery)).adsReportedMs ?? 0;
          // Every minute of the run is closed (the closers' is not).
          expect(ms, 'report through').toBeGreaterThan(T0 + 6 * 60_000);
          return ms;
        },
        { timeout: 30_000, interval: 250 },
      );
      const pg = await pool.query<{
        network_id: string;
        minute: string;
        campaign_id: string;
        total_count: string;
        clicks: string;
        cost: string;
      }>(
        `SELECT network_id, to_char(minute AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') AS minute, campaign_id, sum(impressions)::text AS total_count,
         sum(clicks)::text AS clicks, round((sum(impression_cost_micros) + sum(click_cost_micros)) / 1e6, 6)::text AS cost
       FROM ad_metrics_minute WHERE stream_id = $1 AND minute < $2 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
        [env.ADS_STREAM_WORKFLOW_ID, new Date(through).toISOString()],
      );
      const lake = await withDuckDb({ memoryLimit: '256MB', threads: 1, tempDir: `${dir}/duck` }, (db) =>
        db.rows<{
          network_id: string;
          minute: string;
          campaign_id: string;
          total_count: string;
          clicks: string;
          cost: string;
        }>(
          `SELECT network_id, minute, campaign_id, total_count::VARCHAR AS total_count, clicks::VARCHAR AS clicks, cost::VARCHAR AS cost
         FROM read_parquet('${env.LAKE_DIR}/ad_views_report/*/*/*.parquet', hive_partitioning = true, hive_types = {'network_id': VARCHAR, 'minute': VARCHAR}) ORDER BY 1, 2, 3`,
        ),
      );
      expect(pg.rows.length).toBeGreaterThan(10);
      expect(lake).toEqual(pg.rows);
      reportRows = pg.rows;

      // The catalog: one registration per partition directory, its file's rows, bytes and hash, the producing run.
      const parts = registered();
      expect(parts.map((p) => p.path)).toEqual(reportDirs());
      for (const p of parts) {
        expect(p.table).toBe('ad_views_report');
        expect(p.path).toBe(`network_id=${p.values.network_id}/minute=${p.values.minute}`);
        expect(p.files.map((f) => f.path)).toEqual([`${p.path}/part-0.parquet`]);
        const bytes = readFileSync(`${env.LAKE_DIR}/ad_views_report/${p.files[0]!.path}`);
        expect(p.files[0]!.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
        expect(p.bytes).toBe(bytes.length);
        expect(p.fingerprint).toBe(partitionFingerprint(p.files));
        const [wf, runId] = p.producer.split('/') as [string, string];
        expect(wf).toBe(env.ADS_STREAM_WORKFLOW_ID);
        expect((await client.workflow.getHandle(wf, runId).describe()).runId).toBe(runId);
      }
      const byPartition = new Map<string, number>();
      for (const r of pg.rows) {
        const k = `network_id=${r.network_id}/minute=${r.minute}`;
        byPartition.set(k, (byPartition.get(k) ?? 0) + 1);
      }
      expect(Object.fromEntries(parts.map((p) => [p.path, p.rows]))).toEqual(Object.fromEntries(byPartition));

      // Readers through the catalog (lake query, the printed duckdb DDL) see the registered rows only: not a file
      // in a directory that is not registered.
      const stray = `${env.LAKE_DIR}/ad_views_report/${parts[0]!.path.split('/')[0]}/minute=2031-06-01T11:59`;
      mkdirSync(stray);
      copyFileSync(`${env.LAKE_DIR}/ad_views_report/${parts[0]!.files[0]!.path}`, `${stray}/part-0.parquet`);
      try {
        expect(JSON.parse(cli('lake', 'query', '--json', REPORT_SQL))).toEqual(pg.rows);
        const ddl = cli('lake', 'ddl', '--dialect', 'duckdb', '--table', 'ad_views_report');
        const viaDdl = await withDuckDb({ memoryLimit: '256MB', threads: 1, tempDir: `${dir}/duck` }, async (db) => {
          await db.run(ddl);
          const cols = await db.rows<{ column_name: string; column_type: string }>('DESCRIBE ad_views_report');
          expect(cols.map((c) => [c.column_name, c.column_type])).toEqual([
            ...AD_REPORT_COLUMNS,
            ['network_id', 'VARCHAR'],
            ['minute', 'VARCHAR'],
          ]);
          return db.rows(REPORT_SQL);
        });
        expect(viaDdl).toEqual(pg.rows);
      } finally {
        rmSync(stray, { recursive: true, force: true });
      }
      expect(cli('lake', 'ls', '--table', 'ad_views_report')).toContain(`ad_views_report  ${parts[0]!.path}`);
      reportBefore = parts;
    },
  );

  it(
    'the printed hive and spark DDL of the report, run by Spark SQL with a Hive metastore, read the registered rows',
    { timeout: 15 * 60_000 },
    async () => {
      expect(reportRows.length).toBeGreaterThan(10);
      await ensureSpark((m) => console.error(`[ads-stream.test] ${m}`));
      const ddl = (dialect: string, db: string) =>
        cli('lake', 'ddl', '--dialect', dialect, '--table', 'ad_views_report', '--database', db);
      const q = (db: string) =>
        `SELECT '${db}', network_id, minute, campaign_id, CAST(total_count AS STRING), CAST(clicks AS STRING), CAST(cost AS STRING) FROM ${db}.ad_views_report ORDER BY 2, 3, 4;`;
      const out = await sparkSql(
        [ddl('hive', 'ads_hive'), ddl('spark', 'ads_spark'), q('ads_hive'), q('ads_spark')].join('\n'),
        `${dir}/spark`,
      );
      const rows = (db: string) =>
        out
          .filter((r) => r[0] === db)
          .map(([, network_id, minute, campaign_id, total_count, clicks, cost]) => ({
            network_id,
            minute,
            campaign_id,
            total_count,
            clicks,
            cost,
          }));
      expect(rows('ads_hive')).toEqual(reportRows);
      expect(rows('ads_spark')).toEqual(reportRows);
    },
  );

  it('a rewind recomputes to identical totals', { timeout: 180_000 }, async () => {
    const before = await adTotals(pool, env.ADS_STREAM_WORKFLOW_ID, FROM, TO);
    // Rewind to the Kafka time between the two phases: the state is restored there and phase 2 read again.
    await handle!.executeUpdate(rewindUpdate, { args: [betweenMs] });
    const rewoundAt = Date.now();
    await waitCaughtUp(handle!, total, 120_000);
    const after = await settle();
    expect(after).toEqual(before);
    // The report is written again from the restored state: each minute's registration is replaced (one per
    // partition, same content), and the catalog's readers see the same rows.
    const parts = await vi.waitFor(
      () => {
        const now = registered();
        for (const p of now) expect(new Date(p.registeredAt).getTime(), p.path).toBeGreaterThanOrEqual(rewoundAt);
        return now;
      },
      { timeout: 60_000, interval: 500 },
    );
    expect(parts.map((p) => [p.path, p.fingerprint, p.rows])).toEqual(
      reportBefore.map((p) => [p.path, p.fingerprint, p.rows]),
    );
    expect(parts.map((p) => p.path)).toEqual(reportDirs());
    expect(JSON.parse(cli('lake', 'query', '--json', REPORT_SQL))).toEqual(reportRows);
  });

  it(
    'a changed campaigns file shows in the next minutes (earlier minutes keep their network)',
    { timeout: 90_000 },
    async () => {
      writeFileSync(
        env.ADS_CAMPAIGNS_PATH,
        `campaign_id,campaign_name,network_id,advertiser\n${campaigns.map((c) => `${c.campaignId},${c.name},${c.campaignId === '200' ? 'net-moved' : c.networkId},${c.advertiser}`).join('\n')}\n`,
      );
      // The worker re-reads the file within its reload interval: send an impression of campaign 200 every 2 s until
      // one lands under the new network.
      const moved = async () =>
        Number(
          (
            await pool.query(
              `SELECT count(*)::int AS n FROM ad_metrics_minute_partition WHERE stream_id = $1 AND campaign_id = '200' AND network_id = 'net-moved'`,
              [env.ADS_STREAM_WORKFLOW_ID],
            )
          ).rows[0].n,
        );
      let k = 0;
      await vi.waitFor(
        async () => {
          if ((await moved()) > 0) return;
          const t = T0 + 31 * 60_000 + k * 1000;
          await producer.send({
            topic: env.ADS_TOPIC_IMPRESSIONS,
            messages: [
              {
                key: `after-${k}`,
                value: JSON.stringify({
                  impression_id: `after-${k}`,
                  ad_id: 'A0',
                  campaign_id: '200',
                  impression_cost: 0.001,
                  event_time: new Date(t).toISOString(),
                }),
              },
            ],
          });
          k++;
          throw new Error(`no minute of campaign 200 under net-moved after ${k} impressions`);
        },
        { timeout: 60_000, interval: 2000 },
      );
      expect(await moved()).toBeGreaterThan(0);
      const before = await pool.query(
        `SELECT DISTINCT network_id FROM ad_metrics_minute_partition WHERE stream_id = $1 AND campaign_id = '200' AND minute < $2`,
        [env.ADS_STREAM_WORKFLOW_ID, new Date(T0 + 20 * 60_000).toISOString()],
      );
      expect(before.rows.map((r) => r.network_id)).toEqual(['net-0']);
    },
  );
});
