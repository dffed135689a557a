/**
 * Serving API on the real services: a day whose batch run completed is answered by the batch view (equal to
 * `batch status` totals) even though the speed view also has events on it; a day without one by the speed view
 * (equal to `speedTotals` and to an independent count); bad parameters give 400 naming them; every route is in
 * the OpenAPI document and real responses validate against it; /api/health reports real state and stays fast
 * when services are down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSearchSink } from '../adapters/search/index.js';
import { batchWorkflowId } from '../common/batch.js';
import { batchStatus, type BatchStatus } from '../cli/batch.js';
import { generateWeblogs } from '../cli/generate.js';
import { startServe, type RunningServer } from '../cli/serve.js';
import { checkSchema } from '../serve/schema-check.js';
import { buildApp, openApiDocument, servedPaths } from '../serve/server.js';
import type { ViewershipResult } from '../lib/views/viewership.js';
import type { HealthReport } from '../serve/health.js';
import { speedTotals } from '../lib/stream/totals.js';
import { testConfig } from './helpers.js';
import { expectedOf, makeEvents, serveTestEnv } from './serve-env.js';
import { batchDay } from '../workflows/batch.js';

/** The OpenAPI document `/openapi.json` serves, generated from the routes' schemas. */
const OPENAPI = await openApiDocument();

const DAY = 86_400_000;
// A random far-future date: the batch workflow id (batch-<date>) is global on the shared Temporal server.
const D1 = new Date(Date.parse('2034-01-01T00:00:00Z') + Math.floor(Math.random() * 3000) * DAY)
  .toISOString()
  .slice(0, 10);
const D2 = new Date(Date.parse(D1) + DAY).toISOString().slice(0, 10);
const D1_EVENTS = makeEvents('d1', 300, (i) => Date.parse(`${D1}T08:00:00Z`) + i * 97_000);
const D2_EVENTS = makeEvents('d2', 900, (i) => Date.parse(`${D2}T00:10:00Z`) + i * 61_000);
const BAD = ['{not json', '[1]', JSON.stringify({ event_id: 'x' })];
const ROWS = 3000;

