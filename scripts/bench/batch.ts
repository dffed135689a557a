/**
 * `npm run bench:batch` — one day of web logs (default 10M rows, ~1.3 GB CSV; generated once and cached under
 * .bench-cache/) through the real batch DAG (land → validate → partition → aggregate → index) on a worker
 * process, reporting wall time, MB/s, rows/s and the worker's peak RSS; in the same run, a raw DuckDB
 * scan-and-group of the same file as the baseline. BENCH_ROWS overrides the size.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, totalmem } from 'node:os';
import { DuckDBInstance } from '@duckdb/node-api';
import { createPostgresProfilesStore } from '../../adapters/profiles/postgres.js';
import { batchWorkflowId, type BatchDayResult } from '../../common/batch.js';
import { batchDay } from '../../workflows/batch.js';
import { effectiveEnv, loadConfig, ROOT_DIR } from '../../lib/config.js';
import { sqlLiteral } from '../../lib/fsutil.js';
import { generateProfile } from '../../lib/generate/profiles.js';
import { generateWeblogLines } from '../../lib/generate/weblogs.js';
import { connectTemporal } from '../../lib/temporal.js';
import { contexts } from '../services/cli.js';
import { up } from '../services/manager.js';
import { selectServices } from '../services/registry.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 10_000_000);
const DATE = '2030-01-15';
const CUSTOMERS = 100_000;
const cache = `${ROOT_DIR}/.bench-cache/batch`;
const env = {
  LANDING_DIR: `${cache}/landing`, WORK_DIR: `${cache}/work`, LAKE_DIR: `${cache}/lake`, QUARANTINE_DIR: `${cache}/quarantine`, TASK_QUEUE_BATCH: 'bench-batch',
};
const log = (m: string) => console.error(`[bench:batch] ${m}`);

async function ensureInput(): Promise<string> {
  const dir = `${env.LANDING_DIR}/${DATE}`;
  const file = `${dir}/weblogs-${ROWS}.csv`;
  mkdirSync(dir, { recursive: true });
  // Only this size's file may sit in the bench date (inputs of other BENCH_ROWS sizes are parked aside).
  for (const other of readdirSync(dir).filter((n) => n !== `weblogs-${ROWS}.csv`)) {
    mkdirSync(`${cache}/parked`, { recursive: true });
    renameSync(`${dir}/${other}`, `${cache}/parked/${other}`);
  }
  if (existsSync(`${cache}/parked/weblogs-${ROWS}.csv`)) renameSync(`${cache}/parked/weblogs-${ROWS}.csv`, file);
  if (existsSync(file)) return file;
  log(`generating ${ROWS} rows once into ${file}`);
  const out = createWriteStream(`${file}.part`);
  let buf: string[] = [];
  let n = 0;
  for (const line of generateWeblogLines({ date: DATE, rows: ROWS, format: 'csv', badRate: 0.01, customers: CUSTOMERS, seed: 42 })) {
    buf.push(line);
    if (buf.length === 20_000) {
      if (!out.write(buf.join('\n') + '\n')) await once(out, 'drain');
      buf = [];
      if ((n += 20_000) % 1_000_000 === 0) log(`  ${n / 1e6}M rows`);
    }
  }
  out.end(buf.length ? buf.join('\n') + '\n' : '');
  await once(out, 'finish');
  renameSync(`${file}.part`, file);
  return file;
}

/** Raw DuckDB baseline: scan the CSV and group by status class (no validation, no output files). */
async function duckdbBaseline(file: string): Promise<number> {
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const c = await db.connect();
  const t0 = performance.now();
  await c.run(`SELECT substr(http_status, 1, 1) AS sc, count(*), sum(try_cast(bytes_sent AS BIGINT))
    FROM read_csv(${sqlLiteral(file)}, header = true, all_varchar = true, strict_mode = false, ignore_errors = true) GROUP BY 1`);
  const ms = performance.now() - t0;
  c.closeSync();
  db.closeSync();
  return ms;
}

function rssKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  await up(await selectServices(['postgres', 'temporal', 'opensearch'], process.env), contexts());
  const cfg = loadConfig({ ...effectiveEnv(), ...env });
  const store = createPostgresProfilesStore((cfg.profiles as Extract<typeof cfg.profiles, { store: 'postgres' }>).postgres);
  if ((await store.count()) < CUSTOMERS) {
    log(`loading ${CUSTOMERS} profiles`);
    for (let i = 1; i <= CUSTOMERS; i += 5000) await store.upsert(Array.from({ length: 5000 }, (_, k) => generateProfile(i + k, 1)));
  }
  await store.close();
  const file = await ensureInput();
  const mb = statSync(file).size / 1e6;

  const worker = spawn('node', ['bin/viewership.mjs', 'worker', '--queue', 'batch'], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'pipe'] });
  let workerErr = '';
  worker.stderr.on('data', (d) => (workerErr += d));
  while (!workerErr.includes('polling task queues')) await new Promise((r) => setTimeout(r, 200));
  const client = await connectTemporal(cfg.temporal);
  let peakKb = 0;
  const sampler = setInterval(() => (peakKb = Math.max(peakKb, rssKb(worker.pid!, 'VmRSS'))), 200);
  const t0 = performance.now();
  const result: BatchDayResult = await client.workflow.execute(batchDay, {
    taskQueue: env.TASK_QUEUE_BATCH, workflowId: batchWorkflowId(DATE), args: [{ date: DATE, rejectThreshold: 0.05 }],
  });
  const wallMs = performance.now() - t0;
  clearInterval(sampler);
  peakKb = Math.max(peakKb, rssKb(worker.pid!, 'VmHWM'));
  worker.kill('SIGTERM');
  await once(worker, 'close');
  await client.connection.close();

  log('baseline: raw DuckDB scan-and-group of the same file');
  const baseMs = await duckdbBaseline(file);
  const figures = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    rows: result.report.rows,
    inputMB: Number(mb.toFixed(1)),
    wallS: Number((wallMs / 1000).toFixed(2)),
    mbPerS: Number((mb / (wallMs / 1000)).toFixed(1)),
    rowsPerS: Math.round(result.report.rows / (wallMs / 1000)),
    workerPeakRssMB: Math.round(peakKb / 1024),
    stepsS: Object.fromEntries(Object.entries(result.timingsMs).map(([k, v]) => [k, Number((v / 1000).toFixed(2))])),
    baselineDuckdbScanS: Number((baseMs / 1000).toFixed(2)),
    baselineMbPerS: Number((mb / (baseMs / 1000)).toFixed(1)),
    ratioToBaseline: Number((wallMs / baseMs).toFixed(2)),
  };
  writeFileSync(`${cache}/result.json`, JSON.stringify(figures, null, 2));
  console.log(JSON.stringify(figures, null, 2));
  console.log(`targets: >= 100 MB/s end to end: ${figures.mbPerS >= 100 ? 'met' : 'MISSED'}; <= 2.5x raw scan: ${figures.ratioToBaseline <= 2.5 ? 'met' : 'MISSED'}; peak RSS <= 1.5 GB: ${figures.workerPeakRssMB <= 1536 ? 'met' : 'MISSED'}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
