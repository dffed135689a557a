/**
 * `npm run bench:batch` — one day of web logs (default 10M rows, ~1.9 GB CSV; generated once and cached under
 * .bench-cache/) through the real batch DAG (land → validate → partition → aggregate → index → register) on a
 * worker process, reporting wall time, MB/s, rows/s, the worker's peak RSS and CPU seconds; then, in the same
 * run, the DuckDB-alone baseline (the same data work without validation: CSV → Hive-partitioned Parquet → the
 * day's aggregates, see {@link duckdbAloneBaseline}) and a raw DuckDB scan for reference, with the load average
 * (the machine is shared). BENCH_ROWS overrides the size; each size lands fresh when the size changes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename } from 'node:path';
import { once } from 'node:events';
import { cpus, loadavg, totalmem } from 'node:os';
import { DuckDBInstance } from '@duckdb/node-api';
import { createPostgresProfilesStore } from '../../adapters/profiles/postgres.js';
import { batchWorkflowId, type BatchDayResult } from '../../common/batch.js';
import { batchDay } from '../../workflows/batch.js';
import { computeAggregates, loadProfileSnapshot, loadStatusTable } from '../../lib/batch/aggregate.js';
import { withDuckDb } from '../../lib/batch/duckdb.js';
import { loadStatusReference } from '../../lib/status-reference.js';
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
  LANDING_DIR: `${cache}/landing`,
  WORK_DIR: `${cache}/work`,
  LAKE_DIR: `${cache}/lake`,
  QUARANTINE_DIR: `${cache}/quarantine`,
  TASK_QUEUE_BATCH: 'bench-batch',
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
  for (const line of generateWeblogLines({
    date: DATE,
    rows: ROWS,
    format: 'csv',
    badRate: 0.01,
    customers: CUSTOMERS,
    seed: 42,
  })) {
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

/**
 * The DuckDB-alone baseline (issue 11): the same data work as the DAG without validation, in one DuckDB session
 * with the worker's limits — read the landed CSV (bad rows skipped by DuckDB's own parser), derive the lake's
 * columns (hour, content id, status category), write the date's Hive-partitioned Parquet in one
 * `COPY … PARTITION_BY (hour)`, then compute the batch view's documents with the DAG's own `computeAggregates`
 * (profile snapshot and status table loaded as the aggregate step does). No validation and no row order kept;
 * the device class is computed once per distinct user agent (a first pass reads that column only, then a
 * join): the DAG caches it the same way, and the seven regular expressions per row would cost DuckDB ~5 CPU-s
 * per 3M rows. Returns its wall and CPU time.
 */