describe('serving API: merged views, validation, OpenAPI, health', () => {
  let t: Awaited<ReturnType<typeof serveTestEnv>>;
  let server: RunningServer;
  let batch: BatchStatus;
  const get = async <T>(path: string): Promise<{ status: number; body: T; type: string }> => {
    const res = await fetch(`${server.url}${path}`);
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      body: (res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text()) as T,
    };
  };
  const view = async (qs: string) => {
    const r = await get<ViewershipResult>(`/api/viewership?${qs}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(checkSchema({ $ref: '#/components/schemas/Viewership' }, r.body, OPENAPI)).toEqual([]);
    return r.body;
  };
  const speed = (from: string, to: string) => {
    const sink = createSearchSink(t.cfg.search);
    return speedTotals(sink, t.id, new Date(from), new Date(to)).finally(() => sink.close());
  };

  beforeAll(async () => {
    t = await serveTestEnv('sv', ['batch', 'stream']);
    await generateWeblogs(t.cfg, {
      date: D1,
      rows: ROWS,
      format: 'csv',
      badRate: 0.02,
      gzip: false,
      seed: 7,
      customers: 40,
    });
    await t.client.workflow.execute(batchDay, {
      taskQueue: t.cfg.temporal.taskQueues.batch,
      workflowId: batchWorkflowId(D1),
      args: [{ date: D1, rejectThreshold: 0.05 }],
    });
    batch = await batchStatus(t.cfg, D1);
    // Everything is on the topic before the stream starts: the first micro-batch (watermark 0) takes it all.
    await t.send([...D1_EVENTS, ...D2_EVENTS].map((e) => JSON.stringify(e)).concat(BAD));
    await t.startStream(500);
    await t.caughtUp(D1_EVENTS.length + D2_EVENTS.length + BAD.length);
    const sink = createSearchSink(t.cfg.search);
    await sink.refresh(`${t.id}-speed-*`);
    await sink.close();
    server = await startServe(t.cfg, { port: 0, streamWorkflowId: t.streamWorkflowId });
  });

  afterAll(async () => {
    await server?.stop();
    await t?.cleanup();
  });

  it('answers a batch-complete day from the batch view and the other day from the speed view', async () => {
    expect(batch.state).toBe('completed');
    expect((await speed(`${D1}T00:00:00Z`, `${D2}T00:00:00Z`)).events).toBe(D1_EVENTS.length); // the speed view has D1 too
    const r = await view(`from=${D1}&to=${new Date(Date.parse(D2) + DAY).toISOString()}&interval=day`);
    expect(r.batchDays).toEqual([D1]);
    expect(r.buckets.map((b) => [b.start.slice(0, 10), b.source])).toEqual([
      [D1, 'batch'],
      [D2, 'speed'],
    ]);
    const [b1, b2] = r.buckets;
    expect(b1!.metrics).toEqual({
      events: batch.totals.requests,
      uniqueCustomers: batch.totals.uniqueCustomers,
      unknownCustomerEvents: batch.totals.unknownCustomerRequests,
      watchMs: null,
      bytes: batch.totals.bytes,
      byStatusCategory: batch.totals.byStatusCategory,
      errorRate:
        ((batch.totals.byStatusCategory['4xx'] ?? 0) + (batch.totals.byStatusCategory['5xx'] ?? 0)) /
        batch.totals.requests,
    });
    const s2 = await speed(`${D2}T00:00:00Z`, new Date(Date.parse(D2) + DAY).toISOString());
    const want = expectedOf(D2_EVENTS);
    expect(s2).toMatchObject({
      events: want.events,
      uniqueCustomers: want.uniqueCustomers,
      unknownCustomerEvents: want.unknownCustomerEvents,
      watchMs: want.watchMs,
    });
    expect(b2!.metrics).toMatchObject({
      events: s2.events,
      uniqueCustomers: s2.uniqueCustomers,
      unknownCustomerEvents: s2.unknownCustomerEvents,
      watchMs: s2.watchMs,
      bytes: null,
      byStatusCategory: want.byStatusCategory,
    });
  });

  it('serves hours, minutes and groups of a batch day at the batch view’s granularity', async () => {
    const hours = await view(`from=${D1}&to=${D2}&interval=hour`);
    expect(
      hours.buckets.every((b) => b.source === 'batch' && Date.parse(b.end) - Date.parse(b.start) === 3_600_000),
    ).toBe(true);
    expect(hours.buckets.reduce((n, b) => n + Number(b.metrics.events), 0)).toBe(batch.totals.requests);
    const minutes = await view(`from=${D1}T08:00:00Z&to=${D1}T10:00:00Z&interval=minute&metrics=events`);
    expect(minutes.buckets.map((b) => b.start)).toEqual([`${D1}T08:00:00.000Z`, `${D1}T09:00:00.000Z`]);
    const byCountry = await view(`from=${D1}&to=${D2}&interval=day&groupBy=country`);
    expect(byCountry.buckets.reduce((n, b) => n + Number(b.metrics.events), 0)).toBe(batch.totals.requests);
    expect(
      byCountry.buckets.every((b) => b.metrics.uniqueCustomers === null && typeof b.group.country === 'string'),
    ).toBe(true);
    const full = await view(`from=${D1}&to=${D2}&interval=day&groupBy=country,plan,device,status_category,event_type`);
    expect(
      full.buckets.every((b) => typeof b.metrics.uniqueCustomers === 'number' && b.group.event_type === null),
    ).toBe(true);
    const content = await view(`from=${D1}&to=${D2}&interval=day&groupBy=content_id&limit=3`);
    expect(content.buckets).toHaveLength(3);
  });

  it('answers a speed-only range exactly like speedTotals, grouped or not', async () => {
    const from = `${D2}T02:00:00Z`;
    const to = `${D2}T09:30:00Z`;
    const s = await speed(from, to);
    expect(s.events).toBeGreaterThan(100);
    const day = await view(`from=${from}&to=${to}&interval=day`);
    expect(day.buckets).toHaveLength(1);
    expect(day.buckets[0]).toMatchObject({
      source: 'speed',
      start: new Date(from).toISOString(),
      end: new Date(to).toISOString(),
    });
    expect(day.buckets[0]!.metrics).toMatchObject({
      events: s.events,
      uniqueCustomers: s.uniqueCustomers,
      unknownCustomerEvents: s.unknownCustomerEvents,
      watchMs: s.watchMs,
      byStatusCategory: s.byStatusCategory,
    });
    const hours = await view(`from=${from}&to=${to}&interval=hour&metrics=events,watchMs`);
    expect(hours.buckets.reduce((n, b) => n + Number(b.metrics.events), 0)).toBe(s.events);
    expect(hours.buckets.reduce((n, b) => n + Number(b.metrics.watchMs), 0)).toBe(s.watchMs);
    const types = await view(`from=${from}&to=${to}&interval=day&groupBy=event_type&metrics=events`);
    expect(Object.fromEntries(types.buckets.map((b) => [b.group.event_type, b.metrics.events]))).toEqual(s.byEventType);
  });

  it('rejects bad parameters with 400 naming the parameter', async () => {
    const cases: [string, string][] = [
      ['from=noon', 'from'],
      ['to=2026-02-30T25:00:00Z', 'to'],
      [`from=${D2}&to=${D1}`, 'to'],
      ['interval=week', 'interval'],
      ['groupBy=country,colour', 'groupBy'],
      ['metrics=events,views', 'metrics'],
      ['groupBy=plan&limit=-1', 'limit'],
      ['size=3', 'size'],
      ['from=2000-01-01&to=2030-01-01&interval=minute', 'interval'],
    ];
    for (const [qs, parameter] of cases) {
      const r = await get<{ error: string; parameter: string }>(`/api/viewership?${qs}`);
      expect(r.status, qs).toBe(400);
      expect(r.body.parameter, qs).toBe(parameter);
      expect(r.body.error, qs).toMatch(new RegExp(parameter === 'size' ? 'unknown parameter' : parameter));
      expect(checkSchema({ $ref: '#/components/schemas/Error' }, r.body, OPENAPI)).toEqual([]);
    }
    expect((await get('/api/nothing')).status).toBe(404);
    expect((await fetch(`${server.url}/api/health`, { method: 'POST' })).status).toBe(405);
  });

  it('documents every route in OpenAPI 3.1 and serves what it documents', async () => {
    const doc = await get<typeof OPENAPI>('/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    const app = await buildApp({ resources: {} as never, checkTimeoutMs: 1 });
    const served = servedPaths(app);
    await app.close();
    expect(Object.keys(doc.body.paths).sort()).toEqual(served);
    const html = await get<string>('/');
    expect(html.type).toMatch(/text\/html/);
    expect(html.body).toContain('/assets/dashboard.js');
    for (const f of ['dashboard.js', 'charts.js', 'health.js', 'dashboard.css'])
      expect((await get(`/assets/${f}`)).status).toBe(200);
    const missing = await get<{ error: string }>('/assets/..%2Fserver.ts');
    expect(missing.status).toBe(404);
    expect(checkSchema({ $ref: '#/components/schemas/Error' }, missing.body, OPENAPI)).toEqual([]);
  });

  it('reports services, stream, batch runs, schedules, dead letters and quarantine in /api/health', async () => {
    const r = await get<HealthReport>('/api/health');
    expect(r.status).toBe(200);
    expect(checkSchema({ $ref: '#/components/schemas/Health' }, r.body, OPENAPI)).toEqual([]);
    const h = r.body;
    expect(h.services.map((s) => [s.name, s.up])).toEqual([
      ['kafka', true],
      ['search', true],
      ['profiles', true],
      ['temporal', true],
    ]);
    expect(h.stream).toMatchObject({
      workflowId: t.streamWorkflowId,
      running: true,
      status: 'RUNNING',
      lagTotal: 0,
      lagByPartition: { 0: 0, 1: 0, 2: 0 },
      problems: [],
    });
    expect(h.status).toBe('ok');
    expect(h.stream.totals).toMatchObject({ events: D1_EVENTS.length + D2_EVENTS.length, deadLettered: BAD.length });
    expect(Date.parse(h.stream.lastBatchAt!)).toBeGreaterThan(Date.now() - 120_000);
    const run = h.batch.runs.find((x) => x.workflowId === batchWorkflowId(D1));
    expect(run).toMatchObject({ date: D1, status: 'COMPLETED', rowsLanded: ROWS, rowsRejected: batch.rejected.total });
    expect(run!.url).toContain(`${t.cfg.temporal.uiUrl}/namespaces/default/workflows/${batchWorkflowId(D1)}/`);
    expect(h.schedules.map((s) => s.id)).toEqual([
      t.cfg.temporal.schedules.batch,
      t.cfg.temporal.schedules.profileCache,
    ]);
    for (const s of h.schedules) expect(s.url).toBe(`${t.cfg.temporal.uiUrl}/namespaces/default/schedules/${s.id}`);
    expect(h.deadLetters).toMatchObject({ total: BAD.length, lastHour: BAD.length, late: 0, duplicates: 0 });
    expect(h.quarantine).toEqual({
      rejectedRows: batch.rejected.total,
      days: [{ date: D1, rejectedRows: batch.rejected.total, byReason: batch.rejected.byReason }],
    });
    expect(batch.rejected.total).toBeGreaterThan(0);
  });

  it('answers /api/health quickly with the unreachable services marked down', async () => {
    const cfg = testConfig({
      ...Object.fromEntries(Object.entries(process.env)),
      KAFKA_BROKERS: '127.0.0.1:1',
      SEARCH_URL: 'http://127.0.0.1:1',
      SERVE_CHECK_TIMEOUT_MS: '1500',
      SEARCH_INDEX_PREFIX: t.id,
    });
    const down = await startServe(cfg, { port: 0 });
    try {
      const t0 = Date.now();
      const res = await fetch(`${down.url}/api/health`);
      const h = (await res.json()) as HealthReport;
      expect(Date.now() - t0).toBeLessThan(6000);
      expect(h.status).toBe('degraded');
      expect(Object.fromEntries(h.services.map((s) => [s.name, s.up]))).toEqual({
        kafka: false,
        search: false,
        profiles: true,
        temporal: true,
      });
      expect(h.services.find((s) => s.name === 'kafka')!.error).toBeTruthy();
      expect(checkSchema({ $ref: '#/components/schemas/Health' }, h, OPENAPI)).toEqual([]);
      expect((await fetch(`${down.url}/api/viewership`)).status).toBe(503);
    } finally {
      await down.stop();
    }
  });
});
