/**
 * Superset for real: rows with a unique stream_id go into `ad_metrics_minute_partition`; logged in through
 * Superset's REST API as the generated admin, every chart of the imported "Ad performance" dashboard runs its saved
 * query (narrowed to this stream_id by one added filter) and must return exactly what PostgreSQL returns for the
 * same grouping with independently written formulas (and those match a count in JS of what was inserted). The saved
 * queries have no stream filter, so the default dashboard shows every stream. With Debian's Chromium, the dashboard
 * (filtered to this stream) is screenshotted into test-artifacts/superset-dashboard.png (copy it to docs/images/ to
 * refresh the README's picture).
 */
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOME } from '../scripts/services/cli.js';
import { ensureLocalSecrets } from '../scripts/services/secrets.js';
import {
  DASHBOARD_SLUG,
  loginAsAdmin,
  SUPERSET_ADMIN,
  supersetUrl,
  type SupersetClient,
} from '../scripts/services/superset.js';
import { testConfig, uniqueName } from './helpers.js';
import { launchChromium } from '../scripts/chromium.js';

const CHARTS = [
  'CTR over time',
  'CPC over time',
  'CPI over time',
  'Cost over time by network',
  'Cost by network',
  'By network',
  'Top campaigns by cost',
  'By campaign',
];

/** One row of `ad_metrics_minute_partition` (money in micro-units). */
interface Row {
  partition: number;
  minute: Date;
  campaign: string;
  network: string;
  category: string;
  device: string;
  location: string;
  impressions: number;
  clicks: number;
  impressionMicros: number;
  clickMicros: number;
}

/** Superset's query object (the part this test reads). */
interface QueryObject {
  columns: (string | { sqlExpression: string; label: string; timeGrain?: string; columnType?: string })[];
  metrics: string[];
  orderby: [string, boolean][];
  row_limit: number;
  filters: { col: string; op: string; val: unknown }[];
}
interface QueryContext {
  datasource: { id: number; type: string };
  queries: QueryObject[];
  force?: boolean;
}
interface ChartData {
  result: { data: Record<string, unknown>[]; rowcount: number; colnames: string[] }[];
}

/**
 * The test's own formulas over the view's output columns (the dataset's metrics use the micro-unit sums instead):
 * money columns are exact at 6 decimals per row, so their sums are exact.
 */
const METRIC_SQL: Record<string, string> = {
  impressions: 'sum(impressions)',
  clicks: 'sum(clicks)',
  cost: 'sum(cost)',
  ctr: 'round(sum(clicks)::numeric / nullif(sum(impressions), 0), 6)',
  cpc: 'round(sum(click_cost) / nullif(sum(clicks), 0), 6)',
  cpi: 'round(sum(impression_cost) / nullif(sum(impressions), 0), 6)',
};

/** Deterministic pseudo-random integers (LCG), so a failure reproduces. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

/** JSON value → number (or null), for both Superset's floats and pg's numeric strings / bigint strings / dates. */
function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.getTime();
  return Number(v);
}

