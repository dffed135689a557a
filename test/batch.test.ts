/**
 * Batch layer end to end on the real services: generated days with injected bad rows of every reason go
 * through the Temporal DAG; quarantine, lake, index and `batch status` are checked against an independent
 * computation over the generated files (csv-parse and a separate log regex, not the pipeline's validator).
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { createSearchSink } from '../adapters/search/index.js';
import { batchWorkflowId, type BatchDayResult } from '../common/batch.js';
import { generateWeblogLines } from '../lib/generate/weblogs.js';
import { generateProfile } from '../lib/generate/profiles.js';
import { createPostgresProfilesStore } from '../adapters/profiles/postgres.js';
import { batchIndex } from '../lib/search-templates.js';
import { connectTemporal } from '../lib/temporal.js';
import { batchBackfill, batchStatus } from '../cli/batch.js';
import { applySchedules, deleteSchedules } from '../cli/schedule.js';
import { startWorkers } from '../workers/run.js';
import { testConfig, uniqueName } from './helpers.js';
import { batchDay, scheduledBatch } from '../workflows/batch.js';

const root = mkdtempSync(`${tmpdir()}/viewership-batch-`);
const queue = uniqueName('batch-test');
const env = {
  LANDING_DIR: `${root}/landing`,
  LAKE_DIR: `${root}/lake`,
  WORK_DIR: `${root}/work`,
  QUARANTINE_DIR: `${root}/quarantine`,
  TASK_QUEUE_BATCH: queue,
  // Own indices, so the demo's batch view on the same engine is never touched by tests.
  SEARCH_INDEX_PREFIX: 'viewership-test',
  // Own Schedule ids: applying them never repoints the real Schedules at this test's task queue.
  SCHEDULE_ID_BATCH: `${queue}-batch-daily`,
  SCHEDULE_ID_PROFILE_CACHE: `${queue}-profile-cache`,
};
const cfg = testConfig(env);
const DATE = '2031-03-04';
const CUSTOMERS = 400;

interface Truth {
  bad: Map<string, string>; // `${file}:${line}` → reason
  files: { name: string; format: 'csv' | 'combined'; text: string }[];
}
const truth: Truth = { bad: new Map(), files: [] };

/** Write a generated file into the landing dir, recording injected bad lines (the generator's own truth). */
function land(
  date: string,
  name: string,
  format: 'csv' | 'combined',
  rows: number,
  badRate: number,
  seed: number,
  gzip = false,
): void {
  const lines = [
    ...generateWeblogLines({ date, rows, format, badRate, customers: CUSTOMERS, seed }, (line, reason) =>
      truth.bad.set(`${name}:${line}`, reason),
    ),
  ];
  const text = lines.join('\n') + '\n';
  mkdirSync(`${env.LANDING_DIR}/${date}`, { recursive: true });
  writeFileSync(`${env.LANDING_DIR}/${date}/${name}`, gzip ? gzipSync(text) : text);
  if (date === DATE) truth.files.push({ name, format, text });
}

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

/** Independent expected totals: good lines only (per the generator's truth), parsed without pipeline code. */
function expectedTotals(known: Set<string>) {
  let requests = 0,
    bytes = 0,
    unknown = 0;
  const customers = new Set<string>(),
    ips = new Set<string>();
  const byCat: Record<string, number> = {};
  const add = (customer: string, ip: string, status: number, b: number) => {
    requests++;
    bytes += b;
    if (customer) customers.add(customer);
    if (!customer || !known.has(customer)) unknown++;
    ips.add(ip);
    const cat = `${String(status)[0]}xx`;
    byCat[cat] = (byCat[cat] ?? 0) + 1;
  };
  for (const f of truth.files) {
    const lines = f.text.split('\n');
    lines.forEach((line, i) => {
      const lineNo = i + 1;
      if (line === '' || truth.bad.has(`${f.name}:${lineNo}`) || (f.format === 'csv' && lineNo === 1)) return;
      if (f.format === 'csv') {
        const [rec] = parse(line) as string[][];
        const [, customer, , ip, , , status, b] = rec!;
        add(customer!, ip!, Number(status), b === '-' || b === '' ? 0 : Number(b));
      } else {
        const m = /^(\S+) \S+ (\S+) \[(\d+)\/(\w+)\/(\d+)[^\]]*\] "[^"]*" (\d+) (\S+)/.exec(line)!;
        expect(MONTHS[m[4]!]).toBeDefined();
        add(m[2] === '-' ? '' : m[2]!, m[1]!, Number(m[6]), m[7] === '-' ? 0 : Number(m[7]));
      }
    });
  }
  return {
    requests,
    bytes,
    uniqueCustomers: customers.size,
    uniqueIps: ips.size,
    unknownCustomerRequests: unknown,
    byStatusCategory: byCat,
  };
}

