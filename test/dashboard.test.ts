/**
 * The dashboard end to end in headless Debian Chromium (playwright-core, no browser download): the server runs
 * in-process on an isolated stream environment with a worker and the streaming workflow; the page starts empty,
 * events are produced, and the page's chart data must reach exactly the produced amounts (events, unique
 * customers, watch time, status categories, countries, plans, top content) and show the stream in the health
 * panel. Saves a screenshot to test-artifacts/dashboard.png.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServe, type RunningServer } from '../cli/serve.js';
import { expectedOf, makeEvents, serveTestEnv } from './serve-env.js';

const N = 1200;
const BAD = ['{broken', JSON.stringify({ event_id: 'no-customer', event_time: new Date().toISOString() })];
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface Group { name: string; value: number }
interface DashState {
  polls: number;
  error: string | null;
  kpis: Record<'eventsPerMinute' | 'events' | 'uniqueCustomers' | 'watchMs' | 'errorRate', number | null>;
  series: Record<string, { t: number; v: number; source: string }[]>;
  byStatusCategory: Record<string, number>;
  topContent: Group[];
  byCountry: Group[];
  byPlan: Group[];
  health: { stream: { running: boolean; workflowId: string; totals: { events: number } | null }; deadLetters: { total: number } } | null;
}

describe('dashboard in a real browser', () => {
  let t: Awaited<ReturnType<typeof serveTestEnv>>;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const state = () => page.evaluate(() => (globalThis as unknown as { __dashboard: DashState }).__dashboard);
  const pollsNow = async () => (await state()).polls;

  beforeAll(async () => {
    t = await serveTestEnv('dash', ['stream']);
    await t.startStream(1000);
    server = await startServe(t.cfg, { port: 0, streamWorkflowId: t.streamWorkflowId });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }); // Playwright gives each launch a fresh temporary profile
    page = await browser.newPage({ viewport: { width: 1440, height: 1400 } });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.cleanup();
  });

  it('fills the charts with exactly the produced events, live', async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${server.url}/?refreshMs=1000`);
    await page.waitForFunction(() => ((globalThis as unknown as { __dashboard?: DashState }).__dashboard?.polls ?? 0) > 0, null, { timeout: 60_000 });
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
    await page.waitForFunction((n) => (globalThis as unknown as { __dashboard: DashState }).__dashboard.kpis.events === n, N, { timeout: 90_000, polling: 500 });
    const from = await pollsNow();
    await page.waitForFunction((p) => (globalThis as unknown as { __dashboard: DashState }).__dashboard.polls > p + 1, from, { timeout: 60_000 });
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
    const topContent = Object.entries(want.byContent).sort((a, b) => b[1] - a[1]).slice(0, 10);
    expect(s.topContent.map((g) => g.value)).toEqual(topContent.map(([, v]) => v));
    for (const g of s.topContent) expect(want.byContent[g.name]).toBe(g.value);
    expect(s.health?.stream.totals?.events).toBe(N);
    expect(s.health?.deadLetters.total).toBe(BAD.length);

    // What a person sees mirrors the data: the KPI's data attribute, the country bars, the stream panel.
    expect(await page.getAttribute('[data-kpi="events"]', 'data-value')).toBe(String(N));
    expect(await page.locator('#chart-country .hbar').count()).toBe(Math.min(10, Object.keys(want.byCountry).length));
    expect(await page.getAttribute('#stream', 'data-running')).toBe('true');
    expect(await page.getAttribute('#rejects', 'data-dead-letters')).toBe(String(BAD.length));
    expect(await page.locator('#chart-events rect').count()).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/dashboard.png', fullPage: true });
  });
});
