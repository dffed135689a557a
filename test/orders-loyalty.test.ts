/**
 * Customer loyalty on the real services: customers of this file's own (unique ids) with orders in the shared
 * `orders` table and activity in this file's own lake; `refreshLoyalty` (Temporal) writes this file's own loyalty
 * table (LOYALTY_TABLE). Points, tier, segment, R/F/M and promotions must equal PostgreSQL's own computation from
 * the sources; a refund, new activity, a profile change and a deleted profile reach the table on the next
 * incremental run; the look-up API and CLI answer known, unknown and malformed ids.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Client } from '@temporalio/client';
import { createPostgresOrdersStore } from '../adapters/profiles/orders-postgres.js';
import type { Order } from '../adapters/profiles/orders-types.js';
import { createPostgresProfilesStore } from '../adapters/profiles/postgres.js';
import type { LakeCatalog } from '../adapters/catalog/types.js';
import { applyLoyaltySchedule, deleteLoyaltySchedule } from '../cli/loyalty.js';
import { createLakeCatalog } from '../lib/clients.js';
import type { CustomerView } from '../lib/loyalty/lookup.js';
import { createServeResources } from '../serve/resources.js';
import { checkSchema } from '../serve/schema-check.js';
import { startServer, openApiDocument } from '../serve/server.js';
import { connectTemporal } from '../lib/temporal.js';
import { refreshLoyalty } from '../workflows/loyalty.js';
import { startWorkers } from '../workers/run.js';
import { expectedLoyalty, writeLakeHour } from './orders-loyalty-fixtures.js';
import { testConfig, uniqueName } from './helpers.js';

/** The OpenAPI document `/openapi.json` serves, generated from the routes' schemas. */
const OPENAPI = await openApiDocument();

const root = mkdtempSync(`${tmpdir()}/viewership-loyalty-`);
const queue = uniqueName('loyalty-test');
const tag = queue.replace(/^loyalty-test-/, '').replace(/-/g, '_');
const env = {
  LANDING_DIR: `${root}/landing`,
  LAKE_DIR: `${root}/lake`,
  WORK_DIR: `${root}/work`,
  QUARANTINE_DIR: `${root}/quarantine`,
  TASK_QUEUE_BATCH: queue,
  SEARCH_INDEX_PREFIX: 'viewership-loyalty-test',
  LOYALTY_TABLE: `customer_loyalty_t${tag}`,
  SCHEDULE_ID_LOYALTY: `${queue}-loyalty`,
};
const cfg = testConfig(env);
const pgOpts = { ...cfg.stream.checkpoints.postgres, password: cfg.stream.checkpoints.postgres.password ?? '' };
const DAY = 86_400_000;
const now = Date.now();
const ago = (days: number) => new Date(now - days * DAY);
const dateAgo = (days: number) => ago(days).toISOString().slice(0, 10);
const ID = (s: string) => `L${tag}-${s}`;
const [CHAMP, LOYAL, RISK, HIBER, PROSPECT, NEW, REGULAR, GONE] = [
  'champ',
  'loyal',
  'risk',
  'hiber',
  'prospect',
  'new',
  'regular',
  'gone',
].map(ID) as [string, string, string, string, string, string, string, string];
const ALL = [CHAMP, LOYAL, RISK, HIBER, PROSPECT, NEW, REGULAR, GONE];

let seq = 0;
const order = (customerId: string, daysAgo: number, amount: string, status: 'paid' | 'refunded' = 'paid'): Order => ({
  orderId: `${customerId}-o${++seq}`,
  customerId,
  kind: 'rental',
  contentId: 'V1',
  amount,
  currency: 'USD',
  status,
  createdAt: ago(daysAgo),
});
const ORDERS: Order[] = [
  ...Array.from({ length: 10 }, (_, i) => order(CHAMP, i % 6, '24.99')),
  ...[10, 20, 40].map((d) => order(LOYAL, d, '5.99')),
  ...[70, 80, 85, 200].map((d) => order(RISK, d, '11.99')),
  order(HIBER, 200, '9.99'),
  order(NEW, 1, '2.99'),
  order(REGULAR, 3, '19.99'),
  order(REGULAR, 4, '7.50', 'refunded'),
  order(GONE, 2, '3.99'),
];
/** Watch time (ms) and sessions per customer in the lake, by days ago (the 100-day-old ones are outside the window). */
const WATCH: [string, number, number][] = [
  [CHAMP, 2, 300 * 3_600_000],
  [CHAMP, 100, 50 * 3_600_000],
  [LOYAL, 10, 7_200_000],
  [REGULAR, 60, 1_800_000],
];
const SESSIONS: [string, number, string][] = [
  [CHAMP, 2, 's1'],
  [CHAMP, 2, 's2'],
  [CHAMP, 10, 's3'],
  [LOYAL, 10, 's4'],
  [REGULAR, 100, 's5'],
];
const watchIn90 = (extra: [string, number, number][] = []) => {
  const out: Record<string, number> = {};
  for (const [c, d, ms] of [...WATCH, ...extra]) if (d < 90) out[c] = (out[c] ?? 0) + ms;
  return out;
};

