/**
 * `npm run demo`: the main job end to end on local defaults. Installs and starts every service, starts the
 * workers in this process, proves each task queue with a real health workflow, generates profiles and the
 * last three days of web logs, runs the batch DAG for those days (a backfill), applies the Schedules,
 * prints each day's batch view and the Temporal UI address, and runs until Ctrl-C — then stops the workers
 * and the services it started.
 */
import { existsSync } from 'node:fs';
import { createProfilesStore } from '../adapters/profiles/index.js';
import { batchBackfill, batchStatus } from '../cli/batch.js';
import { generateProfiles, generateWeblogs } from '../cli/generate.js';
import { applySchedules } from '../cli/schedule.js';
import { loadConfig, effectiveEnv } from '../lib/config.js';
import { connectTemporal, workflowUrl } from '../lib/temporal.js';
import { startWorkers } from '../workers/run.js';
import type { SystemHealthReport } from '../workflows/health.js';
import { contexts } from './services/cli.js';
import { down, ServiceStartError, up } from './services/manager.js';
import { selectServices } from './services/registry.js';

const log = (m: string) => console.error(`[demo] ${m}`);

async function main(): Promise<void> {
  const services = await selectServices([], process.env);
  const mk = contexts();
  const t0 = Date.now();
  const { started } = await up(services, mk);
  log(`services ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const cfg = loadConfig(effectiveEnv());

  const workers = await startWorkers(cfg, ['batch', 'stream']);
  log('workers polling: viewership-batch, viewership-stream');

  const client = await connectTemporal(cfg.temporal);
  for (const taskQueue of Object.values(cfg.temporal.taskQueues)) {
    const workflowId = `health-${taskQueue}-${Date.now()}`;
    const r = await client.workflow.execute<() => Promise<SystemHealthReport>>('systemHealth', { taskQueue, workflowId });
    log(`${taskQueue}: Kafka ${JSON.stringify(r.kafka.topics)}, ${r.search.engine} ${r.search.version}, ${r.profiles.store} (${r.profiles.profiles} profiles) — ${workflowUrl(cfg.temporal, workflowId)}`);
  }
  await client.connection.close();

  // Sample data: profiles and the last three days of logs (CSV and gzip combined format, 1 % bad rows).
  const CUSTOMERS = 5000;
  const store = createProfilesStore(cfg.profiles);
  const existing = await store.count();
  await store.close();
  if (existing < CUSTOMERS) await generateProfiles(cfg, { count: CUSTOMERS, seed: 1 });
  const days = [3, 2, 1].map((n) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10));
  for (const [i, date] of days.entries()) {
    if (existsSync(`${cfg.paths.landingDir}/${date}`)) continue;
    await generateWeblogs(cfg, { date, rows: 100_000, format: 'csv', badRate: 0.01, gzip: false, seed: 10 + i, customers: CUSTOMERS });
    await generateWeblogs(cfg, { date, rows: 30_000, format: 'combined', badRate: 0.01, gzip: true, seed: 20 + i, customers: CUSTOMERS });
  }
  log(`batch backfill ${days[0]} … ${days[2]}`);
  await batchBackfill(cfg, { from: days[0]!, to: days[2]!, parallel: 2, wait: true });
  for (const date of days) {
    const s = await batchStatus(cfg, date);
    log(`${date}: ${s.state}, ${s.totals.requests} requests, ${s.totals.uniqueCustomers} customers, ${s.rejected.total} rejected, by status ${JSON.stringify(s.totals.byStatusCategory)}`);
  }
  for (const s of await applySchedules(cfg)) log(`schedule ${s.id} ${s.action}; next run ${s.nextRuns[0]}`);

  console.log(`\nTemporal Web UI: ${cfg.temporal.uiUrl}\nPress Ctrl-C to stop the workers${started.length ? ` and the services this demo started (${started.join(', ')})` : ''}.\n`);
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    log('stopping...');
    void workers.stop();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  await workers.done;
  if (started.length) await down(services.filter((s) => started.includes(s.name)), mk);
  log('stopped');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof ServiceStartError ? `[demo] services failed: ${err.message}` : err);
    process.exit(1);
  },
);