async function knownCustomers(): Promise<Set<string>> {
  if (cfg.profiles.store !== 'postgres') throw new Error('postgres expected');
  const c = new pg.Client(cfg.profiles.postgres);
  await c.connect();
  const r = await c.query('SELECT customer_id FROM customer_profiles');
  await c.end();
  return new Set(r.rows.map((x) => x.customer_id as string));
}

async function runDay(client: Client, date: string, extra: Record<string, unknown> = {}): Promise<BatchDayResult> {
  return client.workflow.execute(batchDay, {
    taskQueue: queue,
    workflowId: batchWorkflowId(date),
    args: [{ date, rejectThreshold: 0.05, ...extra }],
  });
}

async function dayDocs(date: string): Promise<{ id: string; source: unknown }[]> {
  const sink = createSearchSink(cfg.search);
  try {
    const r = await sink.search(batchIndex(cfg.search.indexPrefix), {
      query: { term: { date } },
      size: 10_000,
      sort: [{ _id: 'asc' } as never],
    });
    return r.hits;
  } finally {
    await sink.close();
  }
}

function lakeHashes(date: string): Record<string, string> {
  const dir = `${env.LAKE_DIR}/weblogs/date=${date}`;
  const out: Record<string, string> = {};
  for (const h of readdirSync(dir).sort())
    for (const f of readdirSync(`${dir}/${h}`))
      out[`${h}/${f}`] = createHash('sha256')
        .update(readFileSync(`${dir}/${h}/${f}`))
        .digest('hex');
  return out;
}