describe('customer loyalty: refresh, formula, incremental changes, look-up by key', () => {
  let client: Client;
  let workers: { stop: () => Promise<void> };
  let catalog: LakeCatalog;
  const db = new pg.Pool({ ...pgOpts, max: 2 });
  const loyaltyRow = async (id: string) =>
    (
      await db.query(
        `SELECT *, paid_90d::text AS p90, refunded_lifetime::text AS refunded FROM "${env.LOYALTY_TABLE}" WHERE customer_id = $1`,
        [id],
      )
    ).rows[0];
  const run = (full: boolean) =>
    client.workflow.execute(refreshLoyalty, {
      taskQueue: queue,
      workflowId: `${queue}-${Date.now()}`,
      args: [{ full }],
    });
  const check = async (ids: string[], watch: Record<string, number>) => {
    const rows = await Promise.all(ids.map(loyaltyRow));
    const asOf = rows[0].computed_at as Date;
    const e = await expectedLoyalty(db, ids, asOf, watch);
    for (const r of rows) {
      const x = e[r.customer_id]!;
      expect(
        {
          points: Number(r.points),
          tier: r.tier,
          segment: r.segment,
          r: r.recency_score,
          f: r.frequency_score,
          m: r.monetary_score,
          o90: r.orders_90d,
          p90: r.p90,
          olife: r.orders_lifetime,
          refunded: r.refunded,
          promotions: r.promotions.map((p: { ruleId: string }) => p.ruleId),
        },
        r.customer_id,
      ).toEqual({
        points: x.points,
        tier: x.tier,
        segment: x.segment,
        r: x.r,
        f: x.f,
        m: x.m,
        o90: x.o90,
        p90: x.p90,
        olife: x.olife,
        refunded: x.refunded,
        promotions: x.promotions,
      });
    }
    return Object.fromEntries(rows.map((r) => [r.customer_id, r]));
  };

  beforeAll(async () => {
    const profiles = createPostgresProfilesStore(pgOpts);
    const orders = createPostgresOrdersStore(pgOpts);
    catalog = createLakeCatalog(cfg);
    try {
      await profiles.upsert(
        ALL.map((id) => ({
          customerId: id,
          name: `Test ${id}`,
          email: null,
          country: 'DE',
          plan: 'basic',
          signupDate: id === NEW ? dateAgo(5) : '2020-01-01',
        })),
      );
      await orders.upsert(ORDERS);
    } finally {
      await Promise.all([profiles.close(), orders.close()]);
    }
    for (const d of [...new Set([...WATCH.map(([, x]) => x), ...SESSIONS.map(([, x]) => x)])]) {
      const w = WATCH.filter(([, x]) => x === d).map(([c, , ms]) => ({
        customer_id: c,
        watch_ms: ms,
        event_id: `${c}-${d}`,
      }));
      const s = SESSIONS.filter(([, x]) => x === d).map(([c, , sid]) => ({
        customer_id: c,
        session_id: sid,
        event_time: ago(d).toISOString(),
      }));
      if (w.length) await writeLakeHour(catalog, env.LAKE_DIR, 'web_events', dateAgo(d), w);
      if (s.length) await writeLakeHour(catalog, env.LAKE_DIR, 'weblogs', dateAgo(d), s);
    }
    client = await connectTemporal(cfg.temporal);
    workers = await startWorkers(cfg, ['batch']);
  });

  afterAll(async () => {
    await workers?.stop();
    await client?.connection.close();
    await db.query(`DROP TABLE IF EXISTS "${env.LOYALTY_TABLE}"`).catch(() => undefined);
    await db.query('DELETE FROM loyalty_state WHERE loyalty_table = $1', [env.LOYALTY_TABLE]).catch(() => undefined);
    await db.query('DELETE FROM orders WHERE customer_id = ANY($1::text[])', [ALL]).catch(() => undefined);
    await db.query('DELETE FROM customer_profiles WHERE customer_id = ANY($1::text[])', [ALL]).catch(() => undefined);
    for (const t of ['weblogs', 'web_events'] as const)
      await catalog
        ?.unregister(
          t,
          (await catalog.list({ table: t })).map((p) => p.path),
        )
        .catch(() => undefined);
    await catalog?.close();
    await db.end();
    rmSync(root, { recursive: true, force: true });
  });

  it('the first run (full) scores every customer as PostgreSQL computes it from the sources', async () => {
    const r = await run(false);
    expect(r.full).toBe(true);
    expect(r.customers).toBeGreaterThanOrEqual(ALL.length);
    const rows = await check(ALL, watchIn90());
    expect(
      Object.values(rows)
        .map((x) => (x as { segment: string }).segment)
        .sort(),
    ).toEqual(['at_risk', 'champion', 'hibernating', 'loyal', 'new', 'prospect', 'regular', 'regular'].sort());
    expect(rows[CHAMP]).toMatchObject({ tier: 'gold', points: '549', watch_ms_90d: '1080000000', visits_90d: 3 });
    expect(rows[CHAMP].activity_30d).toEqual([
      { date: dateAgo(10), watchMs: 0, visits: 1 },
      { date: dateAgo(2), watchMs: 300 * 3_600_000, visits: 2 },
    ]);
    expect(rows[REGULAR]).toMatchObject({ refunded: '7.50', visits_90d: 0, watch_ms_90d: '1800000', activity_30d: [] });
  });

  it('an incremental run picks up a refund, new activity, a profile change and a deleted profile — and only the changed customers', async () => {
    const profiles = createPostgresProfilesStore(pgOpts);
    const orders = createPostgresOrdersStore(pgOpts);
    try {
      const champOrders = ORDERS.filter((o) => o.customerId === CHAMP);
      await orders.upsert(champOrders.slice(0, 5).map((o) => ({ ...o, status: 'refunded' as const })));
      await orders.upsert([order(PROSPECT, 0.5, '0.10'), order(PROSPECT, 0.25, '0.20')]);
      await profiles.upsert([
        {
          customerId: HIBER,
          name: 'Renamed',
          email: 'h@example.test',
          country: 'FR',
          plan: 'premium',
          signupDate: '2020-01-01',
        },
      ]);
      expect(await profiles.deleteMany([GONE])).toBe(1);
    } finally {
      await Promise.all([profiles.close(), orders.close()]);
    }
    const extra: [string, number, number][] = [[LOYAL, 1, 400 * 3_600_000]];
    await writeLakeHour(
      catalog,
      env.LAKE_DIR,
      'web_events',
      dateAgo(1),
      extra.map(([c, , ms]) => ({ customer_id: c, watch_ms: ms, event_id: `${c}-x` })),
    );
    await sleep(5500); // the order changes settle (5 s)
    const r = await run(false);
    expect(r).toMatchObject({ full: false, deleted: 1 });
    expect(r.customers).toBeGreaterThanOrEqual(4);
    expect(r.customers).toBeLessThan(100);
    expect(await loyaltyRow(GONE)).toBeUndefined();
    const ids = ALL.filter((id) => id !== GONE);
    const rows = await check(ids, watchIn90(extra));
    expect(rows[CHAMP]).toMatchObject({ tier: 'silver', points: '424', refunded: '124.95' });
    expect(rows[PROSPECT]).toMatchObject({ segment: 'regular', p90: '0.30' });
    expect(rows[LOYAL]).toMatchObject({ tier: 'silver', segment: 'loyal' });
    expect(rows[HIBER]).toMatchObject({ name: 'Renamed', plan: 'premium', country: 'FR' });
  });

  it('looks customers up by key: API (known, unknown, malformed) and CLI agree', async () => {
    const resources = createServeResources(cfg);
    const server = await startServer({ resources, host: '127.0.0.1', port: 0, checkTimeoutMs: 2000 });
    try {
      const get = async (id: string) => {
        const res = await fetch(`${server.url}/api/customers/${id}`);
        return {
          status: res.status,
          body: (await res.json()) as CustomerView & { error?: string; parameter?: string },
        };
      };
      const champ = await get(CHAMP);
      expect(champ.status).toBe(200);
      expect(checkSchema({ $ref: '#/components/schemas/Customer' }, champ.body, OPENAPI)).toEqual([]);
      expect(champ.body).toMatchObject({
        customerId: CHAMP,
        loyalty: {
          tier: 'silver',
          points: 424,
          orders: { lifetime: { count: 5, paidAmount: '124.95', refundedAmount: '124.95' } },
        },
      });
      expect(champ.body.promotions.map((p) => p.ruleId)).toEqual(['silver-rental']);
      const cli = JSON.parse(
        execFileSync('node', ['bin/viewership.mjs', 'customers', 'show', CHAMP, '--json'], {
          env: { ...process.env, ...env },
          encoding: 'utf8',
        }),
      );
      expect(cli).toEqual(champ.body);
      expect((await get(ID('nobody'))).status).toBe(404);
      expect((await get(GONE)).status).toBe(404);
      for (const bad of ['bad%20id', 'x'.repeat(65), 'a%2Fb'])
        expect([(await get(bad)).status, (await get(bad)).body.parameter], bad).toEqual([400, 'id']);
      const unknown = spawnSync('node', ['bin/viewership.mjs', 'customers', 'show', ID('nobody')], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
      expect([unknown.status, unknown.stderr.trim()]).toEqual([1, `viewership: no customer ${ID('nobody')}`]);
    } finally {
      await server.close();
      await resources.close();
    }
  });

  it('the loyalty Schedule runs refreshLoyalty every LOYALTY_SCHEDULE_MINUTES (60), skipping overlaps', async () => {
    try {
      const applied = await applyLoyaltySchedule(cfg);
      expect(applied).toMatchObject({ id: env.SCHEDULE_ID_LOYALTY, action: 'created' });
      const d = await client.schedule.getHandle(env.SCHEDULE_ID_LOYALTY).describe();
      expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: refreshLoyalty.name, taskQueue: queue });
      expect(d.spec.intervals?.[0]?.every).toBe(3_600_000);
      expect(d.policies.overlap).toBe('SKIP');
      expect((await applyLoyaltySchedule(cfg)).action).toBe('updated');
    } finally {
      await deleteLoyaltySchedule(cfg);
    }
  });
});
