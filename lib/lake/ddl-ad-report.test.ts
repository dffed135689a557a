/**
 * The ad stream's `ad_views_report` in the printed DDL: partitioned by `network_id` and `minute` (a value with a
 * colon), exact DECIMAL(18,6) cost; DuckDB reads the registered files only, Hive/Spark get one ALTER per network
 * and day. test/ads-stream.test.ts registers real report files and reads them back through the catalog.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import type { CatalogPartition } from '../../adapters/catalog/types.js';
import { AD_REPORT_COLUMNS, partitionDay, partitionPath, type PartitionValues } from '../../common/lake.js';
import { withDuckDb } from '../batch/duckdb.js';
import { describeParquetFiles } from './files.js';
import { duckdbViews, lakeDdl, splitStatements } from './ddl.js';

const root = mkdtempSync(`${tmpdir()}/lake-ddl-ads-`);
const duck = { memoryLimit: '256MB', threads: 1, tempDir: `${root}/tmp` };
afterAll(() => rmSync(root, { recursive: true, force: true }));

const entry = (values: PartitionValues, files: CatalogPartition['files'] = []): CatalogPartition => ({
  table: 'ad_views_report',
  path: partitionPath(values),
  values,
  files,
  rows: files.reduce((n, f) => n + f.rows, 0),
  bytes: files.reduce((n, f) => n + f.bytes, 0),
  fingerprint: 'f',
  registeredAt: new Date(),
  producer: 't',
});

describe('ad_views_report in the lake DDL', () => {
  it('partition paths and days of the report', () => {
    const v = { network_id: 'net-1', minute: '2030-05-01T10:07' };
    expect(partitionPath(v)).toBe('network_id=net-1/minute=2030-05-01T10:07');
    expect(partitionDay(v)).toBe('2030-05-01');
    expect(partitionDay({ date: '2030-05-02', hour: '03' })).toBe('2030-05-02');
  });

  it('duckdb: a view over the registered files only, with network_id and minute columns', async () => {
    const lake = `${root}/lake`;
    const write = async (db: Parameters<Parameters<typeof withDuckDb>[1]>[0], v: PartitionValues, n: number) => {
      const dir = `${lake}/ad_views_report/${partitionPath(v)}`;
      mkdirSync(dir, { recursive: true });
      await db.run(`COPY (SELECT 'c' || i AS campaign_id, 1500.5::DOUBLE AS avg_duration, 10::BIGINT AS total_count,
        1::BIGINT AS clicks, 0.1::DOUBLE AS ctr, 0.012345::DECIMAL(18, 6) AS cost FROM range(${n}) t(i))
        TO '${dir}/part-0.parquet' (FORMAT parquet)`);
      return entry(v, await describeParquetFiles(db, `${lake}/ad_views_report`, [`${dir}/part-0.parquet`]));
    };
    await withDuckDb(duck, async (db) => {
      const a = await write(db, { network_id: 'net-1', minute: '2030-05-01T10:07' }, 3);
      const b = await write(db, { network_id: 'net-2', minute: '2030-05-01T10:07' }, 2);
      await write(db, { network_id: 'net-1', minute: '2030-05-01T10:08' }, 5); // on disk, not registered
      expect(a.files.map((f) => [f.path, f.rows])).toEqual([
        ['network_id=net-1/minute=2030-05-01T10:07/part-0.parquet', 3],
      ]);
      for (const s of duckdbViews(lake, [a, b], { tables: ['ad_views_report'] })) await db.run(s);
      const cols = await db.rows<{ column_name: string; column_type: string }>('DESCRIBE ad_views_report');
      expect(cols.map((c) => [c.column_name, c.column_type])).toEqual([
        ...AD_REPORT_COLUMNS.map(([c, t]) => [c, t]),
        ['network_id', 'VARCHAR'],
        ['minute', 'VARCHAR'],
      ]);
      expect(
        await db.rows(
          `SELECT network_id, minute, count(*)::INTEGER AS n, sum(cost)::VARCHAR AS cost FROM ad_views_report GROUP BY ALL ORDER BY ALL`,
        ),
      ).toEqual([
        { network_id: 'net-1', minute: '2030-05-01T10:07', n: 3, cost: '0.037035' },
        { network_id: 'net-2', minute: '2030-05-01T10:07', n: 2, cost: '0.024690' },
      ]);
    });
  });

  it('hive and spark: PARTITIONED BY network_id and minute, one ALTER per network and day', () => {
    const parts = [
      entry({ network_id: 'net-1', minute: '2030-05-01T10:07' }),
      entry({ network_id: 'net-1', minute: '2030-05-01T10:08' }),
      entry({ network_id: 'net-1', minute: '2030-05-02T00:00' }),
      entry({ network_id: 'net-2', minute: '2030-05-01T10:07' }),
    ];
    const hive = splitStatements(lakeDdl('hive', '/lake', parts, { tables: ['ad_views_report'] }));
    expect(hive[0]).toContain('`cost` DECIMAL(18,6)');
    expect(hive[0]).toContain('PARTITIONED BY (`network_id` STRING, `minute` STRING)\nSTORED AS PARQUET');
    expect(hive.slice(1).map((s) => (s.match(/PARTITION \(/g) ?? []).length)).toEqual([2, 1, 1]);
    expect(hive[1]).toBe(
      [
        'ALTER TABLE `ad_views_report` ADD IF NOT EXISTS',
        "  PARTITION (`network_id` = 'net-1', `minute` = '2030-05-01T10:07') LOCATION 'file:///lake/ad_views_report/network_id=net-1/minute=2030-05-01T10:07'",
        "  PARTITION (`network_id` = 'net-1', `minute` = '2030-05-01T10:08') LOCATION 'file:///lake/ad_views_report/network_id=net-1/minute=2030-05-01T10:08'",
      ].join('\n'),
    );
    const spark = splitStatements(lakeDdl('spark', '/lake', parts, { tables: ['ad_views_report'] }));
    expect(spark[0]).toContain(
      '  `cost` DECIMAL(18,6),\n  `network_id` STRING,\n  `minute` STRING\n)\nUSING parquet\nPARTITIONED BY (`network_id`, `minute`)',
    );
  });
});
