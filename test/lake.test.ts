/**
 * The lake catalog's user side on the real services: the batch DAG (Temporal) registers each date's `weblogs`
 * partitions once the date is complete; `viewership lake ls|query|ddl` read them back. DuckDB (`lake query`
 * and the printed duckdb DDL) and Spark SQL with a Hive metastore (the printed hive and spark DDL) must see
 * exactly the registered rows, and nothing of files or directories that are in the lake but not registered.
 * The catalog is scoped by lake root (LAKE_DIR), so this file's own temporary lake never meets other tests'.
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { partitionFingerprint } from '../adapters/catalog/postgres.js';
import type { CatalogPartition } from '../adapters/catalog/types.js';
import { batchWorkflowId, type BatchDayResult } from '../common/batch.js';
import { createLakeCatalog } from '../lib/clients.js';
import { withDuckDb } from '../lib/batch/duckdb.js';
import { generateWeblogLines } from '../lib/generate/weblogs.js';
import { connectTemporal } from '../lib/temporal.js';
import { startWorkers } from '../workers/run.js';
import { testConfig, uniqueName } from './helpers.js';
import { ensureSpark, sparkSql } from './spark.js';
import { batchDay } from '../workflows/batch.js';

const root = mkdtempSync(`${tmpdir()}/viewership-lake-`);
const queue = uniqueName('lake-test');
const env = {
  LANDING_DIR: `${root}/landing`,
  LAKE_DIR: `${root}/lake`,
  WORK_DIR: `${root}/work`,
  QUARANTINE_DIR: `${root}/quarantine`,
  TASK_QUEUE_BATCH: queue,
  SEARCH_INDEX_PREFIX: 'viewership-test',
};
const cfg = testConfig(env);
// Dates of their own (batch workflow ids and batch-view documents are per date): random days far ahead.
const DAY = 86_400_000;
const day0 = Date.parse('2045-01-01T00:00:00Z') + Math.floor(Math.random() * 5000) * DAY;
const [D1, D2, D3] = [0, 1, 2].map((i) => new Date(day0 + i * DAY).toISOString().slice(0, 10)) as [
  string,
  string,
  string,
];

const cli = (...args: string[]) =>
  execFileSync('node', ['bin/viewership.mjs', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
const cliFails = (...args: string[]) =>
  spawnSync('node', ['bin/viewership.mjs', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const partsOf = (date: string): CatalogPartition[] =>
  (JSON.parse(cli('lake', 'ls', '--table', 'weblogs', '--json')) as CatalogPartition[]).filter(
    (p) => p.values.date === date,
  );
/** Rows per registered partition, as the catalog says. */
const catalogRows = async (): Promise<Record<string, number>> => {
  const c = createLakeCatalog(cfg);
  try {
    return Object.fromEntries((await c.list({ table: 'weblogs' })).map((p) => [p.path, p.rows]));
  } finally {
    await c.close();
  }
};

/** Per-partition figures a query engine computes over `weblogs` (rows, bytes, customers, first event). */
const STATS = (table: string, engine: 'duckdb' | 'spark' = 'duckdb') => {
  const [q, us] = engine === 'duckdb' ? ['"', 'epoch_us'] : ['`', 'unix_micros'];
  const [d, h] = [`${q}date${q}`, `${q}hour${q}`];
  return `SELECT ${d}, ${h}, count(*) AS n, sum(bytes_sent) AS b, count(DISTINCT customer_id) AS c, ${us}(min(event_time)) AS t FROM ${table} GROUP BY ${d}, ${h} ORDER BY ${d}, ${h}`;
};
type Stats = Record<string, { n: number; b: number; c: number; t: number }>;
const statsOf = (rows: { date: string; hour: string; n: unknown; b: unknown; c: unknown; t: unknown }[]): Stats =>
  Object.fromEntries(
    rows.map((r) => [
      `date=${r.date}/hour=${r.hour}`,
      { n: Number(r.n), b: Number(r.b), c: Number(r.c), t: Number(r.t) },
    ]),
  );

function land(date: string, name: string, format: 'csv' | 'combined', rows: number, seed: number): void {
  const lines = [...generateWeblogLines({ date, rows, format, badRate: 0.01, customers: 200, seed })];
  mkdirSync(`${env.LANDING_DIR}/${date}`, { recursive: true });
  writeFileSync(`${env.LANDING_DIR}/${date}/${name}`, `${lines.join('\n')}\n`);
}

