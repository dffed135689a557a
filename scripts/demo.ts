/**
 * `npm run demo`: the main job end to end on local defaults. Installs and starts every service, starts the
 * workers in this process, proves each task queue with a real health workflow, generates profiles (pushed to
 * the stream workers' caches at once), applies the Schedules, starts the streaming workflow with a live event
 * producer, the ads stream with a live ad producer (scripts/demo-ads.ts), serves the dashboard and prints its
 * address, the Temporal UI's and Superset's — so live numbers show within seconds — then generates the last three
 * days of web logs and runs the batch DAG for them (a backfill), and runs until Ctrl-C: then stops the event
 * producer, the stream (stop Update), the ad producer, the ads stream, the server, the workers and the services it
 * started, in that order.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync } from 'node:fs';
import { createProfilesStore } from '../adapters/profiles/index.js';
import { batchBackfill, batchStatus } from '../cli/batch.js';
import { generateProfiles, generateWeblogs } from '../cli/generate.js';
import { applySchedules } from '../cli/schedule.js';
import { startServe, type RunningServer } from '../cli/serve.js';
import { streamCommand, streamStart } from '../cli/stream.js';
import { BadInputError } from '../lib/errors.js';
import { loadConfig, effectiveEnv } from '../lib/config.js';
import { connectTemporal, workflowUrl } from '../lib/temporal.js';
import { startWorkers } from '../workers/run.js';
import { systemHealth } from '../workflows/health.js';
import { refreshProfileCaches } from '../workflows/profile-cache.js';
import { contexts } from './services/cli.js';
import { down, ServiceStartError, up } from './services/manager.js';
import { selectServices } from './services/registry.js';
import { startLiveEvents } from './demo-live.js';
import { startDemoAds, supersetLine } from './demo-ads.js';
import { profilesStoreOptions } from '../lib/adapter-options.js';

const log = (m: string) => console.error(`[demo] ${m}`);

async function main(): Promise<void> {
  const services = await selectServices([], process.env);
  const mk = contexts();
  const t0 = Date.now();
  const { started, skipped } = await up(services, mk);
  log(`services ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const cfg = loadConfig(effectiveEnv());

  // The SDK runtime stops workers on SIGINT by itself; the demo takes that over so the stream's stop Update
  // is still processed by a worker before the workers go.
  const sigintBefore = new Set(process.listeners('SIGINT'));
  const sigtermBefore = new Set(process.listeners('SIGTERM'));
  const workers = await startWorkers(cfg, ['batch', 'stream']);
  for (const l of process.listeners('SIGINT')) if (!sigintBefore.has(l)) process.off('SIGINT', l);
  for (const l of process.listeners('SIGTERM')) if (!sigtermBefore.has(l)) process.off('SIGTERM', l);
  log('workers polling: viewership-batch, viewership-stream');

  const client = await connectTemporal(cfg.temporal);
  for (const taskQueue of Object.values(cfg.temporal.taskQueues)) {
    const workflowId = `health-${taskQueue}-${Date.now()}`;
    const r = await client.workflow.execute(systemHealth, { taskQueue, workflowId });
    log(
      `${taskQueue}: Kafka ${JSON.stringify(r.kafka.topics)}, ${r.search.engine} ${r.search.version}, ${r.profiles.store} (${r.profiles.profiles} profiles) — ${workflowUrl(cfg.temporal, workflowId)}`,
    );
  }
  await client.connection.close();

  // Profiles first, pushed into the stream workers' caches at once (then every minute by the Schedule), so live
  // events are enriched from the start.
  const CUSTOMERS = 5000;
  const store = createProfilesStore(profilesStoreOptions(cfg));
  const existing = await store.count();
  await store.close();
  if (existing < CUSTOMERS) await generateProfiles(cfg, { count: CUSTOMERS, seed: 1 });
  const refresh = await connectTemporal(cfg.temporal);
  await refresh.workflow.execute(refreshProfileCaches, {
    taskQueue: cfg.temporal.taskQueues.stream,
    workflowId: `profile-cache-refresh-demo-${Date.now()}`,
    args: [{ fullReloadEveryMs: cfg.stream.profileFullReloadMs }],
  });
  await refresh.connection.close();
  log(`profile caches loaded (${workers.profileCache.size} profiles in this process)`);
  for (const s of await applySchedules(cfg)) log(`schedule ${s.id} ${s.action}; next run ${s.nextRuns[0]}`);

  // Live: the streaming workflow, a steady event producer over the generated customers, and the dashboard.
  const streamStarted = await startStream(cfg);
  const live = await startLiveEvents(cfg, {
    ratePerS: 300,
    customers: CUSTOMERS,
    badRate: 0.002,
    lateRate: 0.002,
    duplicateRate: 0.002,
    unknownRate: 0.03,
    reportEveryMs: 60_000,
    onReport: (c) => log(`live events produced: ${JSON.stringify(c)}`),
  });
  log(`producing ~300 events/s to ${cfg.kafka.topics.events}`);
  // Ads: the campaigns, the ads stream and a live ad producer (scripts/demo-ads.ts).
  const ads = await startDemoAds(cfg, { log }).catch((err: Error) => void log(`ads not started: ${err.message}`));
  const superset = supersetLine({ selected: services.map((s) => s.name), skipped });
  const server = await serveDashboard(cfg);
  console.log(
    `\nDashboard:       ${server.url}/\nTemporal Web UI: ${cfg.temporal.uiUrl}\n${superset}\n(live numbers now; the daily bars once the batch backfill below has finished)\n`,
  );

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    log('stopping...');
    const counts = await live.stop();
    log(`event producer stopped: ${JSON.stringify(counts)}`);
    if (streamStarted) await stopStream(cfg);
    await ads?.stop();
    await server.stop();
    log('dashboard stopped');
    await workers.stop();
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  live.done.catch((err) => log(`event producer failed: ${(err as Error).message}`));
  ads?.producerDone.catch((err) => log(`ad producer failed: ${(err as Error).message}`));

  // Batch: the last three days of logs (CSV and gzip combined format, 1 % bad rows), then the DAG for each day.
  try {
    const days = [3, 2, 1].map((n) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10));
    for (const [i, date] of days.entries()) {
      if (existsSync(`${cfg.paths.landingDir}/${date}`)) continue;
      await generateWeblogs(cfg, {
        date,
        rows: 100_000,
        format: 'csv',
        badRate: 0.01,
        gzip: false,
        seed: 10 + i,
        customers: CUSTOMERS,
      });
      await generateWeblogs(cfg, {
        date,
        rows: 30_000,
        format: 'combined',
        badRate: 0.01,
        gzip: true,
        seed: 20 + i,
        customers: CUSTOMERS,
      });
    }
    log(`batch backfill ${days[0]} … ${days[2]}`);
    await batchBackfill(cfg, { from: days[0]!, to: days[2]!, parallel: 2, wait: true });
    for (const date of days) {
      const st = await batchStatus(cfg, date);
      log(
        `${date}: ${st.state}, ${st.totals.requests} requests, ${st.totals.uniqueCustomers} customers, ${st.rejected.total} rejected, by status ${JSON.stringify(st.totals.byStatusCategory)}`,
      );
    }
  } catch (err) {
    if (!stopping) log(`batch backfill failed: ${(err as Error).message}`);
  }
  if (!stopping) {
    console.log(
      `\nDashboard:       ${server.url}/\nTemporal Web UI: ${cfg.temporal.uiUrl}\n${superset}\nPress Ctrl-C to stop the event producer, ${streamStarted ? 'the stream, ' : ''}${ads ? 'the ad producer, ' : ''}${ads?.streamStarted ? 'the ads stream, ' : ''}the dashboard, the workers${started.length ? ` and the services this demo started (${started.join(', ')})` : ''}.\n`,
    );
  }
  await workers.done;
  if (started.length)
    await down(
      services.filter((s) => started.includes(s.name)),
      mk,
    );
  log('stopped');
}

/** Start the stream (resuming its checkpoint); false when one is already running (then it is left running). */
async function startStream(cfg: ReturnType<typeof loadConfig>): Promise<boolean> {
  try {
    log(`stream started: ${await streamStart(cfg, { intervalMs: 5000 })}`);
    return true;
  } catch (err) {
    if (!(err instanceof BadInputError)) throw err;
    if (/already running/.test(err.message)) {
      log(`stream already running (left running at exit): ${workflowUrl(cfg.temporal, cfg.stream.workflowId)}`);
      return false;
    }
    log(`${err.message} — starting from scratch`);
    log(`stream started: ${await streamStart(cfg, { intervalMs: 5000 }, true)}`);
    return true;
  }
}

/** Send the stop Update and wait (up to 60 s) for the stream to finish its micro-batch and close. */
async function stopStream(cfg: ReturnType<typeof loadConfig>): Promise<void> {
  try {
    await streamCommand(cfg, 'stop');
    const client = await connectTemporal(cfg.temporal);
    try {
      await Promise.race([client.workflow.getHandle(cfg.stream.workflowId).result(), sleep(60_000)]);
    } finally {
      await client.connection.close();
    }
    log('stream stopped (its checkpoint resumes on the next start)');
  } catch (err) {
    log(`stream stop failed: ${(err as Error).message}`);
  }
}

/** Serve the dashboard on SERVE_PORT, or on a free port when that one is taken. */
async function serveDashboard(cfg: ReturnType<typeof loadConfig>): Promise<RunningServer> {
  try {
    return await startServe(cfg);
  } catch (err) {
    if (!(err instanceof BadInputError) || !/in use/.test(err.message)) throw err;
    log(`${err.message}; serving on a free port instead`);
    return startServe(cfg, { port: 0 });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof ServiceStartError ? `[demo] services failed: ${err.message}` : err);
    process.exit(1);
  },
);
