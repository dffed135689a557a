/**
 * Machine-side evidence of `npm run bench:stream`: CPU seconds per service process over a phase (from
 * /proc), the profiles top-up to the benchmark's size, and a summary of a worker CPU profile (--cpu-prof).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import pg from 'pg';
import type { AppConfig } from '../../lib/config.js';
import { ROOT_DIR } from '../../lib/config.js';
import { generateProfile } from '../../lib/generate/profiles.js';
import { customerId } from '../../lib/generate/random.js';
import { log, onCleanup } from './stream-env.js';

const TICKS_PER_S = 100; // USER_HZ on Linux

/** CPU ticks per process category at one moment, plus the machine's busy and total ticks. */
export interface CpuSnapshot {
  atMs: number;
  byCategory: Record<string, number>;
  machineBusy: number;
  machineTotal: number;
}

function categorize(pid: number, cmd: string, workerPids: number[]): string {
  if (pid === process.pid) return 'bench process';
  if (workerPids.includes(pid)) return 'stream worker';
  if (/opensearch/i.test(cmd)) return 'opensearch';
  if (/elasticsearch/i.test(cmd)) return 'elasticsearch';
  if (/kafka\.Kafka/.test(cmd)) return 'kafka';
  if (/temporal/.test(cmd) && !/node/.test(cmd)) return 'temporal';
  if (/^postgres|postgresql/.test(cmd)) return 'postgres';
  return 'other';
}

/** CPU ticks (user + system) of every process, by category. */
export function cpuSnapshot(workerPids: number[]): CpuSnapshot {
  const byCategory: Record<string, number> = {};
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const c = categorize(pid, cmd, workerPids);
      byCategory[c] = (byCategory[c] ?? 0) + ticks;
    } catch {
      // the process ended while being read
    }
  }
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3]! + (cpu[4] ?? 0);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { atMs: Date.now(), byCategory, machineBusy: total - idle, machineTotal: total };
}

/** CPU seconds per category between two snapshots, with the machine's busy cores over the phase. */
export function cpuBetween(
  a: CpuSnapshot,
  b: CpuSnapshot,
): { wallS: number; cpuS: Record<string, number>; machineBusyCores: number } {
  const cpuS: Record<string, number> = {};
  for (const k of new Set([...Object.keys(a.byCategory), ...Object.keys(b.byCategory)])) {
    cpuS[k] = Number((Math.max(0, (b.byCategory[k] ?? 0) - (a.byCategory[k] ?? 0)) / TICKS_PER_S).toFixed(1));
  }
  const wallS = (b.atMs - a.atMs) / 1000;
  return { wallS, cpuS, machineBusyCores: Number(((b.machineBusy - a.machineBusy) / TICKS_PER_S / wallS).toFixed(2)) };
}

/**
 * Make sure profiles C000001 … C{target} exist in the PostgreSQL store: missing ones are inserted (existing
 * rows, which tests may have changed, are left alone). Unless `keep`, the rows added are deleted at cleanup.
 */
