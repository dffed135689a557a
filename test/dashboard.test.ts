/**
 * The dashboard end to end in headless Debian Chromium (playwright-core, no browser download): the server runs
 * in-process on an isolated stream environment with a worker and the streaming workflow; the page starts empty,
 * events are produced, and the page's chart data must reach exactly the produced amounts (events, unique
 * customers, watch time, status categories, countries, plans, top content) and show the stream in the health
 * panel. The charts (Apache ECharts) are read back from their instances: what they plot must be what the API
 * answers, and a tooltip must show a plotted value. Saves a screenshot to test-artifacts/dashboard.png.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { migratePostgres } from '../adapters/profiles/postgres.js';
import { startServe, type RunningServer } from '../cli/serve.js';
import { createPgPool } from '../lib/clients.js';
import type { AdsResult } from '../lib/views/ads.js';
import { byCategory, categoryX, compact, readChart } from './chart-read.js';
import { uniqueName } from './helpers.js';
import { expectedOf, makeEvents, serveTestEnv } from './serve-env.js';
import { launchChromium } from '../scripts/chromium.js';

const N = 1200;
const BAD = ['{broken', JSON.stringify({ event_id: 'no-customer', event_time: new Date().toISOString() })];

interface Group {
  name: string;
  value: number;
}
interface DashState {
  polls: number;
  window: { from: string; to: string } | null;
  error: string | null;
  kpis: Record<'eventsPerMinute' | 'events' | 'uniqueCustomers' | 'watchMs' | 'errorRate', number | null>;
  series: Record<string, { t: number; v: number; source: string }[]>;
  byStatusCategory: Record<string, number>;
  topContent: Group[];
  byCountry: Group[];
  byPlan: Group[];
  health: {
    stream: { running: boolean; workflowId: string; totals: { events: number } | null };
    deadLetters: { total: number };
  } | null;
}

interface AdsState {
  polls: number;
  error: string | null;
  window: { from: string; to: string } | null;
  total: AdsResult['total'] | null;
  topCampaigns: Group[];
}
/** Ad metric rows of the last minutes for the ads panel: [minutes ago, campaign, impressions, clicks, impression micros, click micros]. */
const AD_ROWS: [number, string, number, number, number, number][] = [
  [2, '101', 40, 3, 84_000, 1_050_000],
  [3, '101', 25, 1, 52_500, 350_001],
  [3, '102', 60, 6, 126_000, 2_100_000],
  [5, '103', 7, 0, 14_700, 0],
  [6, '102', 11, 2, 23_100, 700_123],
];

