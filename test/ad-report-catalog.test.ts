/**
 * The ad report's registration in the lake catalog (lib/ads/report.ts) on the real PostgreSQL, without a stream:
 * metric rows inserted for a stream id of this file, then `writeAdReports` as the workflow's activity calls it.
 * Each (network, minute) partition is registered with its file and the producer; a re-run replaces a minute's
 * entries (never two per partition) and drops the network a minute lost, in the catalog and on disk; when the
 * files cannot be moved into place, nothing is registered. The catalog is scoped by this file's temporary lake.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LakeCatalog } from '../adapters/catalog/types.js';
import { migratePostgres } from '../adapters/profiles/postgres.js';
import { writeAdReports } from '../lib/ads/report.js';
import { createLakeCatalog, createPgPool } from '../lib/clients.js';
import { lakeQuery } from '../lib/lake/query.js';
import { testConfig, uniqueName } from './helpers.js';

const root = mkdtempSync(`${tmpdir()}/ad-report-catalog-`);
const stream = uniqueName('ad-report-catalog');
const cfg = testConfig({ LAKE_DIR: `${root}/lake` });
const duck = { memoryLimit: '256MB', threads: 1, tempDir: `${root}/duck` };
const table = `${root}/lake/ad_views_report`;
const M0 = Date.parse('2033-03-03T10:00:00Z');
const MIN = 60_000;

describe('ad report: registration in the lake catalog', () => {
  const pool = createPgPool(cfg, 2);
  let catalog: LakeCatalog;
  const target = (producer: string) => ({ lakeDir: cfg.paths.lakeDir, catalog, producer });
  /** Set one cell: `impressions` of campaign `c` under network `n` in minute `k`. */
  const cell = (k: number, c: string, n: string, impressions: number) =>
    pool.query(
      `INSERT INTO ad_metrics_minute_partition (stream_id, partition, minute, campaign_id, network_id, ad_category, device, location,
         impressions, clicks, impression_cost_micros, click_cost_micros, view_ms, unknown_campaign_impressions)
       VALUES ($1, 0, $2, $3, $4, 'food', 'tv', 'US', $5, 1, 1500, 250000, 1000, 0)`,
      [stream, new Date(M0 + k * MIN).toISOString(), c, n, impressions],
    );
  const report = () =>
    lakeQuery(
      catalog,
      { lakeDir: cfg.paths.lakeDir, duckdb: duck },
      'SELECT network_id, minute, campaign_id, total_count::INTEGER AS n FROM ad_views_report ORDER BY ALL',
    );

  beforeAll(async () => {
    await migratePostgres(pool);
    catalog = createLakeCatalog(cfg);
  });

  afterAll(async () => {
    await pool.query('DELETE FROM ad_metrics_minute_partition WHERE stream_id = $1', [stream]);
    await pool.end();
    const parts = await catalog.list({ table: 'ad_views_report' });
    await catalog.unregister(
      'ad_views_report',
      parts.map((p) => p.path),
    );
    await catalog.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('registers each network and minute with its file and producer; a re-run replaces, dropping a lost network', async () => {
    await cell(0, '1', 'net-a', 5);
    await cell(0, '2', 'net-b', 7);
    await cell(1, '1', 'net-a', 3);
    expect(await writeAdReports(pool, stream, target('wf/run-1'), M0, M0 + 2 * MIN, duck)).toBe(3);
    let parts = await catalog.list({ table: 'ad_views_report' });
    expect(parts.map((p) => [p.path, p.rows, p.producer, p.files.map((f) => f.path)])).toEqual([
      [
        'network_id=net-a/minute=2033-03-03T10:00',
        1,
        'wf/run-1',
        ['network_id=net-a/minute=2033-03-03T10:00/part-0.parquet'],
      ],
      [
        'network_id=net-a/minute=2033-03-03T10:01',
        1,
        'wf/run-1',
        ['network_id=net-a/minute=2033-03-03T10:01/part-0.parquet'],
      ],
      [
        'network_id=net-b/minute=2033-03-03T10:00',
        1,
        'wf/run-1',
        ['network_id=net-b/minute=2033-03-03T10:00/part-0.parquet'],
      ],
    ]);
    expect(parts.map((p) => p.values)).toContainEqual({ network_id: 'net-b', minute: '2033-03-03T10:00' });
    // The day filter of the catalog takes the report's day from its minute.
    expect(await catalog.list({ table: 'ad_views_report', fromDate: '2033-03-03', toDate: '2033-03-03' })).toHaveLength(
      3,
    );
    expect(await catalog.list({ table: 'ad_views_report', fromDate: '2033-03-04' })).toHaveLength(0);

    // Minute 0 recomputed: campaign 2 moved to net-a, campaign 1 grew. Minute 1 has no rows in the range: kept.
    await pool.query('DELETE FROM ad_metrics_minute_partition WHERE stream_id = $1 AND minute = $2', [
      stream,
      new Date(M0).toISOString(),
    ]);
    await cell(0, '1', 'net-a', 6);
    await cell(0, '2', 'net-a', 7);
    expect(await writeAdReports(pool, stream, target('wf/run-2'), M0, M0 + MIN, duck)).toBe(1);
    parts = await catalog.list({ table: 'ad_views_report' });
    expect(parts.map((p) => [p.path, p.rows, p.producer])).toEqual([
      ['network_id=net-a/minute=2033-03-03T10:00', 2, 'wf/run-2'],
      ['network_id=net-a/minute=2033-03-03T10:01', 1, 'wf/run-1'],
    ]);
    expect(existsSync(`${table}/network_id=net-b/minute=2033-03-03T10:00`)).toBe(false);
    expect(readdirSync(`${table}/network_id=net-a/minute=2033-03-03T10:00`)).toEqual(['part-0.parquet']);
    expect((await report()).rows).toEqual([
      { network_id: 'net-a', minute: '2033-03-03T10:00', campaign_id: '1', n: 6 },
      { network_id: 'net-a', minute: '2033-03-03T10:00', campaign_id: '2', n: 7 },
      { network_id: 'net-a', minute: '2033-03-03T10:01', campaign_id: '1', n: 3 },
    ]);
  });

  it('when the files cannot be moved into place, nothing is registered', async () => {
    const before = await catalog.list({ table: 'ad_views_report' });
    await cell(2, '1', 'net-c', 4);
    // A directory where the final file goes: the rename inside the catalog transaction fails, so it rolls back.
    const dir = `${table}/network_id=net-c/minute=2033-03-03T10:02`;
    mkdirSync(`${dir}/part-0.parquet/blocker`, { recursive: true });
    await expect(writeAdReports(pool, stream, target('wf/run-3'), M0 + 2 * MIN, M0 + 3 * MIN, duck)).rejects.toThrow(
      /part-0\.parquet/,
    );
    expect(await catalog.list({ table: 'ad_views_report' })).toEqual(before);
    // Once the way is clear, the retry registers it.
    rmSync(`${dir}/part-0.parquet`, { recursive: true });
    expect(await writeAdReports(pool, stream, target('wf/run-3'), M0 + 2 * MIN, M0 + 3 * MIN, duck)).toBe(1);
    const parts = await catalog.list({ table: 'ad_views_report' });
    expect(parts.map((p) => p.path)).toEqual([
      ...before.map((p) => p.path),
      'network_id=net-c/minute=2033-03-03T10:02',
    ]);
    expect(readdirSync(dir)).toEqual(['part-0.parquet']);
  });
});