describe('Superset dashboard over ad_metrics_minute', () => {
  const cfg = testConfig();
  if (cfg.profiles.store !== 'postgres') throw new Error('expected the postgres profiles store');
  const pool = new pg.Pool({ ...cfg.profiles.postgres, max: 2 });
  const streamId = uniqueName('superset-test');
  const tag = streamId.slice(-5);
  const rows: Row[] = [];
  let client: SupersetClient;
  let charts: { id: number; name: string }[];

  beforeAll(async () => {
    // 20 minutes × 12 campaigns on 3 networks (+ one campaign of an unknown network), 2 devices, some rows split
    // over two stream partitions (the view sums them), some minutes without clicks (CPC empty).
    const r = rng(20260513);
    const start = Math.floor(Date.now() / 60_000) * 60_000 - 20 * 60_000;
    const networks = [`net-a-${tag}`, `net-b-${tag}`, `net-c-${tag}`];
    for (let m = 0; m < 20; m++) {
      for (let c = 0; c < 13; c++) {
        for (const device of ['mobile', 'desktop']) {
          if (r(4) === 0) continue;
          const impressions = 20 + r(400) + c * 15;
          const clicks = m % 7 === 3 ? 0 : r(Math.max(1, Math.floor(impressions / 8)));
          const row: Row = {
            partition: r(3),
            minute: new Date(start + m * 60_000),
            campaign: `${100 + c}-${tag}`,
            network: c === 12 ? 'unknown' : networks[c % 3]!,
            category: ['electronics', 'travel', 'food'][c % 3]!,
            device,
            location: ['US', 'DE', 'IN'][r(3)]!,
            impressions,
            clicks,
            impressionMicros: impressions * (1500 + r(1500)) + r(1000),
            clickMicros: clicks * (200_000 + r(300_000)) + r(1000),
          };
          rows.push(row);
          if (r(3) === 0)
            rows.push({
              ...row,
              partition: row.partition + 3,
              impressions: 1 + r(30),
              clicks: r(3),
              impressionMicros: 1000 + r(5000),
              clickMicros: r(400_000),
            });
        }
      }
    }
    const cols = [
      'partition',
      'minute',
      'campaign',
      'network',
      'category',
      'device',
      'location',
      'impressions',
      'clicks',
      'impressionMicros',
      'clickMicros',
    ] as const;
    await pool.query(
      `INSERT INTO ad_metrics_minute_partition (stream_id, partition, minute, campaign_id, network_id, ad_category, device, location,
         impressions, clicks, impression_cost_micros, click_cost_micros, view_ms, unknown_campaign_impressions)
       SELECT $1, p, m, c, n, k, d, l, i, cl, im, cm, i * 1000, CASE WHEN n = 'unknown' THEN i ELSE 0 END
       FROM unnest($2::int[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[])
         AS t(p, m, c, n, k, d, l, i, cl, im, cm)`,
      [streamId, ...cols.map((k) => rows.map((x) => x[k]))],
    );
    client = await loginAsAdmin(HOME);
    const dash = await client.get<{ result: { id: number; slice_name: string }[] }>(
      `/api/v1/dashboard/${DASHBOARD_SLUG}/charts`,
    );
    charts = dash.result.map((c) => ({ id: c.id, name: c.slice_name }));
  });

  afterAll(async () => {
    await pool.query('DELETE FROM ad_metrics_minute_partition WHERE stream_id = $1', [streamId]);
    await pool.end();
  });

  /** The chart's saved query context (as imported from superset/assets/charts/*.yaml). */
  async function savedQuery(id: number): Promise<{ qc: QueryContext; params: Record<string, unknown> }> {
    const chart = await client.get<{ result: { query_context: string; params: string } }>(`/api/v1/chart/${id}`);
    return {
      qc: JSON.parse(chart.result.query_context) as QueryContext,
      params: JSON.parse(chart.result.params) as Record<string, unknown>,
    };
  }

  /** Run a query context through Superset's chart data API, narrowed to `stream` when given. */
  async function supersetRows(qc: QueryContext, stream?: string): Promise<Record<string, unknown>[]> {
    const body = structuredClone(qc);
    body.force = true;
    if (stream) for (const q of body.queries) q.filters.push({ col: 'stream_id', op: '==', val: stream });
    const res = await client.post<ChartData>('/api/v1/chart/data', body);
    return res.result[0]!.data;
  }

  /** The same grouping, metrics, order and limit in PostgreSQL, written independently of the dataset's SQL. */
  async function postgresRows(q: QueryObject, stream: string): Promise<Record<string, unknown>[]> {
    const dims = q.columns.map((c) => {
      if (typeof c === 'string') return { sql: `"${c}"`, label: c };
      expect(c).toMatchObject({ sqlExpression: 'minute', timeGrain: 'PT1M' }); // the only adhoc column the dashboard uses
      return { sql: `date_trunc('minute', minute)`, label: c.label };
    });
    const metrics = q.metrics.map((m) => {
      expect(Object.keys(METRIC_SQL)).toContain(m);
      return `${METRIC_SQL[m]} AS "${m}"`;
    });
    const order = [
      ...q.orderby.map(([m, asc]) => `"${m}" ${asc ? 'ASC' : 'DESC'}`),
      ...dims.map((d) => `"${d.label}"`),
    ];
    const sql = `SELECT ${[...dims.map((d) => `${d.sql} AS "${d.label}"`), ...metrics].join(', ')}
      FROM ad_metrics_minute WHERE stream_id = $1
      ${dims.length ? `GROUP BY ${dims.map((_, i) => i + 1).join(', ')}` : ''}
      ORDER BY ${order.join(', ')} LIMIT ${q.row_limit}`;
    return (await pool.query(sql, [stream])).rows;
  }

  /** Rows as comparable tuples: dimension values, then each metric as a number (null stays null). */
  function normalize(data: Record<string, unknown>[], q: QueryObject, sort: boolean): (string | number | null)[][] {
    const labels = q.columns.map((c) => (typeof c === 'string' ? c : c.label));
    const out = data.map((r) => [
      ...labels.map((l) => (l === 'minute' ? num(r[l]) : String(r[l]))),
      ...q.metrics.map((m) => num(r[m])),
    ]);
    return sort ? out.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) : out;
  }

  it('imports the dashboard with every chart, its saved query matching its form data', async () => {
    expect(charts.map((c) => c.name).sort()).toEqual([...CHARTS].sort());
    for (const { id, name } of charts) {
      const { qc, params } = await savedQuery(id);
      expect(qc.queries, name).toHaveLength(1);
      const q = qc.queries[0]!;
      const formMetrics = (params.metrics as string[] | undefined) ?? [params.metric as string];
      expect([...q.metrics].sort(), name).toEqual([...formMetrics].sort());
      const labels = q.columns.map((c) => (typeof c === 'string' ? c : c.label));
      const formColumns = [
        ...(params.x_axis ? [params.x_axis as string] : []),
        ...((params.groupby as string[]) ?? []),
      ];
      expect(labels, name).toEqual(formColumns);
      expect(q.row_limit, name).toBe(params.row_limit);
      // No stream filter and no time range: the default dashboard shows every row.
      expect(q.filters, name).toEqual([{ col: 'minute', op: 'TEMPORAL_RANGE', val: 'No filter' }]);
    }
  });

  it('every chart query returns what PostgreSQL returns for this stream', async () => {
    for (const { id, name } of charts) {
      const { qc } = await savedQuery(id);
      const q = qc.queries[0]!;
      const got = await supersetRows(qc, streamId);
      const want = await postgresRows(q, streamId);
      expect(got.length, name).toBeGreaterThan(0);
      // Ordered charts (tables, pie) must match row by row; time series as sets.
      const ordered = q.orderby.length > 0;
      expect(normalize(got, q, !ordered), name).toEqual(normalize(want, q, !ordered));
    }
  });

  it('PostgreSQL and Superset agree with a count of the inserted rows (by network and top campaigns)', async () => {
    const byNetwork = new Map<string, { i: number; c: number; im: number; cm: number }>();
    const byCampaign = new Map<string, number>();
    for (const r of rows) {
      const t = byNetwork.get(r.network) ?? { i: 0, c: 0, im: 0, cm: 0 };
      t.i += r.impressions;
      t.c += r.clicks;
      t.im += r.impressionMicros;
      t.cm += r.clickMicros;
      byNetwork.set(r.network, t);
      byCampaign.set(r.campaign, (byCampaign.get(r.campaign) ?? 0) + r.impressionMicros + r.clickMicros);
    }
    // Rounded to whole micro-units (6 decimals) from integer numerators: no float drift before the rounding.
    const micros = (numerator: number, denominator: number) => Math.round(numerator / denominator) / 1e6;
    const network = charts.find((c) => c.name === 'By network')!;
    const got = await supersetRows((await savedQuery(network.id)).qc, streamId);
    expect(got).toHaveLength(byNetwork.size);
    for (const r of got) {
      const t = byNetwork.get(String(r.network_id))!;
      expect(r).toMatchObject({
        impressions: t.i,
        clicks: t.c,
        cost: (t.im + t.cm) / 1e6,
        ctr: micros(t.c * 1e6, t.i),
        cpi: micros(t.im, t.i),
      });
      expect(r.cpc).toBe(t.c ? micros(t.cm, t.c) : null);
    }
    const top = charts.find((c) => c.name === 'Top campaigns by cost')!;
    const topRows = await supersetRows((await savedQuery(top.id)).qc, streamId);
    const wantTop = [...byCampaign.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
    expect(topRows.map((r) => [r.campaign_id, r.cost])).toEqual(wantTop.map(([c, micros]) => [c, micros / 1e6]));
  });

  it('the saved queries, unfiltered, include this stream (the default dashboard shows every stream)', async () => {
    const network = charts.find((c) => c.name === 'By network')!;
    const { qc } = await savedQuery(network.id);
    const all = await client.get<ChartData>(`/api/v1/chart/${network.id}/data/?force=true`);
    const mine = await supersetRows(qc, streamId);
    const ours = all.result[0]!.data.filter((r) => String(r.network_id).endsWith(tag));
    expect(ours.sort((a, b) => String(a.network_id).localeCompare(String(b.network_id)))).toEqual(
      mine
        .filter((r) => r.network_id !== 'unknown')
        .sort((a, b) => String(a.network_id).localeCompare(String(b.network_id))),
    );
  });

  // No skip when Chromium is missing: `npm test` installs Debian's chromium before vitest, like dashboard.test.ts needs.
  it('renders in Chromium (screenshot into test-artifacts/superset-dashboard.png)', async () => {
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
    try {
      const base = supersetUrl();
      // The login page is a React form: submit once its scripts are loaded, again if the first submit was too early.
      await page.goto(`${base}/login/`, { waitUntil: 'networkidle', timeout: 120_000 });
      for (let attempt = 1; ; attempt++) {
        await page.locator('input[type="password"]').waitFor({ timeout: 60_000 });
        await page.locator('input#username, input[name="username"]').first().fill(SUPERSET_ADMIN);
        await page
          .locator('input[type="password"]')
          .fill(ensureLocalSecrets(HOME, process.env).SUPERSET_ADMIN_PASSWORD);
        await page.locator('button[type="submit"], button:has-text("Sign in")').first().click();
        const left = await page
          .waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 30_000 })
          .then(
            () => true,
            () => false,
          );
        if (left) break;
        if (attempt === 3) throw new Error(`still on ${page.url()} after 3 login attempts`);
      }
      // The "Stream" native filter set to this stream through the URL (rison): the picture shows only these rows.
      const sid = `'${streamId}'`;
      const filter = `(NATIVE_FILTER-c8cabaeb:(extraFormData:(filters:!((col:stream_id,op:IN,val:!(${sid})))),filterState:(label:${sid},value:!(${sid})),id:NATIVE_FILTER-c8cabaeb,ownState:()))`;
      await page.goto(`${base}/superset/dashboard/${DASHBOARD_SLUG}/?native_filters=${encodeURIComponent(filter)}`);
      await page.locator('.dashboard-chart').first().waitFor({ timeout: 90_000 });
      await page.waitForFunction(
        (n) => {
          const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } })
            .document;
          return (
            doc.querySelectorAll('.dashboard-chart').length >= n &&
            doc.querySelectorAll('.dashboard-chart .loading, .dashboard-chart [aria-label="Loading"]').length === 0
          );
        },
        CHARTS.length,
        { timeout: 90_000, polling: 500 },
      );
      await page.waitForLoadState('networkidle', { timeout: 60_000 }).catch(() => undefined);
      await page.waitForTimeout(1500); // chart animations
      const errors = await page.locator('.dashboard-chart .alert-danger, .dashboard-chart [role="alert"]').count();
      expect(errors).toBe(0);
      // The campaign table shows this stream's campaigns.
      expect(await page.getByText(`100-${tag}`).count()).toBeGreaterThan(0);
      mkdirSync('docs/images', { recursive: true });
      await page.screenshot({ path: 'test-artifacts/superset-dashboard.png', fullPage: true });
    } catch (err) {
      mkdirSync('test-artifacts', { recursive: true });
      await page.screenshot({ path: 'test-artifacts/superset-failure.png', fullPage: true }).catch(() => undefined);
      throw new Error(`${(err as Error).message} (page ${page.url()}; screenshot test-artifacts/superset-failure.png)`);
    } finally {
      await browser.close();
    }
  }, 360_000);
});
