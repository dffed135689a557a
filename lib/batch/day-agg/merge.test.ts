/**
 * The day aggregates counted by the validator, merged, equal the documents `computeAggregates` computes with
 * DuckDB from the lake partition written from the same clean rows: one day validated as three files (a large one
 * split over worker threads, a gzip one streamed, one in the combined log format), with bad rows, unknown and empty customers, quoted keys,
 * IPv6 and non-ASCII paths, and a profile store that hands one profile out twice.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChangedProfiles, CustomerProfile, ProfilesStore } from '../../../adapters/profiles/types.js';
import type { LandedFile, ValidationReport } from '../../../common/batch.js';
import { generateWeblogLines } from '../../generate/weblogs.js';
import { loadStatusReference } from '../../status-reference.js';
import { computeAggregates, loadProfileSnapshot, loadStatusTable } from '../aggregate.js';
import { withDuckDb } from '../duckdb.js';
import { writePartition } from '../partition.js';
import { validateFileToHourlyCsv } from '../validate-file.js';
import { mergeDayPartials } from './merge.js';
import { readDayPartial } from './partial-file.js';
import { readProfileSnapshot, writeProfileSnapshot } from './profile-snapshot.js';

const DATE = '2030-01-15';
const root = mkdtempSync(`${tmpdir()}/day-agg-`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const COUNTRIES = ['DE', 'FR', 'US', 'BR'];
const PLANS = ['basic', 'premium'];

/** Profiles C000001–C001500 (the generator also uses unknown ids above its `customers`); C000007 is read twice. */
function store(): ProfilesStore {
  const all: CustomerProfile[] = Array.from({ length: 1500 }, (_, i) => ({
    customerId: `C${String(i + 1).padStart(6, '0')}`,
    name: `n${i}`,
    email: null,
    country: i === 41 ? 'unknown' : COUNTRIES[i % 4]!,
    plan: i === 41 ? 'unknown' : PLANS[i % 2]!,
    signupDate: null,
    updatedAt: new Date(1000 + i),
  }));
  const pages: ChangedProfiles[] = [
    { rows: all.slice(0, 1000), next: { updatedAt: all[999]!.updatedAt!, customerId: all[999]!.customerId } },
    {
      rows: [...all.slice(1000), { ...all[6]!, country: 'IT', updatedAt: new Date(99_999) }],
      next: null,
    },
  ];
  // Pages of 50,000 are asked for: the first page "is full" only if it has 50,000 rows, so serve both at once.
  return {
    changedSince: async (after: unknown) =>
      after === null ? { rows: [...pages[0]!.rows, ...pages[1]!.rows], next: null } : { rows: [], next: null },
  } as unknown as ProfilesStore;
}

/** Lines the generator does not make: quoted keys, a `-` customer, IPv6, a non-ASCII and a content path. */
const EXTRA = [
  '2030-01-15T01:00:00Z,"C000003",s1,10.0.0.1,GET,"/watch/V1",200,10,5,Mozilla/5.0 (Windows NT 10.0),-',
  '2030-01-15T01:00:01Z,"C0,01",s1,10.0.0.2,GET,"/a,b",404,11,5,curl/8.0,-',
  '2030-01-15T02:00:00Z,-,s2,2001:db8::1,GET,/söme/päth,500,-,5,Roku/DVP-12,-',
  '2030-01-15T02:00:01Z,C000042,s3,2001:DB8::1,POST,/play/X_9-z/more,302,7,5,"Mozilla ""quoted""",-',
  '2030-01-15T03:00:00Z,C999999,s4,0.0.0.0,GET,/video/V1,200,0,5,python-requests/2,-',
];

function writeDay(seed: number, rows: number, extra: string[], format: 'csv' | 'combined' = 'csv'): string[] {
  return [...generateWeblogLines({ date: DATE, rows, format, badRate: 0.03, customers: 1200, seed }), ...extra];
}

const landed = (path: string, sha256: string, gzip: boolean): LandedFile => ({
  name: path.split('/').pop()!,
  size: statSync(path).size,
  sha256,
  stagedPath: path,
  gzip,
});

