/**
 * `GET /api/ads` and the ad stream in `/api/health` on the real PostgreSQL and Temporal: rows inserted into
 * `ad_metrics_minute_partition` under a unique stream id (several partitions per cell, money past 2^53
 * micro-units) are answered per bucket and group exactly as an independent BigInt computation over the inserted
 * rows says; bad parameters give 400 naming them; the result cap and the deadline bound the request; the health
 * report shows the stream not started / running / stopped and the campaigns file's problem.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { migratePostgres } from '../adapters/profiles/postgres.js';
import { startServe, type RunningServer } from '../cli/serve.js';
import { createPgPool } from '../lib/clients.js';
import type { AppConfig } from '../lib/config.js';
import type { AdMetrics, AdsResult } from '../lib/views/ads.js';
import type { HealthReport } from '../serve/health.js';
import { checkSchema } from '../serve/schema-check.js';
import { openApiDocument } from '../serve/server.js';
import { connectTemporal } from '../lib/temporal.js';
import { streamViewership } from '../workflows/stream.js';
import { testConfig, uniqueName } from './helpers.js';

/** The OpenAPI document `/openapi.json` serves, generated from the routes' schemas. */
const OPENAPI = await openApiDocument();

const id = uniqueName('serve-ads');
const dir = mkdtempSync(`${tmpdir()}/serve-ads-`);
const CAMPAIGNS = `${dir}/campaigns.csv`;
const cfg = testConfig({
  ADS_STREAM_WORKFLOW_ID: `${id}-stream`,
  ADS_CAMPAIGNS_PATH: CAMPAIGNS,
  QUARANTINE_DIR: `${dir}/quarantine`,
  SERVE_CHECK_TIMEOUT_MS: '1500',
});
const STREAM = cfg.ads.workflowId;
const T0 = Date.parse('2031-03-04T10:00:00Z');
const MIN = 60_000;
const HOUR = 3_600_000;

/** One inserted row (money in micro-units). */
interface Row {
  partition: number;
  minuteMs: number;
  campaign_id: string;
  network_id: string;
  ad_category: string;
  device: string;
  location: string;
  impressions: bigint;
  clicks: bigint;
  imp: bigint;
  clk: bigint;
  view: bigint;
  unknown: bigint;
}
type Dim = 'campaign_id' | 'network_id' | 'ad_category' | 'device' | 'location';

/** Deterministic rows: every minute of 10:00–12:59, 1–3 cells a minute, a cell split over partitions, plus rows just outside. */
function makeRows(): Row[] {
  let seed = 12345;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const rows: Row[] = [];
  const cell = (
    minuteMs: number,
    k: number,
  ): Omit<Row, 'partition' | 'impressions' | 'clicks' | 'imp' | 'clk' | 'view' | 'unknown'> => ({
    minuteMs,
    campaign_id: String(100 + ((k * 7 + minuteMs / MIN) % 6)),
    network_id: `net-${k % 3}`,
    ad_category: ['sports', 'food', 'tech'][k % 3]!,
    device: k % 2 ? 'mobile' : 'tv',
    location: ['US', 'DE', 'BR', 'JP'][(k + minuteMs / MIN) % 4]!,
  });
  const measures = () => {
    const impressions = BigInt(1 + rnd(40));
    return {
      impressions,
      clicks: BigInt(rnd(Number(impressions) + 1)),
      imp: BigInt(rnd(9_000_000)),
      clk: BigInt(rnd(400_000_000)),
      view: BigInt(rnd(90_000)),
      unknown: BigInt(rnd(2)),
    };
  };
  for (let m = 0; m < 180; m++) {
    const minuteMs = T0 + m * MIN;
    const cells = 1 + rnd(3);
    for (let k = 0; k < cells; k++) {
      const c = cell(minuteMs, k);
      // The same cell from two partitions (the view sums them) now and then.
      for (const partition of rnd(4) === 0 ? [0, 2] : [rnd(3)]) rows.push({ ...c, partition, ...measures() });
    }
  }
  // A campaign whose money alone passes 2^53 micro-units: sums must stay exact.
  for (const partition of [0, 1]) {
    rows.push({
      ...cell(T0 + 30 * MIN, 9),
      campaign_id: 'whale',
      partition,
      impressions: 3n,
      clicks: 1n,
      imp: 6_000_000_000_000_001n,
      clk: 4_503_599_627_370_497n,
      view: 10n,
      unknown: 0n,
    });
  }
  // Outside [10:00, 13:00): never counted.
  rows.push(
    { ...cell(T0 - MIN, 0), partition: 0, ...measures() },
    { ...cell(T0 + 180 * MIN, 0), partition: 0, ...measures() },
  );
  return rows;
}
const ROWS = makeRows();

