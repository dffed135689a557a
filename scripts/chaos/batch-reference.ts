/**
 * Generated batch days with their reference totals, computed independently of the pipeline (csv-parse and a
 * separate log regex over the generator's good lines; the generator's own record of the bad ones).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import type { AppConfig } from '../../lib/config.js';
import { generateWeblogLines } from '../../lib/generate/weblogs.js';

/** A generated day: where its files are and what `batch status` must report for it. */
export interface ReferenceDay {
  date: string;
  files: number;
  rows: number;
  rejectedByReason: Record<string, number>;
  /** `${file}:${line}` → reason of every injected bad row (what the quarantine must hold). */
  bad: Map<string, string>;
  /** The totals without the profile-dependent field (computed later from the profiles table). */
  totals: { requests: number; bytes: number; uniqueCustomers: number; uniqueIps: number };
  byStatusCategory: Record<string, number>;
  /** Customer of every good row (for the unknown-customer count against the profiles known at check time). */
  customers: string[];
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const CLF = /^(\S+) \S+ (\S+) \[(\d+)\/(\w+)\/(\d+)[^\]]*\] "[^"]*" (\d+) (\S+)/;

/** Write one day (a CSV file and a gzipped combined-log file with ~2 % bad rows) and compute its reference. */
export function generateDay(landingDir: string, date: string, rows: number, seed: number): ReferenceDay {
  const day: ReferenceDay = {
    date,
    files: 2,
    rows: 0,
    rejectedByReason: {},
    bad: new Map(),
    totals: { requests: 0, bytes: 0, uniqueCustomers: 0, uniqueIps: 0 },
    byStatusCategory: {},
    customers: [],
  };
  const customers = new Set<string>();
  const ips = new Set<string>();
  mkdirSync(`${landingDir}/${date}`, { recursive: true });
  const specs = [
    { name: 'web.csv', format: 'csv' as const, rows: Math.ceil(rows * 0.6), gzip: false },
    { name: 'web.log.gz', format: 'combined' as const, rows: Math.floor(rows * 0.4), gzip: true },
  ];
  for (const [k, f] of specs.entries()) {
    const opts = { date, rows: f.rows, format: f.format, badRate: 0.02, customers: 200, seed: seed * 7 + k };
    const lines = [...generateWeblogLines(opts, (line, reason) => day.bad.set(`${f.name}:${line}`, reason))];
    const text = lines.join('\n') + '\n';
    writeFileSync(`${landingDir}/${date}/${f.name}`, f.gzip ? gzipSync(text) : text);
    day.rows += f.rows;
    lines.forEach((line, i) => {
      const lineNo = i + 1;
      if (day.bad.has(`${f.name}:${lineNo}`) || (f.format === 'csv' && lineNo === 1)) return;
      let customer: string, ip: string, status: number, bytes: number;
      if (f.format === 'csv') {
        const [rec] = parse(line) as string[][];
        const [, c, , i4, , , s, b] = rec!;
        [customer, ip, status, bytes] = [c!, i4!, Number(s), b === '-' || b === '' ? 0 : Number(b)];
      } else {
        const m = CLF.exec(line);
        if (!m || !MONTHS.includes(m[4]!)) throw new Error(`reference: unparsable good line ${f.name}:${lineNo}`);
        [customer, ip, status, bytes] = [
          m[2] === '-' ? '' : m[2]!,
          m[1]!,
          Number(m[6]),
          m[7] === '-' ? 0 : Number(m[7]),
        ];
      }
      day.totals.requests++;
      day.totals.bytes += bytes;
      if (customer) customers.add(customer);
      day.customers.push(customer);
      ips.add(ip);
      const cat = `${String(status)[0]}xx`;
      day.byStatusCategory[cat] = (day.byStatusCategory[cat] ?? 0) + 1;
    });
  }
  for (const r of day.bad.values()) day.rejectedByReason[r] = (day.rejectedByReason[r] ?? 0) + 1;
  day.totals.uniqueCustomers = customers.size;
  day.totals.uniqueIps = ips.size;
  return day;
}

/** The `batch status --json` shape the day must have, given the customer ids known to the profiles store. */
export function expectedStatus(day: ReferenceDay, known: Set<string>) {
  const rejected = day.bad.size;
  return {
    date: day.date,
    state: 'completed',
    landed: { files: day.files, rows: day.rows },
    valid: day.rows - rejected,
    rejected: { total: rejected, byReason: day.rejectedByReason },
    totals: {
      ...day.totals,
      unknownCustomerRequests: day.customers.filter((c) => !c || !known.has(c)).length,
      byStatusCategory: day.byStatusCategory,
    },
  };
}

/** Customer ids in the profiles store (PostgreSQL), as the batch enrichment sees them. */
export async function knownCustomers(cfg: AppConfig): Promise<Set<string>> {
  if (cfg.profiles.store !== 'postgres') throw new Error('the chaos run reads profiles from PostgreSQL');
  const db = new pg.Client(cfg.profiles.postgres);
  await db.connect();
  try {
    const r = await db.query<{ customer_id: string }>('SELECT customer_id FROM customer_profiles');
    return new Set(r.rows.map((x) => x.customer_id));
  } finally {
    await db.end();
  }
}
