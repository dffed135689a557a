/**
 * The orders import on the real services: `generate orders` fills the shared `orders` table (ids with this
 * file's own prefix, dates of its own far ahead), `ordersDay` (Temporal) imports the changes into this file's
 * own lake, registers, aggregates and indexes them; every figure is checked against an independent SQL
 * computation over the source table. Then: an order changed after its date was imported re-aggregates that
 * date, a re-run is identical, and the status command prints the JSON shape.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { createPostgresOrdersStore } from '../adapters/profiles/orders-postgres.js';
import { createSearchSink } from '../adapters/search/index.js';
import { ordersWorkflowId, type OrdersStatus } from '../common/orders.js';
import { createLakeCatalog } from '../lib/clients.js';
import { revenueIndex } from '../lib/orders/revenue.js';
import { batchIndex } from '../lib/search-templates.js';
import { connectTemporal } from '../lib/temporal.js';
import { ordersDay } from '../workflows/orders.js';
import { scheduledBatch } from '../workflows/batch.js';
import { generateWeblogLines } from '../lib/generate/weblogs.js';
import { startWorkers } from '../workers/run.js';
import { expectedByDate, revenueDocsOf, sqlByDate } from './orders-expected.js';
import type { RevenueResult } from '../lib/views/revenue.js';
import { createServeResources } from '../serve/resources.js';
import { checkSchema } from '../serve/schema-check.js';
import { startServer, openApiDocument } from '../serve/server.js';
import { testConfig, uniqueName } from './helpers.js';

/** The OpenAPI document `/openapi.json` serves, generated from the routes' schemas. */
const OPENAPI = await openApiDocument();

const root = mkdtempSync(`${tmpdir()}/viewership-orders-`);
const queue = uniqueName('orders-test');
const PREFIX = `${queue.replace(/^orders-test-/, 'T')}-`;
const env = {
  LANDING_DIR: `${root}/landing`,
  LAKE_DIR: `${root}/lake`,
  WORK_DIR: `${root}/work`,
  QUARANTINE_DIR: `${root}/quarantine`,
  TASK_QUEUE_BATCH: queue,
  SEARCH_INDEX_PREFIX: 'viewership-orders-test',
};
const cfg = testConfig(env);
const DAY = 86_400_000;
const day0 = Date.parse('2060-01-01T00:00:00Z') + Math.floor(Math.random() * 5000) * DAY;
const [D1, D2, D3, D4] = [0, 1, 2, 3].map((i) => new Date(day0 + i * DAY).toISOString().slice(0, 10)) as [
  string,
  string,
  string,
  string,
];