async function duckdbAloneBaseline(
  file: string,
  cfg: ReturnType<typeof loadConfig>,
): Promise<{ ms: number; cpuMs: number; copyMs: number; aggMs: number; docs: number; rows: number }> {
  const out = `${cache}/baseline-lake/weblogs/date=${DATE}`;
  rmSync(`${cache}/baseline-lake`, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const store = createPostgresProfilesStore(
    (cfg.profiles as Extract<typeof cfg.profiles, { store: 'postgres' }>).postgres,
  );
  const ref = loadStatusReference(cfg.paths.statusReference);
  const settings = {
    memoryLimit: cfg.batch.duckdbMemoryLimit,
    threads: cfg.batch.duckdbThreads,
    tempDir: `${cache}/work/duckdb-tmp`,
  };
  const csvOptions = `header = true, auto_detect = false, ignore_errors = true, strict_mode = false,
    columns = {'event_time': 'TIMESTAMPTZ', 'customer_id': 'VARCHAR', 'session_id': 'VARCHAR', 'ip': 'VARCHAR', 'method': 'VARCHAR', 'path': 'VARCHAR',
               'http_status': 'SMALLINT', 'bytes_sent': 'VARCHAR', 'response_ms': 'VARCHAR', 'user_agent': 'VARCHAR', 'referrer': 'VARCHAR'}`;
  // deviceFromUserAgent in SQL, evaluated once per distinct user agent (a first, narrow pass over the CSV).
  const ua = 'lower(user_agent)';
  const device = `CASE WHEN coalesce(user_agent, '') IN ('', '-') THEN 'other'
    WHEN regexp_matches(${ua}, 'bot|crawler|spider|curl|wget|python-requests') THEN 'bot'
    WHEN regexp_matches(${ua}, 'smart-?tv|hbbtv|appletv|roku|tizen|webos|bravia|chromecast|firetv|aft[a-z]') THEN 'tv'
    WHEN regexp_matches(${ua}, 'playstation|xbox|nintendo') THEN 'console'
    WHEN regexp_matches(${ua}, 'ipad|tablet') THEN 'tablet'
    WHEN regexp_matches(${ua}, 'mobile|iphone|android') THEN 'mobile'
    WHEN regexp_matches(${ua}, 'windows|macintosh|x11|linux|cros') THEN 'desktop' ELSE 'other' END`;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const cpu = () => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  try {
    return await withDuckDb(settings, async (db) => {
      await db.run('SET preserve_insertion_order = false'); // row order is not needed here
      await db.run(
        `CREATE TEMP TABLE ua AS SELECT user_agent, ${device} AS device FROM (SELECT DISTINCT user_agent FROM read_csv(${sqlLiteral(file)}, ${csvOptions}))`,
      );
      await db.run(`COPY (
        SELECT event_time, if(customer_id = '-', '', customer_id) AS customer_id, session_id, ip, method, path, http_status, coalesce(try_cast(bytes_sent AS BIGINT), 0) AS bytes_sent,
               coalesce(try_cast(response_ms AS BIGINT), 0) AS response_ms, user_agent, referrer, coalesce(ua.device, 'other') AS device,
               regexp_extract(path, '^/(?:watch|video|play)/([A-Za-z0-9_-]{1,64})', 1) AS content_id,
               substr(http_status::VARCHAR, 1, 1) || 'xx' AS status_category, ${sqlLiteral(basename(file))} AS source_file,
               lpad(hour(event_time AT TIME ZONE 'UTC')::VARCHAR, 2, '0') AS hour
        FROM read_csv(${sqlLiteral(file)}, ${csvOptions}) LEFT JOIN ua USING (user_agent)
        WHERE event_time >= ${sqlLiteral(`${DATE}T00:00:00Z`)}::TIMESTAMPTZ AND event_time < ${sqlLiteral(`${DATE}T00:00:00Z`)}::TIMESTAMPTZ + INTERVAL 1 DAY
      ) TO ${sqlLiteral(out)} (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (hour), FILENAME_PATTERN 'part-{i}', OVERWRITE_OR_IGNORE)`);
      const copyMs = performance.now() - t0;
      await loadProfileSnapshot(db, store);
      await loadStatusTable(db, ref);
      const docs = await computeAggregates(db, {
        date: DATE,
        partitionDir: out,
        fingerprint: 'baseline',
        report: { files: 1, rows: 0, valid: 0, rejected: 0, byReason: {} },
        landedFiles: 1,
      });
      const ms = performance.now() - t0;
      const cpuMs = cpu();
      const total = docs.find((d) => d.doc.kind === 'total');
      return { ms, cpuMs, copyMs, aggMs: ms - copyMs, docs: docs.length, rows: Number(total?.doc.requests ?? 0) };
    });
  } finally {
    await store.close();
  }
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

/** CPU seconds (user + system, all threads) the process `pid` has used so far. */
function cpuS(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
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
  const store = createPostgresProfilesStore(
    (cfg.profiles as Extract<typeof cfg.profiles, { store: 'postgres' }>).postgres,
  );
  if ((await store.count()) < CUSTOMERS) {
    log(`loading ${CUSTOMERS} profiles`);
    for (let i = 1; i <= CUSTOMERS; i += 5000)
      await store.upsert(Array.from({ length: 5000 }, (_, k) => generateProfile(i + k, 1)));
  }
  await store.close();
  const file = await ensureInput();
  const mb = statSync(file).size / 1e6;

  const worker = spawn('node', ['bin/viewership.mjs', 'worker', '--queue', 'batch'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let workerErr = '';
  worker.stderr.on('data', (d) => (workerErr += d));
  while (!workerErr.includes('polling task queues')) await sleep(200);
  const client = await connectTemporal(cfg.temporal);
  let peakKb = 0;
  const sampler = setInterval(() => (peakKb = Math.max(peakKb, rssKb(worker.pid!, 'VmRSS'))), 200);
  const cpu0 = cpuS(worker.pid!);
  const t0 = performance.now();
  const result: BatchDayResult = await client.workflow.execute(batchDay, {
    taskQueue: env.TASK_QUEUE_BATCH,
    workflowId: batchWorkflowId(DATE),
    args: [{ date: DATE, rejectThreshold: 0.05 }],
  });
  const wallMs = performance.now() - t0;
  clearInterval(sampler);
  peakKb = Math.max(peakKb, rssKb(worker.pid!, 'VmHWM'));
  const workerCpuS = cpuS(worker.pid!) - cpu0;
  worker.kill('SIGTERM');
  await once(worker, 'close');
  await client.connection.close();

  const load = loadavg().map((x) => Number(x.toFixed(2)));
  log('baseline: DuckDB alone, same data work without validation (CSV -> Hive-partitioned Parquet -> day aggregates)');
  const alone = await duckdbAloneBaseline(file, cfg);
  log('reference: raw DuckDB scan-and-group of the same file');
  const baseMs = await duckdbBaseline(file);
  const loadAfter = loadavg().map((x) => Number(x.toFixed(2)));
  const figures = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    rows: result.report.rows,
    inputMB: Number(mb.toFixed(1)),
    wallS: Number((wallMs / 1000).toFixed(2)),
    mbPerS: Number((mb / (wallMs / 1000)).toFixed(1)),
    rowsPerS: Math.round(result.report.rows / (wallMs / 1000)),
    workerPeakRssMB: Math.round(peakKb / 1024),
    workerCpuS: Number(workerCpuS.toFixed(1)),
    stepsS: Object.fromEntries(Object.entries(result.timingsMs).map(([k, v]) => [k, Number((v / 1000).toFixed(2))])),
    loadAverageAfterDag: load,
    loadAverageAfterBaselines: loadAfter,
    duckdbAlone: {
      wallS: Number((alone.ms / 1000).toFixed(2)),
      csvToParquetS: Number((alone.copyMs / 1000).toFixed(2)),
      aggregateS: Number((alone.aggMs / 1000).toFixed(2)),
      mbPerS: Number((mb / (alone.ms / 1000)).toFixed(1)),
      cpuS: Number((alone.cpuMs / 1000).toFixed(1)),
      rows: alone.rows,
      documents: alone.docs,
    },
    cpuRatioToDuckdbAlone: Number((workerCpuS / (alone.cpuMs / 1000)).toFixed(2)),
    ratioToDuckdbAlone: Number((wallMs / alone.ms).toFixed(2)),
    rawScanS: Number((baseMs / 1000).toFixed(2)),
    ratioToRawScan: Number((wallMs / baseMs).toFixed(2)),
  };
  writeFileSync(`${cache}/result.json`, JSON.stringify(figures, null, 2));
  console.log(JSON.stringify(figures, null, 2));
  console.log(
    `targets: >= 100 MB/s end to end: ${figures.mbPerS >= 100 ? 'met' : 'MISSED'}; <= 1.5x DuckDB alone: ${figures.ratioToDuckdbAlone <= 1.5 ? 'met' : 'MISSED'}; peak RSS <= 1.5 GB: ${figures.workerPeakRssMB <= 1536 ? 'met' : 'MISSED'}`,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
