/**
 * `npm run bench:ads` — the ad-analytics stream against the real pipeline (a stream worker child process and the
 * streaming workflow with `pipeline: 'ads'`, on topics, a task queue and a workflow id of its own, removed after):
 *
 * 1. drain of a pre-loaded backlog (default 1,000,000 impressions + their ~50,000 clicks at CTR 5 %): messages/s
 *    end to end with the join, the worker's peak RSS, the checkpoints' size (the join state);
 * 2. visibility in PostgreSQL at a steady rate (default 10,000 messages/s for 30 s, 1 s interval): a probe
 *    impression of its own campaign every 100 ms, timed from its send to its row in `ad_metrics_minute_partition`.
 *
 * Flags (or env): --impressions N (BENCH_ADS_IMPRESSIONS), --rate N (BENCH_ADS_RATE), --seconds S, --interval-ms MS.
 * Progress on stderr, figures on stdout.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { migratePostgres } from '../../adapters/profiles/postgres.js';
import { streamStatusQuery } from '../../common/stream-api.js';
import { adsIsolatedEnv } from '../ads-isolated-env.js';
import { CampaignDirectory } from '../../lib/ads/campaigns.js';
import { createKafka, createPgPool } from '../../lib/clients.js';
import { effectiveEnv, loadConfig, ROOT_DIR } from '../../lib/config.js';
import { createAdGenerator } from '../../lib/generate/ads.js';
import { connectTemporal } from '../../lib/temporal.js';
import { streamViewership } from '../../workflows/stream.js';

const { values: a } = parseArgs({
  options: {
    impressions: { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string' },
    'interval-ms': { type: 'string' },
  },
});
const IMPRESSIONS = Number(a.impressions ?? process.env.BENCH_ADS_IMPRESSIONS ?? 1_000_000);
const RATE = Number(a.rate ?? process.env.BENCH_ADS_RATE ?? 10_000);
const SECONDS = Number(a.seconds ?? 30);
const INTERVAL_MS = Number(a['interval-ms'] ?? 1000);
const log = (m: string) => console.error(`[bench:ads] ${new Date().toISOString().slice(11, 19)} ${m}`);
const kb = (pid: number, f: string) =>
  Number(new RegExp(`${f}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

const id = `bench-ads-${Date.now().toString(36)}`;
const dir = mkdtempSync(`${tmpdir()}/bench-ads-`);
const env = {
  ...adsIsolatedEnv(id, dir),
  ADS_CAMPAIGNS_PATH: `${ROOT_DIR}/reference/campaigns.csv`,
  STREAM_LAKE_SINK: 'off',
};
/** The latency phase reads topics of its own (the drain's backlog would hold its watermark in the future). */
const envLatency = {
  ...env,
  ADS_TOPIC_IMPRESSIONS: `${id}-l-imp`,
  ADS_TOPIC_CLICKS: `${id}-l-clk`,
  ADS_TOPIC_DLQ: `${id}-l-dlq`,
  ADS_TOPIC_METRICS: `${id}-l-metrics`,
  TASK_QUEUE_STREAM: `${id}-l-queue`,
};
const cfg = loadConfig({ ...effectiveEnv(process.env), ...env });
const kafka = createKafka(cfg.kafka, '-bench-ads');
const admin = kafka.admin();
const pool = createPgPool(cfg, 2);
const client = await connectTemporal(cfg.temporal);
const topicsOf = (e: typeof env) => [e.ADS_TOPIC_IMPRESSIONS, e.ADS_TOPIC_CLICKS, e.ADS_TOPIC_METRICS, e.ADS_TOPIC_DLQ];
const topics = [...topicsOf(env), ...topicsOf(envLatency)];
let worker: ChildProcess | undefined;
const campaigns = new CampaignDirectory(env.ADS_CAMPAIGNS_PATH, { quarantineDir: env.QUARANTINE_DIR }).all();

async function spawnWorker(e: typeof env): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--max-old-space-size=1024', 'bin/viewership.mjs', 'worker', '--queue', 'stream'],
    { env: { ...process.env, ...e }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-10_000);
      if (err.includes('polling task queues')) resolve();
    });
    child.once('exit', (c) => reject(new Error(`worker exited (${c}): ${err}`)));
  });
  return child;
}

async function run(e: typeof env, workflowId: string, settings: Record<string, unknown>) {
  return client.workflow.start(streamViewership, {
    taskQueue: e.TASK_QUEUE_STREAM,
    workflowId,
    args: [{ settings: { pipeline: 'ads', allowedLatenessMs: 30_000, ...settings } }],
  });
}