const cli = (...args: string[]) =>
  execFileSync('node', ['bin/viewership.mjs', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
const status = (date: string): OrdersStatus => JSON.parse(cli('orders', 'status', '--date', date, '--json'));

describe('orders: incremental import, revenue aggregates, status', () => {
  let client: Client;
  let workers: { stop: () => Promise<void> };
  const db = new pg.Pool({ ...cfg.stream.checkpoints.postgres, max: 2 });
  const run = (date: string) =>
    client.workflow.execute(ordersDay, {
      taskQueue: queue,
      workflowId: ordersWorkflowId(date),
      args: [{ date, settleMs: 0 }],
    });

  beforeAll(async () => {
    client = await connectTemporal(cfg.temporal);
    workers = await startWorkers(cfg, ['batch']);
    cli(
      'generate',
      'orders',
      '--days',
      '3',
      '--per-day',
      '300',
      '--update-rate',
      '0.3',
      '--to',
      D3,
      '--customers',
      '150',
      '--seed',
      '11',
      '--id-prefix',
      PREFIX,
    );
  });

  afterAll(async () => {
    await workers?.stop();
    await client?.connection.close();
    await db.query('DELETE FROM orders WHERE order_id LIKE $1', [`${PREFIX}%`]).catch(() => undefined);
    await db.query('DELETE FROM lake_import_state WHERE lake_root = $1', [env.LAKE_DIR]).catch(() => undefined);
    const c = createLakeCatalog(cfg);
    for (const t of ['orders', 'weblogs'] as const)
      await c
        .unregister(
          t,
          (await c.list({ table: t })).map((p) => p.path),
        )
        .catch(() => undefined);
    await c.close();
    // This file's own indices (SEARCH_INDEX_PREFIX viewership-orders-test).
    const sink = createSearchSink(cfg.search);
    for (const index of [revenueIndex(cfg.search.indexPrefix), batchIndex(cfg.search.indexPrefix)])
      await sink.deleteIndex(index).catch(() => undefined);
    await sink.close();
    await db.end();
    rmSync(root, { recursive: true, force: true });
  });

  it('generate orders wrote the days with later changes; the import equals an independent SQL computation per date', async () => {
    const gen = await sqlByDate(db, PREFIX, D1, D4);
    expect(Object.keys(gen)).toEqual([D1, D2, D3]);
    expect(Object.values(gen).map((g) => g.orders)).toEqual([300, 300, 300]);
    expect(Object.values(gen).reduce((n, g) => n + g.refundedOrders, 0)).toBeGreaterThan(20);

    const r = await run(D3);
    expect(r.dates).toEqual(expect.arrayContaining([D1, D2, D3]));
    expect(r.rows).toBeGreaterThanOrEqual(900);
    for (const d of [D1, D2, D3]) {
      const s = status(d);
      const expected = await expectedByDate(db, d);
      expect(s.imported.rows, d).toBe(expected.orders);
      expect(s.totals, d).toEqual(expected.totals);
    }
    expect(status(D3).state).toBe('completed');
    // The lake rows: one per order, exactly the source's.
    const lake = JSON.parse(
      cli(
        'lake',
        'query',
        '--json',
        `SELECT date, count(*) AS n, count(DISTINCT order_id) AS u, sum(amount)::VARCHAR AS a FROM orders WHERE date IN ('${D1}', '${D2}', '${D3}') GROUP BY date ORDER BY date`,
      ),
    );
    for (const row of lake) {
      const e = await expectedByDate(db, row.date);
      expect(row, row.date).toEqual({ date: row.date, n: e.orders, u: e.orders, a: e.amountSum });
    }
  });

  it('the memo and the durable state hold the same high-water mark; the revenue docs break down by kind, plan, country', async () => {
    const memo = (await client.workflow.getHandle(ordersWorkflowId(D3)).describe()).memo as {
      imported: { highWaterMark: { updatedAt: string; orderId: string } };
    };
    const { rows } = await db.query(
      'SELECT hwm_updated_at, hwm_key, pending_dates FROM lake_import_state WHERE lake_root = $1',
      [env.LAKE_DIR],
    );
    expect(memo.imported.highWaterMark).toEqual({
      updatedAt: (rows[0].hwm_updated_at as Date).toISOString(),
      orderId: rows[0].hwm_key,
    });
    expect(rows[0].pending_dates).toEqual([]);
    const docs = await revenueDocsOf(cfg, D2);
    const byPlan = (
      await db.query(
        `SELECT coalesce(p.plan, 'unknown') AS plan, count(*)::int AS n, (coalesce(sum(o.amount) FILTER (WHERE o.status = 'paid'), 0) * 100)::bigint::text AS paid
       FROM orders o LEFT JOIN customer_profiles p USING (customer_id) WHERE o.created_at >= $1 AND o.created_at < $2 GROUP BY 1 ORDER BY 1`,
        [`${D2}T00:00:00Z`, `${D3}T00:00:00Z`],
      )
    ).rows;
    expect(
      docs.filter((d) => d.kind === 'plan').map((d) => ({ plan: d.plan, n: d.orders, paid: String(d.paid_cents) })),
    ).toEqual(byPlan);
    expect(docs.filter((d) => d.kind === 'order_kind').reduce((n, d) => n + Number(d.orders), 0)).toBe(300);
    expect(docs.filter((d) => d.kind === 'country').reduce((n, d) => n + Number(d.orders), 0)).toBe(300);
  });

  it('an order changed after its date was imported makes that date re-aggregate (exact decimals)', async () => {
    const store = createPostgresOrdersStore({
      ...cfg.stream.checkpoints.postgres,
      password: cfg.stream.checkpoints.postgres.password ?? '',
    });
    try {
      const [paid] = (
        await db.query(
          `SELECT order_id FROM orders WHERE order_id LIKE $1 AND status = 'paid' ORDER BY order_id LIMIT 1`,
          [`${PREFIX}${D1.replace(/-/g, '')}%`],
        )
      ).rows;
      const [o1] = await store.getMany([paid.order_id]);
      const [o2] = await store.getMany([`${PREFIX}${D2.replace(/-/g, '')}-000007`]);
      await store.upsert([
        { ...o1!, status: 'refunded' },
        { ...o2!, amount: '0.10' },
        {
          orderId: `${PREFIX}${D1.replace(/-/g, '')}-extra`,
          customerId: 'C000001',
          kind: 'purchase',
          contentId: 'V1',
          amount: '0.20',
          currency: 'USD',
          status: 'paid',
          createdAt: new Date(`${D1}T23:59:59.999Z`),
        },
      ]);
    } finally {
      await store.close();
    }
    const before = { d1: status(D1).totals, d2: status(D2).totals };
    const r = await run(D3);
    expect(r.rows).toBeGreaterThanOrEqual(3);
    expect(r.dates).toEqual(expect.arrayContaining([D1, D2, D3]));
    const after = { d1: status(D1), d2: status(D2) };
    for (const [d, st] of [
      [D1, after.d1],
      [D2, after.d2],
    ] as const) {
      const e = await expectedByDate(db, d);
      expect(st.totals, d).toEqual(e.totals);
      expect(st.imported.rows, d).toBe(e.orders);
    }
    expect(after.d1.totals).not.toEqual(before.d1);
    expect(after.d1.totals.orders).toBe(301);
    expect(after.d2.totals).not.toEqual(before.d2);
  });

  it('re-running with no new changes gives identical lake files and documents; a date without orders is all zeros', async () => {
    const catalog = createLakeCatalog(cfg);
    try {
      const snap = async () => ({
        parts: (await catalog.list({ table: 'orders', fromDate: D1, toDate: D3 })).map((p) => [
          p.path,
          p.fingerprint,
          p.rows,
        ]),
        docs: await Promise.all([D1, D2, D3].map((d) => revenueDocsOf(cfg, d))),
      });
      const a = await snap();
      const r = await run(D3);
      expect(r.rows).toBe(0);
      expect(await snap()).toEqual(a);
    } finally {
      await catalog.close();
    }
    await run(D4);
    const s = status(D4);
    expect(s).toEqual({
      date: D4,
      state: 'completed',
      imported: { rows: 0, highWaterMark: expect.objectContaining({ orderId: expect.any(String) }) },
      totals: {
        orders: 0,
        paidAmount: '0.00',
        refundedAmount: '0.00',
        maxAmount: '0.00',
        uniqueCustomers: 0,
        byKind: {
          subscription: { orders: 0, paidAmount: '0.00', refundedAmount: '0.00' },
          rental: { orders: 0, paidAmount: '0.00', refundedAmount: '0.00' },
          purchase: { orders: 0, paidAmount: '0.00', refundedAmount: '0.00' },
        },
      },
    });
    const s3 = status(D3);
    expect(Object.keys(s3)).toEqual(['date', 'state', 'imported', 'totals']);
    expect(Object.keys(s3.imported)).toEqual(['rows', 'highWaterMark']);
    expect(Object.keys(s3.totals)).toEqual([
      'orders',
      'paidAmount',
      'refundedAmount',
      'maxAmount',
      'uniqueCustomers',
      'byKind',
    ]);
    for (const v of [s3.totals.paidAmount, s3.totals.refundedAmount, s3.totals.maxAmount])
      expect(v).toMatch(/^\d+\.\d{2}$/);
  });

  it('/api/revenue serves the complete dates (exact amounts, breakdowns), lists the missing ones, and names bad parameters', async () => {
    const resources = createServeResources(cfg);
    const server = await startServer({ resources, host: '127.0.0.1', port: 0, checkTimeoutMs: 2000 });
    try {
      const get = async (qs: string) => {
        const r = await fetch(`${server.url}/api/revenue?${qs}`);
        return { status: r.status, body: (await r.json()) as RevenueResult & { error?: string; parameter?: string } };
      };
      const D5 = new Date(Date.parse(D4) + DAY).toISOString().slice(0, 10);
      const r = await get(`from=${D1}&to=${D5}`);
      expect(r.status).toBe(200);
      expect(checkSchema({ $ref: '#/components/schemas/Revenue' }, r.body, OPENAPI)).toEqual([]);
      expect(r.body.days.map((d) => d.date)).toEqual([D1, D2, D3, D4]);
      expect(r.body.missingDays).toEqual([D5]);
      for (const d of r.body.days) {
        const { date, ...totals } = d;
        expect(totals, date).toEqual((await expectedByDate(db, date)).totals);
      }
      const [t] = (
        await db.query(
          `SELECT count(*)::int AS n, coalesce(sum(amount) FILTER (WHERE status = 'paid'), 0)::numeric(16,2)::text AS paid,
        coalesce(sum(amount) FILTER (WHERE status = 'refunded'), 0)::numeric(16,2)::text AS refunded FROM orders WHERE created_at >= $1 AND created_at < $2`,
          [`${D1}T00:00:00Z`, `${D5}T00:00:00Z`],
        )
      ).rows;
      expect(r.body.total).toEqual({ orders: t.n, paidAmount: t.paid, refundedAmount: t.refunded });
      const byKind = await get(`from=${D2}&to=${D2}&groupBy=order_kind`);
      expect(checkSchema({ $ref: '#/components/schemas/Revenue' }, byKind.body, OPENAPI)).toEqual([]);
      const e2 = (await expectedByDate(db, D2)).totals.byKind;
      expect(byKind.body.days[0]!.groups!.map((g) => [g.value, g.orders, g.paidAmount])).toEqual(
        Object.entries(e2)
          .filter(([, v]) => v.orders > 0)
          .map(([k, v]) => [k, v.orders, v.paidAmount])
          .sort(),
      );
      for (const [qs, parameter] of [
        ['from=2061-02-30', 'from'],
        [`from=${D2}&to=${D1}`, 'to'],
        ['groupBy=device', 'groupBy'],
        ['from=2000-01-01&to=2030-01-01', 'from'],
        ['size=1', 'size'],
      ] as const) {
        const bad = await get(qs);
        expect([bad.status, bad.body.parameter], qs).toEqual([400, parameter]);
      }
    } finally {
      await server.close();
      await resources.close();
    }
  });

  it("the daily scheduled run imports the orders after the web logs (the date's orders workflow is its last child)", async () => {
    // scheduledBatch names its children by date (batch-, batch-events-, orders-<yesterday>), like test/batch.test.ts does.
    const yesterday = new Date(Date.now() - DAY).toISOString().slice(0, 10);
    mkdirSync(`${env.LANDING_DIR}/${yesterday}`, { recursive: true });
    writeFileSync(
      `${env.LANDING_DIR}/${yesterday}/day.csv`,
      `${[...generateWeblogLines({ date: yesterday, rows: 50, format: 'csv', badRate: 0, customers: 20, seed: 3 })].join('\n')}\n`,
    );
    const handle = await client.workflow.start(scheduledBatch, {
      taskQueue: queue,
      workflowId: `${queue}-scheduled`,
      args: [{ timezone: 'UTC', lookbackDays: 0 }],
    });
    const r = await handle.result();
    expect(r.orders).toMatchObject({ date: yesterday, dates: expect.arrayContaining([yesterday]) });
    const history = await handle.fetchHistory();
    const children = (history.events ?? []).flatMap(
      (e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId ?? [],
    );
    expect(children).toEqual([`batch-${yesterday}`, `batch-events-${yesterday}`, ordersWorkflowId(yesterday)]);
    expect(status(yesterday)).toMatchObject({
      state: 'completed',
      totals: (await expectedByDate(db, yesterday)).totals,
    });
  });

  it('bad input: a clear one-line CLI error, and a workflow started by hand fails non-retryably', async () => {
    const r = spawnSync('node', ['bin/viewership.mjs', 'orders', 'status', '--date', '2061-02-30', '--json'], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toBe('viewership: --date must be a date YYYY-MM-DD (got "2061-02-30")');
    const err = await client.workflow
      .execute(ordersDay, { taskQueue: queue, workflowId: `${queue}-bad`, args: [{ date: 'yesterday' } as never] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(String((err as WorkflowFailedError).cause)).toMatch(/ordersDay: date "yesterday" is not a calendar date/);
  });
});