describe('lake catalog: batch registration, lake ls/query/ddl, DuckDB and Spark see the registered rows', () => {
  let client: Client;
  let workers: { stop: () => Promise<void> };
  const runs: Record<string, { runId: string; result: BatchDayResult }> = {};
  let duckStats: Stats;

  const runDay = async (date: string) => {
    const handle = await client.workflow.start(batchDay, {
      taskQueue: queue,
      workflowId: batchWorkflowId(date),
      args: [{ date, rejectThreshold: 0.05 }],
    });
    const result = (await handle.result()) as BatchDayResult;
    return (runs[date] = { runId: handle.firstExecutionRunId, result });
  };

  beforeAll(async () => {
    land(D1, 'a.csv', 'csv', 3000, 41);
    land(D2, 'b.log', 'combined', 1500, 42);
    client = await connectTemporal(cfg.temporal);
    workers = await startWorkers(cfg, ['batch']);
  });

  afterAll(async () => {
    await workers?.stop();
    await client?.connection.close();
    // Leave no registrations of this temporary lake behind in the shared catalog database.
    const c = createLakeCatalog(cfg);
    for (const d of [D1, D2, D3]) await c.register('weblogs', [], 'test-cleanup', { date: d }).catch(() => undefined);
    await c.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('the batch DAG registers each complete date: every hour, its files with rows, bytes and hashes, and the producing run', async () => {
    for (const d of [D1, D2]) await runDay(d);
    for (const d of [D1, D2]) {
      const parts = partsOf(d);
      const dir = `${env.LAKE_DIR}/weblogs/date=${d}`;
      expect(parts.map((p) => p.path)).toEqual(
        readdirSync(dir)
          .sort()
          .map((h) => `date=${d}/${h}`),
      );
      expect(parts.length).toBeGreaterThan(20);
      for (const p of parts) {
        expect(p.files.map((f) => f.path)).toEqual(
          readdirSync(`${env.LAKE_DIR}/weblogs/${p.path}`).map((f) => `${p.path}/${f}`),
        );
        for (const f of p.files) expect(f.sha256).toBe(sha256(`${env.LAKE_DIR}/weblogs/${f.path}`));
        expect(p.fingerprint).toBe(partitionFingerprint(p.files));
        expect(p.producer).toBe(`${batchWorkflowId(d)}/${runs[d]!.runId}`);
      }
      expect(parts.reduce((n, p) => n + p.rows, 0)).toBe(runs[d]!.result.report.valid);
    }
    // Text output: one line per partition and a total.
    const text = cli('lake', 'ls');
    expect(text).toMatch(/^table +partition +files +rows +bytes +registered_at +producer\n/);
    expect(text).toContain(`weblogs  date=${D1}/hour=00`);
    expect(text.trim().split('\n').at(-1)).toMatch(
      new RegExp(`^\\(\\d+ partitions, ${runs[D1]!.result.report.valid + runs[D2]!.result.report.valid} rows\\)$`),
    );
  });

  it('the registration steps sit around the DAG: withdraw before the partition step, register after the index step', async () => {
    const history = await client.workflow.getHandle(batchWorkflowId(D1), runs[D1]!.runId).fetchHistory();
    const activities = (history.events ?? []).flatMap((e) =>
      e.activityTaskScheduledEventAttributes?.activityType?.name
        ? [e.activityTaskScheduledEventAttributes.activityType.name]
        : [],
    );
    const at = (name: string) => activities.indexOf(name);
    expect(at('withdrawLakePartitions')).toBeGreaterThan(-1);
    expect(at('withdrawLakePartitions')).toBeLessThan(at('writeLakePartition'));
    expect(at('registerLakePartitions')).toBeGreaterThan(at('indexDailyAggregates'));
    expect(activities.at(-1)).toBe('registerLakePartitions');
  });

  it('lake query reads exactly the registered partitions: not a stray file in a registered hour, nor an unregistered date', async () => {
    const first = readdirSync(`${env.LAKE_DIR}/weblogs/date=${D1}`).sort()[0]!;
    copyFileSync(
      `${env.LAKE_DIR}/weblogs/date=${D1}/${first}/part-0.parquet`,
      `${env.LAKE_DIR}/weblogs/date=${D1}/${first}/part-9.parquet`,
    );
    mkdirSync(`${env.LAKE_DIR}/weblogs/date=${D3}/hour=00`, { recursive: true });
    copyFileSync(
      `${env.LAKE_DIR}/weblogs/date=${D1}/${first}/part-0.parquet`,
      `${env.LAKE_DIR}/weblogs/date=${D3}/hour=00/part-0.parquet`,
    );

    const rows = JSON.parse(cli('lake', 'query', '--json', STATS('weblogs')));
    duckStats = statsOf(rows);
    expect(Object.fromEntries(Object.entries(duckStats).map(([k, v]) => [k, v.n]))).toEqual(await catalogRows());
    expect(JSON.parse(cli('lake', 'query', '--json', 'SELECT count(*) AS n FROM weblogs'))).toEqual([
      { n: runs[D1]!.result.report.valid + runs[D2]!.result.report.valid },
    ]);
    // web_events has nothing registered in this lake: an empty view with its columns, not an error.
    expect(
      JSON.parse(cli('lake', 'query', '--json', 'SELECT count(*) AS n, count(kafka_offset) AS o FROM web_events')),
    ).toEqual([{ n: 0, o: 0 }]);
    expect(
      cli(
        'lake',
        'query',
        `SELECT hour, count(*) AS n FROM weblogs WHERE date = '${D2}' AND hour = '00' GROUP BY hour`,
      ),
    ).toMatch(/^hour +n\n-+ +-+\n00 +\d+\n\(1 row\)\n$/);
  });

  it('the printed duckdb DDL, run in a fresh DuckDB, sees the same rows', async () => {
    const ddl = cli('lake', 'ddl', '--dialect', 'duckdb');
    const stats = await withDuckDb({ memoryLimit: '512MB', threads: 1, tempDir: `${root}/duck-tmp` }, async (db) => {
      await db.run(ddl);
      return statsOf(await db.rows(STATS('weblogs')));
    });
    expect(stats).toEqual(duckStats);
  });

  it('re-running a date replaces its registration with the new run (same content, same fingerprints)', async () => {
    const before = partsOf(D1);
    await runDay(D1);
    const after = partsOf(D1);
    expect(after.map((p) => [p.path, p.fingerprint, p.rows])).toEqual(
      before.map((p) => [p.path, p.fingerprint, p.rows]),
    );
    for (const p of after) expect(p.producer).toBe(`${batchWorkflowId(D1)}/${runs[D1]!.runId}`);
    expect(after[0]!.producer).not.toBe(before[0]!.producer);
    // The re-run rewrote the date's directory: the stray file is gone, and the query agrees with the catalog again.
    expect(statsOf(JSON.parse(cli('lake', 'query', '--json', STATS('weblogs'))))).toEqual(duckStats);
  });

  it('operator errors are one clear line and a non-zero exit', () => {
    for (const [args, message] of [
      [
        ['lake', 'ls', '--table', 'nope'],
        /--table must be one of weblogs, web_events, orders, ad_views_report \(got "nope"\)/,
      ],
      [['lake', 'ddl', '--dialect', 'oracle'], /--dialect must be one of duckdb, hive, spark/],
      [['lake', 'query', 'SELEC 1'], /lake query failed: Parser Error: syntax error at or near "SELEC"/],
      [['lake', 'query', 'SELECT nope FROM weblogs'], /lake query failed: Binder Error/],
    ] as const) {
      const r = cliFails(...args);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });

  it(
    'the printed hive and spark DDL, run by Spark SQL with a Hive metastore, see exactly the registered rows',
    { timeout: 15 * 60_000 },
    async () => {
      const installMs = await ensureSpark((m) => console.error(`[lake.test] ${m}`));
      if (installMs) console.error(`[lake.test] pyspark installed in ${(installMs / 1000).toFixed(1)} s`);
      // A stray file inside a registered hour WOULD be read by Hive/Spark (they read partition directories):
      // the lake writers never leave one (the re-run above removed the test's). Unregistered directories are not read.
      expect(existsSync(`${env.LAKE_DIR}/weblogs/date=${D3}/hour=00/part-0.parquet`)).toBe(true);
      const hive = cli('lake', 'ddl', '--dialect', 'hive', '--database', 'lake_hive');
      const sparkBefore = cli('lake', 'ddl', '--dialect', 'spark', '--database', 'lake_spark');
      // Withdraw one partition, then print the spark DDL again with --replace: applied after the first, the
      // engine must drop the withdrawn partition (and keep the lake's files: the tables are external).
      const withdrawn = `date=${D2}/hour=00`;
      const c = createLakeCatalog(cfg);
      try {
        expect(await c.unregister('weblogs', [withdrawn])).toBe(1);
      } finally {
        await c.close();
      }
      const sparkAfter = cli('lake', 'ddl', '--dialect', 'spark', '--database', 'lake_spark', '--replace');
      const t0 = Date.now();
      const out = await sparkSql(
        [
          hive,
          sparkBefore,
          sparkAfter,
          `SELECT 'hive', * FROM (${STATS('lake_hive.weblogs', 'spark')});`,
          `SELECT 'spark', * FROM (${STATS('lake_spark.weblogs', 'spark')});`,
          `SELECT 'web_events', count(*) FROM lake_spark.web_events;`,
        ].join('\n'),
        `${root}/spark`,
      );
      console.error(`[lake.test] spark-sql ran the DDL and queries in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const engine = (name: string): Stats =>
        statsOf(
          out
            .filter((r) => r[0] === name)
            .map(([, date, hour, n, b, cc, t]) => ({ date: date!, hour: hour!, n, b, c: cc, t })),
        );
      expect(engine('hive')).toEqual(duckStats);
      const { [withdrawn]: gone, ...rest } = duckStats;
      expect(gone).toBeDefined();
      expect(engine('spark')).toEqual(rest);
      expect(Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, v.n]))).toEqual(await catalogRows());
      expect(out.filter((r) => r[0] === 'web_events')).toEqual([['web_events', '0']]);
      expect(existsSync(`${env.LAKE_DIR}/weblogs/${withdrawn}/part-0.parquet`)).toBe(true);
    },
  );
});