describe('dashboard in a real browser', () => {
  let t: Awaited<ReturnType<typeof serveTestEnv>>;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const state = () => page.evaluate(() => (globalThis as unknown as { __dashboard: DashState }).__dashboard);
  const pollsNow = async () => (await state()).polls;
  const plotted = (selector: string, global?: string) => readChart(page, selector, global);
  const adsId = uniqueName('dash-ads');
  let pool: ReturnType<typeof createPgPool> | undefined;

  beforeAll(async () => {
    t = await serveTestEnv('dash', ['stream']);
    await t.startStream(1000);
    // The ads panel reads the ad stream's PostgreSQL rows of its own stream id (ADS_STREAM_WORKFLOW_ID).
    pool = createPgPool(t.cfg, 1);
    await migratePostgres(pool);
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    for (const [ago, campaign, imps, clicks, impMicros, clkMicros] of AD_ROWS) {
      await pool.query(
        `INSERT INTO ad_metrics_minute_partition (stream_id, partition, minute, campaign_id, network_id, ad_category, device, location, impressions, clicks,
           impression_cost_micros, click_cost_micros, view_ms, unknown_campaign_impressions) VALUES ($1, 0, $2, $3, 'net-a', 'sports', 'tv', 'US', $4, $5, $6, $7, 1000, 0)`,
        [adsId, new Date(minute - ago * 60_000).toISOString(), campaign, imps, clicks, impMicros, clkMicros],
      );
    }
    server = await startServe(
      { ...t.cfg, ads: { ...t.cfg.ads, workflowId: adsId } },
      { port: 0, streamWorkflowId: t.streamWorkflowId },
    );
    browser = await launchChromium(); // Playwright gives each launch a fresh temporary profile
    page = await browser.newPage({ viewport: { width: 1440, height: 1400 } });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await pool?.query('DELETE FROM ad_metrics_minute_partition WHERE stream_id = $1', [adsId]);
    await pool?.end();
    await t?.cleanup();
  });

  it('fills the charts with exactly the produced events, live', async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // Content-Security-Policy violations (the charts and their tooltips must need no inline style or script).
    await page.addInitScript(() => {
      const w = globalThis as unknown as {
        __csp: string[];
        addEventListener: (t: string, f: (e: { violatedDirective: string; blockedURI: string }) => void) => void;
      };
      w.__csp = [];
      w.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await page.goto(`${server.url}/?refreshMs=1000`);
    await page.waitForFunction(
      () => ((globalThis as unknown as { __dashboard?: DashState }).__dashboard?.polls ?? 0) > 0,
      null,
      { timeout: 60_000 },
    );
    const before = await state();
    expect(before.error).toBeNull();
    expect(before.kpis.events).toBe(0);
    expect(before.health?.stream).toMatchObject({ running: true, workflowId: t.streamWorkflowId });

    // Event times spread over the last few seconds: inside the page's 60-minute window.
    const now = Date.now();
    const events = makeEvents('dash', N, (i) => now - 8000 + Math.floor((i * 7000) / N));
    const want = expectedOf(events);
    await t.send(events.map((e) => JSON.stringify(e)).concat(BAD));
    await t.caughtUp(N + BAD.length);

    // The page polls on its own: wait for it to show every event (never an assertion on a fixed sleep).
    await page.waitForFunction(
      (n) => (globalThis as unknown as { __dashboard: DashState }).__dashboard.kpis.events === n,
      N,
      { timeout: 90_000, polling: 500 },
    );
    const from = await pollsNow();
    await page.waitForFunction(
      (p) => (globalThis as unknown as { __dashboard: DashState }).__dashboard.polls > p + 1,
      from,
      { timeout: 60_000 },
    );
    const s = await state();
    expect(s.error).toBeNull();
    expect(s.kpis).toMatchObject({ events: want.events, uniqueCustomers: want.uniqueCustomers, watchMs: want.watchMs });
    const errors = (want.byStatusCategory['4xx'] ?? 0) + (want.byStatusCategory['5xx'] ?? 0);
    expect(s.kpis.errorRate).toBeCloseTo(errors / N, 10);
    expect(s.byStatusCategory).toEqual(want.byStatusCategory);
    expect(s.series.eventsPerMinute!.reduce((n, p) => n + p.v, 0)).toBe(N);
    expect(s.series.watchMsPerMinute!.reduce((n, p) => n + p.v, 0)).toBe(want.watchMs);
    expect(s.series.eventsPerMinute!.every((p) => p.source === 'speed')).toBe(true);
    const asMap = (g: Group[]) => Object.fromEntries(g.map((x) => [x.name, x.value]));
    expect(asMap(s.byCountry)).toEqual(want.byCountry);
    expect(asMap(s.byPlan)).toEqual(want.byPlan);
    const topContent = Object.entries(want.byContent)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10);
    expect(s.topContent.map((g) => g.value)).toEqual(topContent.map(([, v]) => v));
    for (const g of s.topContent) expect(want.byContent[g.name]).toBe(g.value);
    expect(s.health?.stream.totals?.events).toBe(N);
    expect(s.health?.deadLetters.total).toBe(BAD.length);

    // What a person sees mirrors the data: the KPI's data attribute, the charts as plotted, the stream panel.
    expect(await page.getAttribute('[data-kpi="events"]', 'data-value')).toBe(String(N));
    const country = await plotted('#chart-country');
    expect(country.y.length).toBe(Math.min(10, Object.keys(want.byCountry).length));
    for (const [name, v] of Object.entries(byCategory(country, 'y'))) expect(want.byCountry[name], name).toBe(v);
    expect(byCategory(await plotted('#chart-plan'), 'y')).toEqual(want.byPlan);
    const content = await plotted('#chart-content');
    expect(content.y).toEqual(s.topContent.map((g) => g.name));
    expect(Object.values(byCategory(content, 'y')).sort((a, b) => b - a)).toEqual(topContent.map(([, v]) => v));
    const status = await plotted('#chart-status .status-chart');
    const slices = status.series[0]!.data as { name: string; value: number }[];
    expect(Object.fromEntries(slices.map((d) => [d.name, d.value]))).toEqual(want.byStatusCategory);
    // The per-minute charts plot exactly the API's minute buckets of the page's window (speed view only).
    const [eventsChart, customers, watch] = [
      await plotted('#chart-events'),
      await plotted('#chart-customers'),
      await plotted('#chart-watch'),
    ];
    const minutes = await fetch(
      `${server.url}/api/viewership?${new URLSearchParams({ ...eventsChart.window!, interval: 'minute', metrics: 'events,uniqueCustomers,watchMs' })}`,
    );
    const api = (await minutes.json()) as { buckets: { start: string; metrics: Record<string, number> }[] };
    const perMinute = (m: string) =>
      Object.fromEntries(api.buckets.map((b) => [String(Date.parse(b.start)), b.metrics[m]]));
    expect(eventsChart.series.map((x) => x.name)).toEqual(['speed view', 'batch view']);
    expect(eventsChart.series[1]!.data.every((v) => v === null)).toBe(true);
    expect(byCategory(eventsChart, 'x')).toEqual(perMinute('events'));
    expect(Object.values(byCategory(eventsChart, 'x')).reduce((n, v) => n + v, 0)).toBe(N);
    expect(byCategory(watch, 'x')).toEqual(perMinute('watchMs'));
    expect(Object.values(byCategory(watch, 'x')).reduce((n, v) => n + v, 0)).toBe(want.watchMs);
    // The customers line is zero where the API has no bucket.
    const uniques = perMinute('uniqueCustomers');
    expect(customers.x.length).toBe(eventsChart.x.length);
    expect(customers.series[0]!.data).toEqual(customers.x.map((t) => uniques[t] ?? 0));
    // A tooltip shows a plotted value: hover the fullest minute's bar (again if the window slid a minute meanwhile).
    const top = Object.entries(byCategory(eventsChart, 'x')).sort((a, b) => b[1] - a[1])[0]!;
    const box = (await page.locator('#chart-events').boundingBox())!;
    const tip = page.locator('#chart-events .chart-tooltip');
    await expect
      .poll(
        async () => {
          await page.mouse.move(box.x + 2, box.y + 2);
          await page.mouse.move(box.x + (await categoryX(page, '#chart-events', top[0])), box.y + box.height - 40);
          await tip.waitFor({ state: 'visible', timeout: 5000 });
          return tip.textContent();
        },
        { timeout: 30_000 },
      )
      .toBe(`${new Date(Number(top[0])).toISOString().slice(11, 16)}speed view${compact(top[1])}`);
    // The status legend shows each category's count.
    for (const [cat, n] of Object.entries(want.byStatusCategory))
      expect(await page.textContent('#chart-status .status-rows')).toContain(`${cat}${compact(n)}`);
    expect(await page.getAttribute('#stream', 'data-running')).toBe('true');
    expect(await page.getAttribute('#rejects', 'data-dead-letters')).toBe(String(BAD.length));
    expect(pageErrors).toEqual([]);
    expect(await page.evaluate(() => (globalThis as unknown as { __csp: string[] }).__csp)).toEqual([]);

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/dashboard.png', fullPage: true });
  });

  it('shows the ad stream in the ads panel: the numbers /api/ads answers for the same window', async () => {
    const ads = () => page.evaluate(() => (globalThis as unknown as { __ads: AdsState }).__ads);
    const impressions = AD_ROWS.reduce((n, r) => n + r[2], 0);
    await page.waitForFunction(
      (n) => (globalThis as unknown as { __ads?: AdsState }).__ads?.total?.impressions === n,
      impressions,
      { timeout: 60_000, polling: 500 },
    );
    const s = await ads();
    expect(s.error).toBeNull();
    const res = await fetch(`${server.url}/api/ads?${new URLSearchParams({ ...s.window!, interval: 'minute' })}`);
    const api = (await res.json()) as AdsResult;
    expect(res.status).toBe(200);
    expect(s.total).toEqual(api.total);
    // Exact money: the inserted micro-units summed independently.
    const micros = AD_ROWS.reduce((n, r) => n + BigInt(r[4] + r[5]), 0n);
    expect(api.total.cost).toBe(`${micros / 1_000_000n}.${String(micros % 1_000_000n).padStart(6, '0')}`);
    expect(api.total).toMatchObject({ impressions, clicks: AD_ROWS.reduce((n, r) => n + r[3], 0) });
    expect(await page.getAttribute('[data-ads-kpi="impressions"]', 'data-value')).toBe(String(api.total.impressions));
    expect(await page.getAttribute('[data-ads-kpi="cost"]', 'data-value')).toBe(api.total.cost);
    expect(await page.textContent('[data-ads-kpi="cost"] b')).toBe(api.total.cost);
    expect(await page.getAttribute('[data-ads-kpi="ctr"]', 'data-value')).toBe(String(api.total.ctr));
    const byCampaign = AD_ROWS.reduce<Record<string, number>>((m, r) => ((m[r[1]] = (m[r[1]] ?? 0) + r[2]), m), {});
    expect(s.topCampaigns.map((g) => [g.name, g.value])).toEqual(
      Object.entries(byCampaign).sort((a, b) => b[1] - a[1]),
    );
    const campaigns = await plotted('#chart-ads-campaigns', '__ads');
    expect(campaigns.y.length).toBe(Object.keys(byCampaign).length);
    expect(campaigns.y.map((c) => [c, byCategory(campaigns, 'y')[c]])).toEqual(
      Object.entries(byCampaign).sort((a, b) => b[1] - a[1]),
    );
    // One bar per minute with rows, and exactly the impressions /api/ads answers for that minute.
    const imps = await plotted('#chart-ads-impressions', '__ads');
    const plottedImps = byCategory(imps, 'x');
    expect(Object.keys(plottedImps).length).toBe(new Set(AD_ROWS.map((r) => r[0])).size);
    const minutes = await fetch(
      `${server.url}/api/ads?${new URLSearchParams({ ...imps.window!, interval: 'minute' })}`,
    );
    const perMinute = ((await minutes.json()) as AdsResult).buckets;
    expect(plottedImps).toEqual(
      Object.fromEntries(perMinute.map((b) => [String(Date.parse(b.start)), b.metrics.impressions])),
    );
    expect(await page.getAttribute('#ads-stream', 'data-state')).toBe('not started');
    mkdirSync('test-artifacts', { recursive: true });
    await page.locator('#ads').screenshot({ path: 'test-artifacts/dashboard-ads.png' });
  });
});