/** Independent expectations: formatting and rounding written apart from lib/views/ads.ts. */
const dec6 = (m: bigint) => {
  const s = m.toString().padStart(7, '0');
  return `${s.slice(0, -6)}.${s.slice(-6)}`;
};
/** micros / n in micro-units, rounded half up. */
const divHalfUp = (micros: bigint, n: bigint) => {
  const q = micros / n;
  return 2n * (micros % n) >= n ? q + 1n : q;
};
const halfUp = (micros: bigint, n: bigint) => (n === 0n ? null : dec6(divHalfUp(micros, n)));
const rate6 = (a: bigint, n: bigint) => (n === 0n ? null : Number(divHalfUp(a * 1_000_000n, n)) / 1e6);
function expectedMetrics(rows: Row[]): AdMetrics {
  const s = (f: (r: Row) => bigint) => rows.reduce((a, r) => a + f(r), 0n);
  const impressions = s((r) => r.impressions);
  const clicks = s((r) => r.clicks);
  const imp = s((r) => r.imp);
  const clk = s((r) => r.clk);
  return {
    impressions: Number(impressions),
    clicks: Number(clicks),
    impressionCost: dec6(imp),
    clickCost: dec6(clk),
    cost: dec6(imp + clk),
    ctr: rate6(clicks, impressions),
    cpc: halfUp(clk, clicks),
    cpi: halfUp(imp, impressions),
    avgViewMs: rate6(
      s((r) => r.view),
      impressions,
    ),
    unknownCampaignImpressions: Number(s((r) => r.unknown)),
  };
}
/** Expected buckets of [fromMs, toMs) by `stepMs`, grouped by `dims`, keyed `start|group JSON`. */
function expectedBuckets(fromMs: number, toMs: number, stepMs: number, dims: Dim[]): Map<string, AdMetrics> {
  const groups = new Map<string, Row[]>();
  for (const r of ROWS) {
    if (r.minuteMs < fromMs || r.minuteMs >= toMs) continue;
    const start = Math.max(fromMs, Math.floor(r.minuteMs / stepMs) * stepMs);
    const key = `${new Date(start).toISOString()}|${JSON.stringify(Object.fromEntries(dims.map((d) => [d, r[d]])))}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return new Map([...groups].map(([k, rows]) => [k, expectedMetrics(rows)]));
}
const inRange = (fromMs: number, toMs: number) => ROWS.filter((r) => r.minuteMs >= fromMs && r.minuteMs < toMs);

describe('serving API: /api/ads from PostgreSQL and the ad stream in /api/health', () => {
  const pool = createPgPool(cfg, 2);
  let server: RunningServer;
  let client: Client;
  const extra: RunningServer[] = [];
  const get = async <T>(base: string, path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: (await res.json()) as T };
  };
  const ads = async (qs: string): Promise<AdsResult> => {
    const r = await get<AdsResult>(server.url, `/api/ads?${qs}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(checkSchema({ $ref: '#/components/schemas/Ads' }, r.body, OPENAPI)).toEqual([]);
    return r.body;
  };
  const health = async (): Promise<HealthReport> => {
    const r = await get<HealthReport>(server.url, '/api/health');
    expect(r.status).toBe(200);
    expect(checkSchema({ $ref: '#/components/schemas/Health' }, r.body, OPENAPI)).toEqual([]);
    return r.body;
  };
  const startWith = async (change: (c: AppConfig) => AppConfig) => {
    const s = await startServe(change(cfg), { port: 0 });
    extra.push(s);
    return s;
  };

  beforeAll(async () => {
    await migratePostgres(pool);
    const cols = [
      'stream_id',
      'partition',
      'minute',
      'campaign_id',
      'network_id',
      'ad_category',
      'device',
      'location',
      'impressions',
      'clicks',
      'impression_cost_micros',
      'click_cost_micros',
      'view_ms',
      'unknown_campaign_impressions',
    ];
    for (let i = 0; i < ROWS.length; i += 200) {
      const chunk = ROWS.slice(i, i + 200);
      const values = chunk
        .map((_, k) => `(${cols.map((__, c) => `$${k * cols.length + c + 1}`).join(', ')})`)
        .join(', ');
      const args = chunk.flatMap((r) => [
        STREAM,
        r.partition,
        new Date(r.minuteMs).toISOString(),
        r.campaign_id,
        r.network_id,
        r.ad_category,
        r.device,
        r.location,
        String(r.impressions),
        String(r.clicks),
        String(r.imp),
        String(r.clk),
        String(r.view),
        String(r.unknown),
      ]);
      await pool.query(`INSERT INTO ad_metrics_minute_partition (${cols.join(', ')}) VALUES ${values}`, args);
    }
    writeFileSync(CAMPAIGNS, 'campaign,name\n101,Spring\n'); // a wrong header: the file cannot be used
    server = await startServe(cfg, { port: 0 });
    client = await connectTemporal(cfg.temporal);
  });

  afterAll(async () => {
    for (const s of extra) await s.stop();
    await server?.stop();
    await client?.workflow
      .getHandle(STREAM)
      .terminate('test over')
      .catch(() => undefined);
    await client?.connection.close();
    await pool.query('DELETE FROM ad_metrics_minute_partition WHERE stream_id = $1', [STREAM]);
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers hours, minutes and groups exactly as the inserted rows sum up', async () => {
    const from = new Date(T0).toISOString();
    const to = new Date(T0 + 3 * HOUR).toISOString();
    const hours = await ads(`from=${from}&to=${to}&interval=hour`);
    expect(hours).toMatchObject({ from, to, interval: 'hour', groupBy: [], streamId: STREAM });
    const want = expectedBuckets(T0, T0 + 3 * HOUR, HOUR, []);
    expect(hours.buckets.map((b) => [`${b.start}|{}`, b.end])).toEqual(
      [...want.keys()].map((k) => [k, new Date(Date.parse(k.split('|')[0]!) + HOUR).toISOString()]),
    );
    for (const b of hours.buckets) expect(b.metrics, b.start).toEqual(want.get(`${b.start}|{}`));
    expect(hours.total).toEqual(expectedMetrics(inRange(T0, T0 + 3 * HOUR)));
    // The whale's money is past 2^53 micro-units: the total is exact, never a float.
    expect(BigInt(hours.total.cost.replace('.', ''))).toBe(
      inRange(T0, T0 + 3 * HOUR).reduce((a, r) => a + r.imp + r.clk, 0n),
    );

    for (const [interval, step, dims] of [
      ['minute', MIN, ['campaign_id', 'device']],
      ['day', 24 * HOUR, ['network_id', 'location']],
      ['hour', HOUR, ['ad_category']],
    ] as const) {
      const r = await ads(`from=${from}&to=${to}&interval=${interval}&groupBy=${dims.join(',')}`);
      const exp = expectedBuckets(T0, T0 + 3 * HOUR, step, [...dims]);
      const got = new Map(
        r.buckets.map((b) => [
          `${b.start}|${JSON.stringify(Object.fromEntries(dims.map((d) => [d, b.group[d]])))}`,
          b.metrics,
        ]),
      );
      expect(got.size, interval).toBe(r.buckets.length);
      expect(got, interval).toEqual(exp);
      // By time, then most impressions first.
      for (let i = 1; i < r.buckets.length; i++) {
        const [a, b] = [r.buckets[i - 1]!, r.buckets[i]!];
        expect(a.start <= b.start && (a.start < b.start || a.metrics.impressions >= b.metrics.impressions)).toBe(true);
      }
      expect(r.total).toEqual(hours.total);
    }
  });

  it('clips buckets to the range, keeps the top groups with limit and still totals every group', async () => {
    const fromMs = T0 + 30 * MIN;
    const toMs = T0 + 75 * MIN;
    const r = await ads(`from=${new Date(fromMs).toISOString()}&to=${toMs}&interval=hour`);
    expect(r.buckets.map((b) => [b.start, b.end])).toEqual([
      [new Date(fromMs).toISOString(), new Date(T0 + HOUR).toISOString()],
      [new Date(T0 + HOUR).toISOString(), new Date(toMs).toISOString()],
    ]);
    expect(r.buckets.map((b) => b.metrics)).toEqual([...expectedBuckets(fromMs, toMs, HOUR, []).values()]);

    const top = await ads(`from=${T0}&to=${T0 + 3 * HOUR}&interval=hour&groupBy=campaign_id&limit=2`);
    const all = expectedBuckets(T0, T0 + 3 * HOUR, HOUR, ['campaign_id']);
    for (let h = 0; h < 3; h++) {
      const start = new Date(T0 + h * HOUR).toISOString();
      const want = [...all]
        .filter(([k]) => k.startsWith(`${start}|`))
        .map(([, m]) => m.impressions)
        .sort((a, b) => b - a)
        .slice(0, 2);
      const got = top.buckets.filter((b) => b.start === start);
      expect(got.map((b) => b.metrics.impressions)).toEqual(want);
      for (const b of got)
        expect(b.metrics).toEqual(all.get(`${start}|${JSON.stringify({ campaign_id: b.group.campaign_id })}`));
    }
    expect(top.total).toEqual(expectedMetrics(inRange(T0, T0 + 3 * HOUR)));
    const empty = await ads(`from=2031-01-01&to=2031-01-02&interval=day&groupBy=campaign_id`);
    expect(empty.buckets).toEqual([]);
    expect(empty.total).toMatchObject({
      impressions: 0,
      clicks: 0,
      cost: '0.000000',
      ctr: null,
      cpc: null,
      cpi: null,
      avgViewMs: null,
    });
  });

  it('rejects bad parameters with 400 naming the parameter', async () => {
    const cases: [string, string, RegExp][] = [
      ['from=noon', 'from', /from must be a date/],
      ['to=2031-02-30', 'to', /not a real date/],
      ['from=2031-03-04T10:00:00%2B25:00', 'from', /not a real date/],
      [`from=${T0 + HOUR}&to=${T0}`, 'to', /must be after/],
      ['interval=week', 'interval', /minute, hour, day/],
      ['groupBy=campaign_id,colour', 'groupBy', /unknown value.*"colour"/],
      ['groupBy=device,device', 'groupBy', /twice/],
      ['groupBy=country', 'groupBy', /allowed: campaign_id/],
      ['groupBy=campaign_id&limit=0', 'limit', /at least 1/],
      ['groupBy=campaign_id&limit=many', 'limit', /number/],
      ['limit=3', 'limit', /needs groupBy/],
      ['metrics=ctr', 'metrics', /unknown parameter/],
      ['from=2031-01-01&from=2031-01-02', 'from', /more than once/],
      ['from=2020-01-01&to=2031-01-01&interval=day', 'from', /at most 366/],
      ['from=2000-01-01&to=2031-01-01&interval=minute', 'interval', /buckets/],
    ];
    for (const [qs, parameter, message] of cases) {
      const r = await get<{ error: string; parameter: string }>(server.url, `/api/ads?${qs}`);
      expect(r.status, qs).toBe(400);
      expect(r.body.parameter, qs).toBe(parameter);
      expect(r.body.error, qs).toMatch(message);
      expect(checkSchema({ $ref: '#/components/schemas/Error' }, r.body, OPENAPI)).toEqual([]);
    }
  });

  it('bounds an answer by the result cap and the request deadline', async () => {
    const capped = await startWith((c) => ({
      ...c,
      serve: { ...c.serve, limits: { ...c.serve.limits, maxResultBuckets: 100 } },
    }));
    const range = `from=${T0}&to=${T0 + 3 * HOUR}`;
    for (const [qs, parameter] of [
      [`${range}&interval=minute`, 'interval'],
      [`${range}&interval=minute&groupBy=campaign_id`, 'groupBy'],
      [`${range}&interval=minute&groupBy=campaign_id&limit=1`, 'limit'],
    ]) {
      const r = await get<{ error: string; parameter: string }>(capped.url, `/api/ads?${qs}`);
      expect(r.status, qs).toBe(400);
      expect(r.body).toMatchObject({ parameter });
      expect(r.body.error).toMatch(/more than 100 buckets/);
    }
    expect((await get(capped.url, `/api/ads?${range}&interval=hour`)).status).toBe(200);

    const hurried = await startWith((c) => ({
      ...c,
      serve: { ...c.serve, limits: { ...c.serve.limits, requestTimeoutMs: 1 } },
    }));
    const late = await get<{ error: string }>(
      hurried.url,
      `/api/ads?${range}&interval=minute&groupBy=campaign_id,device,location`,
    );
    expect(late.status).toBe(504);
    expect(late.body.error).toMatch(/deadline/);
    // The bounded server still answers what fits, and the normal one is untouched.
    expect((await get(server.url, `/api/ads?${range}&interval=day`)).status).toBe(200);
  });

  it('shows the ad stream (not started, running, stopped) and the campaigns file problem in /api/health', async () => {
    const h1 = await health();
    expect(h1.ads.state).toBe('not started');
    expect(h1.ads.stream).toMatchObject({ workflowId: STREAM, status: 'NOT_FOUND', running: false });
    expect(h1.ads.campaigns).toMatchObject({ path: CAMPAIGNS, loadedAt: null, campaigns: 0, rejected: 0 });
    expect(h1.ads.campaigns.problem).toMatch(/wrong header/);
    expect(h1.ads.campaigns.problem).toContain('campaigns.csv');

    // A good version is picked up by the next report; breaking the file again keeps it in use and shows the problem.
    writeFileSync(
      CAMPAIGNS,
      'campaign_id,campaign_name,network_id,advertiser\n101,Spring,net-a,Acme\n102,Summer,net-b,Acme\n103,bad row\n',
    );
    const h2 = await health();
    expect(h2.ads.campaigns).toMatchObject({ campaigns: 2, rejected: 1 });
    expect(h2.ads.campaigns.problem).toBeUndefined();
    expect(Date.parse(h2.ads.campaigns.loadedAt!)).toBeGreaterThan(Date.now() - 60_000);
    writeFileSync(CAMPAIGNS, 'id;name\n');
    const h3 = await health();
    expect(h3.ads.campaigns).toMatchObject({ campaigns: 2, rejected: 1, loadedAt: h2.ads.campaigns.loadedAt });
    expect(h3.ads.campaigns.problem).toMatch(/wrong header/);

    // The stream's workflow on a queue no worker polls: Temporal says it runs (its status query cannot answer).
    const queue = `${id}-nobody`;
    await client.workflow.start(streamViewership, {
      taskQueue: queue,
      workflowId: STREAM,
      args: [{ settings: { pipeline: 'ads' } }],
    });
    const h4 = await health();
    expect(h4.ads).toMatchObject({
      state: 'running',
      stream: { workflowId: STREAM, running: true, status: 'RUNNING' },
    });
    expect(h4.ads.stream.url).toContain(`/workflows/${STREAM}`);
    await client.workflow.getHandle(STREAM).terminate('serve-ads test');
    const h5 = await health();
    expect(h5.ads).toMatchObject({ state: 'stopped', stream: { status: 'TERMINATED', running: false } });
  });
});