try {
  await admin.connect();
  await admin.createTopics({
    topics: topics.map((topic, i) => ({ topic, numPartitions: i % 4 < 3 ? 3 : 1 })),
    waitForLeaders: true,
  });
  await migratePostgres(pool);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  // 1. Drain of a pre-loaded backlog.
  const gen = createAdGenerator({
    campaigns,
    ctr: 0.05,
    orphanRate: 0,
    lateRate: 0,
    duplicateRate: 0,
    badRate: 0,
    unknownCampaignRate: 0.01,
    seed: 11,
    clickDelayMs: [1000, 60_000],
  });
  const t0 = Date.parse('2031-09-01T00:00:00Z');
  const out = { imp: [] as { key: string; value: string }[], clk: [] as { key: string; value: string }[] };
  let sent = 0;
  const flush = async (all = false) => {
    for (const [k, topic] of [
      ['imp', env.ADS_TOPIC_IMPRESSIONS],
      ['clk', env.ADS_TOPIC_CLICKS],
    ] as const) {
      while (out[k].length >= 5000 || (all && out[k].length)) {
        const chunk = out[k].splice(0, 5000);
        await producer.send({ topic, messages: chunk });
        sent += chunk.length;
      }
    }
  };
  const tp = Date.now();
  for (let i = 0; i < IMPRESSIONS; i++) {
    for (const m of gen.step(t0 + Math.floor(i / 5)))
      (m.topic === 'impressions' ? out.imp : out.clk).push({ key: m.key, value: m.value });
    if (i % 5000 === 0) await flush();
    if (i % 200_000 === 0 && i) log(`pre-loaded ${i.toLocaleString('en')} impressions`);
  }
  for (const m of gen.flush()) (m.topic === 'impressions' ? out.imp : out.clk).push({ key: m.key, value: m.value });
  await flush(true);
  const tally = gen.tally();
  log(
    `pre-loaded ${sent.toLocaleString('en')} messages (${tally.impressions} impressions, ${tally.matchedClicks} clicks) in ${((Date.now() - tp) / 1000).toFixed(1)} s`,
  );

  worker = await spawnWorker(env);
  const pid = worker.pid!;
  const readyMb = kb(pid, 'VmRSS') / 1024;
  const drainId = `${id}-drain`;
  const tStart = Date.now();
  const h = await run(env, drainId, { intervalMs: 1000, maxMessagesPerBatch: 300_000 });
  let peakKb = 0;
  for (;;) {
    peakKb = Math.max(peakKb, kb(pid, 'VmRSS'));
    const s = await h.query(streamStatusQuery).catch(() => undefined);
    const read = s ? Object.values(s.offsets).reduce((x, y) => x + y, 0) : 0;
    if (read >= sent) break;
    await sleep(200);
  }
  const drainS = (Date.now() - tStart) / 1000;
  const hwm = kb(pid, 'VmHWM');
  const ck = await pool.query<{ kind: string; n: string; bytes: string }>(
    'SELECT kind, count(*)::text AS n, sum(octet_length(payload))::text AS bytes FROM ad_checkpoints WHERE stream_id = $1 GROUP BY kind',
    [drainId],
  );
  const totals = await pool.query<{ imp: string; clk: string }>(
    'SELECT sum(impressions)::text AS imp, sum(clicks)::text AS clk FROM ad_metrics_minute_partition WHERE stream_id = $1',
    [drainId],
  );
  await h.terminate('bench done');
  worker.kill('SIGKILL');
  worker = await spawnWorker(envLatency);

  // 2. Visibility at a steady rate.
  const latId = `${id}-latency`;
  const hl = await run(envLatency, latId, { intervalMs: INTERVAL_MS, maxMessagesPerBatch: 300_000 });
  const live = createAdGenerator({
    campaigns,
    ctr: 0.05,
    orphanRate: 0,
    lateRate: 0,
    duplicateRate: 0,
    badRate: 0,
    unknownCampaignRate: 0,
    seed: 12,
    clickDelayMs: [1000, 20_000],
  });
  const probes = new Map<string, { sentMs: number; seenMs?: number }>();
  const tl = Date.now();
  let k = 0;
  let produced = 0;
  let lastProbe = 0;
  while (Date.now() - tl < SECONDS * 1000) {
    const due = Math.floor(((Date.now() - tl) / 1000) * RATE);
    const msgs = { imp: [] as { key: string; value: string }[], clk: [] as { key: string; value: string }[] };
    while (produced < due) {
      for (const m of live.step(Date.now()))
        (m.topic === 'impressions' ? msgs.imp : msgs.clk).push({ key: m.key, value: m.value });
      produced += 1.05;
    }
    for (const m of live.due(Date.now()))
      (m.topic === 'impressions' ? msgs.imp : msgs.clk).push({ key: m.key, value: m.value });
    if (Date.now() - lastProbe >= 100) {
      lastProbe = Date.now();
      const pidK = `probe-${k++}`;
      msgs.imp.push({
        key: pidK,
        value: JSON.stringify({
          impression_id: pidK,
          ad_id: 'P',
          campaign_id: pidK,
          impression_cost: 0.001,
          event_time: new Date().toISOString(),
        }),
      });
      probes.set(pidK, { sentMs: Date.now() });
    }
    if (msgs.imp.length) await producer.send({ topic: envLatency.ADS_TOPIC_IMPRESSIONS, messages: msgs.imp });
    if (msgs.clk.length) await producer.send({ topic: envLatency.ADS_TOPIC_CLICKS, messages: msgs.clk });
    const seen = await pool.query<{ campaign_id: string }>(
      `SELECT DISTINCT campaign_id FROM ad_metrics_minute_partition WHERE stream_id = $1 AND campaign_id LIKE 'probe-%'`,
      [latId],
    );
    for (const r of seen.rows) {
      const p = probes.get(r.campaign_id);
      if (p && p.seenMs === undefined) p.seenMs = Date.now();
    }
    await sleep(20);
  }
  for (
    const deadline = Date.now() + 30_000;
    [...probes.values()].some((p) => p.seenMs === undefined) && Date.now() < deadline;
    await sleep(50)
  ) {
    const seen = await pool.query<{ campaign_id: string }>(
      `SELECT DISTINCT campaign_id FROM ad_metrics_minute_partition WHERE stream_id = $1 AND campaign_id LIKE 'probe-%'`,
      [latId],
    );
    for (const r of seen.rows) {
      const p = probes.get(r.campaign_id);
      if (p && p.seenMs === undefined) p.seenMs = Date.now();
    }
  }
  const lat = [...probes.values()].map((p) => (p.seenMs ?? Infinity) - p.sentMs).sort((x, y) => x - y);
  const pct = (q: number) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))]!;
  const achieved = produced / SECONDS;
  await hl.terminate('bench done');
  await producer.disconnect();

  const drainRate = sent / drainS;
  const bytes = Object.fromEntries(
    ck.rows.map((r) => [r.kind, `${r.n} records, ${(Number(r.bytes) / 1e6).toFixed(1)} MB`]),
  );
  console.log(
    `\nbench:ads (${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; ${new Date().toISOString()}; load ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')})`,
  );
  console.log(`| figure | measured | target |\n|---|---|---|`);
  console.log(
    `| drain of ${sent.toLocaleString('en')} messages (${Number(totals.rows[0]!.imp).toLocaleString('en')} impressions, ${Number(totals.rows[0]!.clk).toLocaleString('en')} matched clicks in PostgreSQL), ${drainS.toFixed(1)} s | ${Math.round(drainRate).toLocaleString('en')} msg/s | ≥ 50,000 msg/s ${drainRate >= 50_000 ? 'met' : 'MISSED'} |`,
  );
  console.log(
    `| visibility in PostgreSQL at ${Math.round(achieved).toLocaleString('en')} msg/s, interval ${INTERVAL_MS} ms (${lat.length} probes) | p50 ${(pct(0.5) / 1000).toFixed(2)} s, p99 ${(pct(0.99) / 1000).toFixed(2)} s | ≤ ${(INTERVAL_MS / 1000 + 3).toFixed(0)} s ${pct(0.99) <= INTERVAL_MS + 3000 ? 'met' : 'MISSED'} |`,
  );
  console.log(
    `| stream worker peak RSS (drain) | ${Math.round(hwm / 1024)} MB (sampled ${Math.round(peakKb / 1024)} MB; ${Math.round(readyMb)} MB when ready) | |`,
  );
  console.log(`| join state checkpoints after the drain | ${JSON.stringify(bytes)} | |`);
} finally {
  worker?.kill('SIGKILL');
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect().catch(() => undefined);
  for (const t of ['ad_metrics_minute_partition', 'ad_clicks_joined', 'ad_stream_counters', 'ad_checkpoints'])
    await pool.query(`DELETE FROM ${t} WHERE stream_id LIKE $1`, [`${id}-%`]).catch(() => undefined);
  await pool.end();
  await client.connection.close();
  rmSync(dir, { recursive: true, force: true });
}