describe('day aggregates counted while validating', () => {
  it('equal the DuckDB aggregates of the lake partition written from the same rows', async () => {
    const big = `${root}/big.csv`;
    writeFileSync(big, writeDay(5, 40_000, EXTRA).join('\n') + '\n');
    const small = `${root}/small.csv.gz`;
    writeFileSync(small, gzipSync(writeDay(6, 8_000, EXTRA.slice(0, 2)).join('\n')));
    // The combined log format goes through the string validators only (their rows are counted one by one).
    const combined = `${root}/access.log`;
    writeFileSync(combined, writeDay(7, 5_000, [], 'combined').join('\n') + '\n');
    const snapshot = await readProfileSnapshot(store());
    const snapshotPath = `${root}/profiles.json`;
    writeProfileSnapshot(snapshotPath, snapshot);
    const dayAgg = { snapshotPath, dir: `${root}/day-agg` };
    const cleanDir = `${root}/clean`;
    // The big file is split over two worker threads (a part file each); the others are streamed on this thread.
    const inputs: [string, string, boolean, number | undefined][] = [
      [big, 'b', false, 1 << 20],
      [small, 'a', true, undefined],
      [combined, 'c', false, undefined],
    ];
    const results = [];
    for (const [path, sha, gzip, parallelMinBytes] of inputs)
      results.push(
        await validateFileToHourlyCsv({
          date: DATE,
          file: landed(path, sha.repeat(64), gzip),
          cleanDir,
          quarantineDir: `${root}/q`,
          parallelMinBytes,
          dayAgg,
        }),
      );
    const report: ValidationReport = {
      files: 3,
      rows: results.reduce((n, r) => n + r.rows, 0),
      valid: results.reduce((n, r) => n + r.valid, 0),
      rejected: results.reduce((n, r) => n + r.rejected, 0),
      byReason: results[0]!.byReason,
    };
    const partialFiles = readdirSync(dayAgg.dir).sort();
    expect(results.map((r) => r.format)).toEqual(['csv', 'csv', 'combined']);
    expect(partialFiles).toEqual([
      'a'.repeat(64) + '.agg',
      'b'.repeat(64) + '.agg',
      'b'.repeat(64) + '.p01.agg',
      'c'.repeat(64) + '.agg',
    ]);
    const partials = partialFiles.map((f) => readDayPartial(`${dayAgg.dir}/${f}`));
    expect(partials.reduce((n, p) => n + p.rows, 0)).toBe(report.valid);

    const ref = loadStatusReference();
    const o = { date: DATE, fingerprint: 'f', report, landedFiles: 3 };
    const settings = { memoryLimit: '512MB', threads: 2, tempDir: `${root}/duck` };
    const partitionDir = `${root}/lake/weblogs/date=${DATE}`;
    const fromLake = await withDuckDb(settings, async (db) => {
      await writePartition(db, cleanDir, partitionDir);
      await loadProfileSnapshot(db, store());
      await loadStatusTable(db, ref);
      return computeAggregates(db, { ...o, partitionDir });
    });
    const merged = mergeDayPartials(partials, snapshot, ref, o);
    expect(fromLake.length).toBeGreaterThan(150);
    expect(merged).toEqual(fromLake);
    // The test data reaches the cases it names.
    const total = merged[0]!.doc;
    expect(total.unknown_customer_requests).toBeGreaterThan(0);
    expect(merged.some((d) => d.doc.country === 'IT')).toBe(true);
    expect(partials.some((p) => p.paths.includes('/söme/päth') && p.paths.includes('/a,b'))).toBe(true);
    expect(partials.some((p) => p.unknownCustomers.includes('C0,01'))).toBe(true);
    expect(partials.some((p) => p.otherIps.includes('2001:db8::1') && p.otherIps.includes('2001:DB8::1'))).toBe(true);
  }, 60_000);

  it('an empty day gives the total document alone: zero counts, no bytes', async () => {
    const dir = `${root}/empty`;
    const file = `${dir}/e.csv`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      file,
      'event_time,customer_id,session_id,ip,method,path,http_status,bytes_sent,response_ms,user_agent,referrer\nnot,a,row\n',
    );
    const snapshot = await readProfileSnapshot(store());
    writeProfileSnapshot(`${dir}/p.json`, snapshot);
    const r = await validateFileToHourlyCsv({
      date: DATE,
      file: landed(file, 'c'.repeat(64), false),
      cleanDir: `${dir}/clean`,
      quarantineDir: `${dir}/q`,
      dayAgg: { snapshotPath: `${dir}/p.json`, dir: `${dir}/agg` },
    });
    expect(r).toMatchObject({ rows: 1, valid: 0 });
    const report: ValidationReport = { files: 1, rows: r.rows, valid: 0, rejected: r.rejected, byReason: r.byReason };
    const o = { date: DATE, fingerprint: 'f', report, landedFiles: 1 };
    const partial = readDayPartial(`${dir}/agg/${'c'.repeat(64)}.agg`);
    const merged = mergeDayPartials([partial], snapshot, loadStatusReference(), o);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.doc).toMatchObject({
      kind: 'total',
      requests: 0,
      bytes: null,
      unique_customers: 0,
      unique_ips: 0,
      rejected_rows: 1,
    });
  });
});