describe('batch layer: daily DAG on Temporal', () => {
  let client: Client;
  let workers: { stop: () => Promise<void> };

  beforeAll(async () => {
    // Profiles C000001..C000300 exist; logs also use C000301..C000400 and beyond (unknown customers).
    const store = createPostgresProfilesStore(
      (cfg.profiles as Extract<typeof cfg.profiles, { store: 'postgres' }>).postgres,
    );
    await store.upsert(Array.from({ length: 300 }, (_, i) => generateProfile(i + 1, 1)));
    await store.close();
    land(DATE, 'a.csv', 'csv', 6000, 0.03, 11);
    land(DATE, 'b.log.gz', 'combined', 3000, 0.03, 12, true);
    client = await connectTemporal(cfg.temporal);
    workers = await startWorkers(cfg, ['batch']);
  });

  afterAll(async () => {
    await workers?.stop();
    await client?.connection.close();
  });

  let first: BatchDayResult;
  let firstDocs: { id: string; source: unknown }[];
  let firstLake: Record<string, string>;

  it('quarantines exactly the injected bad rows, with file, line and reason', async () => {
    first = await runDay(client, DATE);
    expect(first.report.files).toBe(2);
    const quarantined = new Map<string, string>();
    const qdir = `${env.QUARANTINE_DIR}/date=${DATE}`;
    for (const f of readdirSync(qdir)) {
      const rows = parse(readFileSync(`${qdir}/${f}`), { columns: true }) as {
        file: string;
        line: string;
        reason: string;
        raw: string;
      }[];
      for (const r of rows) quarantined.set(`${r.file}:${r.line}`, r.reason);
    }
    expect(quarantined).toEqual(truth.bad);
    expect(new Set(truth.bad.values()).size).toBe(7); // every reason present
    expect(first.report.rejected).toBe(truth.bad.size);
  });

  it('batch status (CLI, --json) prints the index totals, equal to an independent computation', async () => {
    const expected = expectedTotals(await knownCustomers());
    const out = execFileSync('node', ['bin/viewership.mjs', 'batch', 'status', '--date', DATE, '--json'], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    const status = JSON.parse(out);
    expect(Object.keys(status)).toEqual(['date', 'state', 'landed', 'valid', 'rejected', 'totals']);
    const byReason: Record<string, number> = {};
    for (const r of truth.bad.values()) byReason[r] = (byReason[r] ?? 0) + 1;
    expect(status).toEqual({
      date: DATE,
      state: 'completed',
      landed: { files: 2, rows: 9000 },
      valid: 9000 - truth.bad.size,
      rejected: { total: truth.bad.size, byReason },
      totals: expected,
    });
    expect(status.totals.unknownCustomerRequests).toBeGreaterThan(0);
    firstDocs = await dayDocs(DATE);
    firstLake = lakeHashes(DATE);
    expect(firstDocs.length).toBe(first.documents);
    expect(Object.keys(firstLake).length).toBe(first.lakeFiles);
  });

  it('re-running the date gives identical index documents and lake files', async () => {
    const again = await runDay(client, DATE);
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(await dayDocs(DATE)).toEqual(firstDocs);
    expect(lakeHashes(DATE)).toEqual(firstLake);
  });

  it('a late file reprocesses the date: new totals, no stale or duplicate documents', async () => {
    land(DATE, 'c-late.csv', 'csv', 1500, 0, 13);
    const third = await runDay(client, DATE);
    expect(third.fingerprint).not.toBe(first.fingerprint);
    const s = await batchStatus(cfg, DATE);
    expect(s.landed).toEqual({ files: 3, rows: 10_500 });
    expect(s.totals).toEqual(expectedTotals(await knownCustomers()));
    const docs = await dayDocs(DATE);
    expect(docs.length).toBe(third.documents);
    expect(new Set(docs.map((d) => d.id)).size).toBe(docs.length);
  });

  it('fails non-retryably with the report when the rejected share passes the threshold', async () => {
    const date = '2031-03-10';
    land(date, 'bad.csv', 'csv', 1000, 0.2, 21);
    const err = await runDay(client, date).then(
      () => undefined,
      (e) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as { type?: string; nonRetryable?: boolean; message: string };
    expect(cause.type).toBe('RejectThresholdError');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toMatch(/rows rejected .*% > 5\.00 %.*malformed_row/);
    expect((await batchStatus(cfg, date)).state).toBe('failed');
  });

  it('backfill of 3 days creates 3 runs', async () => {
    for (const d of ['2031-04-01', '2031-04-02', '2031-04-03']) land(d, 'day.csv', 'csv', 500, 0, Number(d.slice(-2)));
    const items = await batchBackfill(cfg, { from: '2031-04-01', to: '2031-04-03', parallel: 2, wait: true });
    expect(items).toEqual(['2031-04-01', '2031-04-02', '2031-04-03'].map((date) => ({ date, state: 'completed' })));
    for (const d of ['2031-04-01', '2031-04-02', '2031-04-03']) {
      const desc = await client.workflow.getHandle(batchWorkflowId(d)).describe();
      expect(desc.status.name).toBe('COMPLETED');
      expect(desc.searchAttributes.BatchDate).toEqual([d]);
      expect((await batchStatus(cfg, d)).totals.requests).toBe(500);
    }
  });

  it('the scheduled run processes the previous day and reprocesses an earlier day whose files changed', async () => {
    const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
    const [yesterday, before] = [day(1), day(2)];
    land(before, 'early.csv', 'csv', 300, 0, 31);
    await runDay(client, before);
    land(before, 'late.csv', 'csv', 200, 0, 32); // arrives after the date was processed
    land(yesterday, 'day.csv', 'csv', 400, 0, 33);
    const r = await client.workflow.execute(scheduledBatch, {
      taskQueue: queue,
      workflowId: uniqueName('scheduled-batch'),
      args: [{ timezone: 'UTC', rejectThreshold: 0.05, lookbackDays: 1 }],
    });
    expect(r).toMatchObject({ date: yesterday, reprocessed: [before] });
    expect((await batchStatus(cfg, yesterday)).totals.requests).toBe(400);
    expect((await batchStatus(cfg, before)).landed).toEqual({ files: 2, rows: 500 });
  });

  it('schedule apply creates the daily Schedule (and updates it in place)', async () => {
    const id = env.SCHEDULE_ID_BATCH;
    try {
      const created = await applySchedules(cfg);
      const again = await applySchedules(cfg);
      expect(created.find((s) => s.id === id)?.action).toBe('created');
      expect(again.find((s) => s.id === id)?.action).toBe('updated');
      const d = await client.schedule.getHandle(id).describe();
      expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: scheduledBatch.name, taskQueue: queue });
      expect(d.info.nextActionTimes.length).toBeGreaterThan(0);
    } finally {
      await deleteSchedules(cfg);
    }
  });
});

describe('batch CLI input checks', () => {
  const cli = (...args: string[]) =>
    spawnSync('node', ['bin/viewership.mjs', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  it.each([
    [['batch', 'run', '--date', '2031-02-30'], /--date must be a date YYYY-MM-DD/],
    [['batch', 'run', '--date', '2031-05-01'], /landing directory .*2031-05-01 does not exist/],
    [['batch', 'backfill', '--from', '2031-04-03', '--to', '2031-04-01'], /--to \(2031-04-01\) is before --from/],
  ])('%j → one clear line and a non-zero exit', (args, message) => {
    const r = cli(...args);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('a malformed status reference stops the worker with a message naming the file', () => {
    const broken = `${root}/broken.xml`;
    writeFileSync(
      broken,
      '<registry xmlns="http://www.iana.org/assignments">\n<record><value>200</value>\n</registry>',
    );
    const r = spawnSync('node', ['bin/viewership.mjs', 'worker', '--queue', 'batch'], {
      env: { ...process.env, ...env, STATUS_REFERENCE_PATH: broken },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`HTTP status reference ${broken}: malformed XML at line`);
  });
});