export async function ensureProfiles(
  cfg: AppConfig,
  target: number,
  keep: boolean,
): Promise<{ before: number; added: number }> {
  if (cfg.profiles.store !== 'postgres')
    throw new Error('bench:stream tops up profiles in PostgreSQL only (PROFILES_STORE=postgres)');
  const o = cfg.profiles.postgres;
  const pool = new pg.Pool({
    host: o.host,
    port: o.port,
    database: o.database,
    user: o.user,
    password: o.password,
    max: 2,
  });
  const before = Number((await pool.query('SELECT count(*)::int AS n FROM customer_profiles')).rows[0].n);
  const have = await pool.query('SELECT 1 FROM customer_profiles WHERE customer_id = $1', [customerId(target)]);
  if (target < 1 || (before >= target && have.rowCount)) {
    await pool.end();
    return { before, added: 0 };
  }
  const added: string[] = [];
  onCleanup('profiles added by the bench', async () => {
    if (!keep && added.length) {
      log(`deleting the ${added.length.toLocaleString('en')} profiles the bench added (--keep-profiles keeps them)`);
      for (let i = 0; i < added.length; i += 50_000)
        await pool.query('DELETE FROM customer_profiles WHERE customer_id = ANY($1::text[])', [
          added.slice(i, i + 50_000),
        ]);
    }
    await pool.end();
  });
  log(`topping up profiles to ${target.toLocaleString('en')} (${before.toLocaleString('en')} in the store)`);
  for (let i = 1; i <= target; i += 10_000) {
    const rows = Array.from({ length: Math.min(10_000, target - i + 1) }, (_, k) => generateProfile(i + k, 1));
    const col = <K extends keyof (typeof rows)[number]>(k: K) => rows.map((r) => r[k]);
    const r = await pool.query(
      `INSERT INTO customer_profiles (customer_id, name, email, country, plan, signup_date)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[])
       ON CONFLICT (customer_id) DO NOTHING RETURNING customer_id`,
      [col('customerId'), col('name'), col('email'), col('country'), col('plan'), col('signupDate')],
    );
    for (const row of r.rows as { customer_id: string }[]) added.push(row.customer_id);
  }
  return { before, added: added.length };
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time of a V8 CPU profile, by package / project file and by function (top `top` of each), ms. */
export function summarizeCpuProfile(
  path: string,
  top = 12,
): { totalMs: number; byModule: [string, number][]; byFunction: [string, number][] } {
  const prof = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n.callFrame]));
  const mod = new Map<string, number>();
  const fn = new Map<string, number>();
  let totalUs = 0;
  prof.samples.forEach((id, i) => {
    const us = prof.timeDeltas[i] ?? 0;
    totalUs += us;
    const f = byId.get(id)!;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url)?.[1];
    const m =
      pkg ??
      (f.url.startsWith('file://')
        ? relative(ROOT_DIR, f.url.slice(7))
        : f.url.startsWith('node:')
          ? 'node internals'
          : f.functionName || '(native)');
    mod.set(m, (mod.get(m) ?? 0) + us);
    const name = `${f.functionName || '(anonymous)'} ${m}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
  });
  const topOf = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]): [string, number] => [k, Math.round(us / 1000)]);
  return { totalMs: Math.round(totalUs / 1000), byModule: topOf(mod), byFunction: topOf(fn) };
}

/** Per speed-view index of an environment: documents, bulk-indexing time, searches and refreshes (engine stats). */
export async function speedIndexStats(
  search: AppConfig['search'],
  prefix: string,
): Promise<
  Record<
    string,
    {
      docs: number;
      indexed: number;
      indexTimeS: number;
      searches: number;
      searchTimeS: number;
      refreshes: number;
      refreshTimeS: number;
    }
  >
> {
  const headers = search.auth
    ? { authorization: `Basic ${Buffer.from(`${search.auth.username}:${search.auth.password}`).toString('base64')}` }
    : undefined;
  const r = await fetch(`${search.url}/${prefix}-speed-*/_stats/docs,indexing,search,refresh`, { headers });
  if (!r.ok) return {};
  type Total = {
    docs: { count: number };
    indexing: { index_total: number; index_time_in_millis: number };
    search: { query_total: number; query_time_in_millis: number };
    refresh: { total: number; total_time_in_millis: number };
  };
  const body = (await r.json()) as { indices: Record<string, { total: Total }> };
  return Object.fromEntries(
    Object.entries(body.indices).map(([name, { total: t }]) => [
      name.slice(prefix.length + 1),
      {
        docs: t.docs.count,
        indexed: t.indexing.index_total,
        indexTimeS: t.indexing.index_time_in_millis / 1000,
        searches: t.search.query_total,
        searchTimeS: t.search.query_time_in_millis / 1000,
        refreshes: t.refresh.total,
        refreshTimeS: t.refresh.total_time_in_millis / 1000,
      },
    ]),
  );
}
