/**
 * `npm run bench:lookup`: the customer look-up by key (`GET /api/customers/{id}`) under a steady 500 requests/s
 * for random known ids, against a `viewership serve` child process. Open loop: requests leave on a fixed
 * schedule whatever the answers do (a slow answer cannot slow the load down and hide itself). Prints p50/p90/p99/
 * max and fails when p99 > 10 ms. Before the load it runs a full loyalty refresh so most ids have a loyalty row.
 * Env: BENCH_RATE (500), BENCH_SECONDS (30), BENCH_WARMUP_SECONDS (5).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import pg from 'pg';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createLoyaltyActivities, type LoyaltyRefreshResult } from '../../activities/loyalty.js';
import { createLoyaltyStore } from '../../adapters/profiles/loyalty-postgres.js';
import { createOrdersStore } from '../../adapters/profiles/orders.js';
import { createProfilesStore } from '../../adapters/profiles/index.js';
import { createLakeCatalog } from '../../lib/clients.js';
import { loadConfig } from '../../lib/config.js';
import { profilesStoreOptions } from '../../lib/adapter-options.js';

const cfg = loadConfig();
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const pgOpts = { ...cfg.stream.checkpoints.postgres, password: cfg.stream.checkpoints.postgres.password ?? '' };

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

async function refresh(): Promise<void> {
  const [loyalty, orders, profiles, catalog] = [
    createLoyaltyStore(pgOpts, cfg.loyalty.table),
    createOrdersStore(profilesStoreOptions(cfg)),
    createProfilesStore(profilesStoreOptions(cfg)),
    createLakeCatalog(cfg),
  ];
  try {
    const acts = createLoyaltyActivities({
      lakeDir: cfg.paths.lakeDir,
      workDir: cfg.paths.workDir,
      loyalty: () => loyalty,
      orders: () => orders,
      profiles,
      catalog: () => catalog,
      duckdb: { memoryLimit: cfg.batch.duckdbMemoryLimit, threads: cfg.batch.duckdbThreads },
    });
    const r = (await new MockActivityEnvironment().run(acts.refreshLoyalty, { full: true })) as LoyaltyRefreshResult;
    console.error(`[bench:lookup] loyalty refreshed: ${r.customers} customers ${JSON.stringify(r.byTier)}`);
  } finally {
    await Promise.allSettled([loyalty.close(), orders.close(), profiles.close(), catalog.close()]);
  }
}

async function knownIds(): Promise<string[]> {
  const pool = new pg.Pool(pgOpts);
  try {
    return (await pool.query('SELECT customer_id FROM customer_profiles ORDER BY customer_id')).rows.map((r) =>
      String(r.customer_id),
    );
  } finally {
    await pool.end();
  }
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

async function main(): Promise<void> {
  const ids = await knownIds();
  if (ids.length < 100)
    throw new Error(`only ${ids.length} profiles: run viewership generate profiles --count 10000 first`);
  await refresh();
  const port = await freePort();
  const server = spawn(process.execPath, ['bin/viewership.mjs', 'serve', '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (d: Buffer) => d.toString().includes('dashboard:') && resolve());
    server.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const get = (id: string) =>
    new Promise<{ ms: number; status: number }>((resolve) => {
      const t0 = process.hrtime.bigint();
      const req = request({ host: '127.0.0.1', port, path: `/api/customers/${id}`, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, status: res.statusCode ?? 0 }));
      });
      req.on('error', () => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, status: 0 }));
      req.end();
    });
  const phase = async (seconds: number) => {
    const out: Promise<{ ms: number; status: number }>[] = [];
    const start = performance.now();
    const total = Math.round(RATE * seconds);
    while (out.length < total) {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * RATE) + 1);
      while (out.length < due) out.push(get(ids[Math.floor(Math.random() * ids.length)]!));
      await sleep(1);
    }
    const res = await Promise.all(out);
    return { res, seconds: (performance.now() - start) / 1000 };
  };
  try {
    await phase(WARMUP);
    const { res, seconds } = await phase(SECONDS);
    const ms = res.map((r) => r.ms).sort((a, b) => a - b);
    const bad = res.filter((r) => r.status !== 200).length;
    const line = {
      requests: res.length,
      rps: Math.round(res.length / seconds),
      non200: bad,
      p50: pct(ms, 50),
      p90: pct(ms, 90),
      p99: pct(ms, 99),
      max: ms.at(-1)!,
    };
    console.log(
      `lookup: ${line.requests} requests at ${line.rps}/s, non-200 ${line.non200}, p50 ${line.p50.toFixed(2)} ms, p90 ${line.p90.toFixed(2)} ms, p99 ${line.p99.toFixed(2)} ms, max ${line.max.toFixed(2)} ms`,
    );
    if (line.p99 > 10 || bad > 0) process.exitCode = 1;
  } finally {
    agent.destroy();
    server.kill('SIGTERM');
  }
}

await main();
